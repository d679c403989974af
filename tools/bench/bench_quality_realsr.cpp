// --task realsr: super-resolution x4 on realistic low-resolution input (docs/QUALITY.md, "Real-ESRGAN
// on realistic x4 input"). Held-out photos (Kodak24 and Set14, read in place) are cropped to 512x384
// around their centres and degraded at three levels, each with fixed seeds: Gaussian blur, a x4
// downscale (bicubic or area), Gaussian or Poisson-Gaussian noise, JPEG. Each model enlarges the
// 128x96 result x4; scored against the original crop: PSNR-Y and SSIM (border 4) and texture, the
// gradient energy of the result's luma relative to the original's (1 = as much detail as the photo;
// bicubic's blur gives about a third). --sheet DIR writes DIR/realsr-contact-sheet.png.
#include <chrono>
#include <cstdio>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bench_quality.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"

namespace restora::bench {

namespace {

struct Level {
    const char* name;
    double blur_sigma;   // HR pixels
    int down;            // cv::INTER_CUBIC or cv::INTER_AREA
    double noise_sigma;  // of 255, Gaussian
    double photons;      // Poisson: photons at full scale (0: none)
    int jpeg;            // quality
};

const Level kLevels[] = {
    {"light", 0.8, cv::INTER_CUBIC, 2.0, 0, 85},
    {"medium", 1.2, cv::INTER_AREA, 4.0, 400, 70},
    {"heavy", 1.6, cv::INTER_CUBIC, 6.0, 150, 50},
};

cv::Mat degrade(const cv::Mat& hr, const Level& l, unsigned seed) {
    cv::Mat f;
    hr.convertTo(f, CV_32FC3, 1.0 / 255.0);
    cv::GaussianBlur(f, f, cv::Size(0, 0), l.blur_sigma);
    cv::resize(f, f, {hr.cols / 4, hr.rows / 4}, 0, 0, l.down);
    std::mt19937 rng(seed);
    std::normal_distribution<float> gauss(0.0F, static_cast<float>(l.noise_sigma / 255.0));
    f.forEach<cv::Vec3f>([](cv::Vec3f& px, const int*) {
        for (int c = 0; c < 3; ++c) px[c] = std::clamp(px[c], 0.0F, 1.0F);
    });
    for (int y = 0; y < f.rows; ++y) {  // sequential: one seed gives one noise field
        for (int x = 0; x < f.cols; ++x) {
            cv::Vec3f& px = f.at<cv::Vec3f>(y, x);
            for (int c = 0; c < 3; ++c) {
                float v = px[c];
                if (l.photons > 0) {
                    std::poisson_distribution<int> shot(v * l.photons);
                    v = static_cast<float>(shot(rng) / l.photons);
                }
                px[c] = v + gauss(rng);
            }
        }
    }
    cv::Mat lr8;
    f.convertTo(lr8, CV_8UC3, 255.0);
    std::vector<uchar> jpg;
    cv::imencode(".jpg", lr8, jpg, {cv::IMWRITE_JPEG_QUALITY, l.jpeg});
    return cv::imdecode(jpg, cv::IMREAD_COLOR);
}

// Mean squared gradient (forward differences) of the luma, in 8-bit units, inside a 4-px border.
double gradient_energy(const cv::Mat& bgr) {
    cv::Mat y;
    cv::cvtColor(bgr, y, cv::COLOR_BGR2GRAY);
    y.convertTo(y, CV_32F);
    const cv::Rect inner(4, 4, y.cols - 9, y.rows - 9);
    const cv::Mat gx = y(inner + cv::Point(1, 0)) - y(inner);
    const cv::Mat gy = y(inner + cv::Point(0, 1)) - y(inner);
    return cv::mean(gx.mul(gx) + gy.mul(gy))[0];
}

cv::Mat captioned(const cv::Mat& img, const std::string& caption) {
    cv::Mat t = img.clone();
    cv::putText(t, caption, {4, t.rows - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, caption, {4, t.rows - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

struct Scores {
    double psnr = 0, ssim = 0, texture = 0, secs = 0;
    int n = 0;
};

}  // namespace

void bench_realsr(const fs::path& data, size_t limit, const fs::path* sheet_dir) {
    // Five Kodak photos and three of Set14, every fifth / fourth in name order; none of them was
    // trained on (the tunable networks train on Debian wallpapers; Real-ESRGAN on DIV2K and others).
    std::vector<fs::path> photos;
    const auto kodak = images_in(data / "denoise/Kodak24", 0);
    for (size_t i = 0; i < kodak.size() && photos.size() < 5; i += 5) photos.push_back(kodak[i]);
    const auto set14 = images_in(data / "sr/Set14/HR", 0);
    for (size_t i = 0, taken = 0; i < set14.size() && taken < 3; ++i) {
        const cv::Size s = load_image(set14[i]).pixels.size();
        if (s.width >= 512 && s.height >= 384 && i % 4 == 0) {
            photos.push_back(set14[i]);
            ++taken;
        }
    }
    if (limit > 0 && photos.size() > limit) photos.resize(limit);
    const std::vector<std::pair<std::string, std::string>> models = {
        {"bicubic", "bicubic"}, {"thick", "thick"}, {"realesrgan-fast", "fast"}, {"realesrgan", "x4plus"}};
    std::map<std::string, Scores> total;
    std::map<std::pair<std::string, std::string>, Scores> per_level;
    std::vector<cv::Mat> sheet_rows;
    std::printf("\n### Realistic x4 (blur + x4 downscale + noise + JPEG), %zu photos x %zu levels\n\nphotos:",
                photos.size(), std::size(kLevels));
    for (const auto& p : photos) std::printf(" %s", p.filename().c_str());
    std::printf("\n");
    unsigned seed = 1;
    int index = 0;
    for (const auto& path : photos) {
        const cv::Mat full = load_image(path).pixels;
        const cv::Mat hr = full(cv::Rect((full.cols - 512) / 2, (full.rows - 384) / 2, 512, 384)).clone();
        const double hr_energy = gradient_energy(hr);
        for (const Level& level : kLevels) {
            const cv::Mat lr = degrade(hr, level, seed++);
            const bool on_sheet = sheet_dir != nullptr && (index++ % 5) == 1;
            const cv::Rect crop(200, 120, 128, 128);
            std::vector<cv::Mat> row;
            if (on_sheet) {
                cv::Mat nn;
                cv::resize(lr, nn, hr.size(), 0, 0, cv::INTER_NEAREST);
                row.push_back(captioned(nn(crop), std::string("input ") + level.name));
            }
            for (const auto& [model, label] : models) {
                const auto t0 = std::chrono::steady_clock::now();
                const cv::Mat up = run_op("upscale", lr, {}, {{"scale", "4"}, {"model", model}}).pixels;
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                for (Scores* s : {&total[model], &per_level[{model, level.name}]}) {
                    s->psnr += psnr_y(up, hr, 4);
                    s->ssim += ssim(up, hr);
                    s->texture += gradient_energy(up) / hr_energy;
                    s->secs += secs;
                    ++s->n;
                }
                if (on_sheet) row.push_back(captioned(up(crop), label));
            }
            if (on_sheet) {
                row.push_back(captioned(hr(crop), "original"));
                cv::Mat r;
                cv::hconcat(row, r);
                sheet_rows.push_back(r);
            }
        }
        std::fprintf(stderr, "%s done\n", path.filename().c_str());
    }
    std::printf("\n| model | PSNR-Y (dB) | SSIM | texture | seconds | time / bicubic | images |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    const double bicubic_secs = total["bicubic"].secs;
    for (const auto& [model, label] : models) {
        const Scores& s = total[model];
        if (s.n == 0) continue;
        std::printf("| %s | %.2f | %.4f | %.3f | %.1f | %.1fx | %d |\n", model.c_str(), s.psnr / s.n, s.ssim / s.n,
                    s.texture / s.n, s.secs, s.secs / bicubic_secs, s.n);
    }
    std::printf("\n| level | model | PSNR-Y (dB) | SSIM | texture |\n|---|---|---|---|---|\n");
    for (const Level& level : kLevels) {
        for (const auto& [model, label] : models) {
            const Scores& s = per_level[{model, level.name}];
            if (s.n == 0) continue;
            std::printf("| %s | %s | %.2f | %.4f | %.3f |\n", level.name, model.c_str(), s.psnr / s.n, s.ssim / s.n,
                        s.texture / s.n);
        }
    }
    std::fflush(stdout);
    if (sheet_dir != nullptr && !sheet_rows.empty()) {
        cv::Mat sheet;
        cv::vconcat(sheet_rows, sheet);
        fs::create_directories(*sheet_dir);
        const fs::path out = *sheet_dir / "realsr-contact-sheet.png";
        cv::imwrite(out.string(), sheet);
        std::printf("\ncontact sheet: %s\n", out.c_str());
    }
}

}  // namespace restora::bench
