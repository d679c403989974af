// --task realsr: super-resolution x4 on realistic low-resolution input (docs/QUALITY.md, "Real-ESRGAN
// on realistic x4 input"). Held-out photos (Kodak24 and Set14, read in place) are cropped to 512x384
// around their centres and degraded at three levels, each with fixed seeds: Gaussian blur, a x4
// downscale (bicubic or area), Gaussian or Poisson-Gaussian noise, JPEG. Each model enlarges the
// 128x96 result x4; scored against the original crop: PSNR-Y and SSIM (border 4) and texture, the
// gradient energy of the result's luma relative to the original's (mean squared gradient; 1 = as much
// detail as the photo), and the same ratio of mean gradient magnitudes (|grad|, a square-root-like
// scale: bicubic's blur gives about a third). --sheet DIR writes DIR/realsr-contact-sheet.png.
#include <chrono>
#include <cstdio>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "bench_quality.h"
#include "restora/core/estimate.h"
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

struct Gradient {
    double energy = 0;     // mean squared gradient
    double magnitude = 0;  // mean gradient magnitude
};

// Forward differences of the luma, in 8-bit units, inside a 4-px border.
Gradient gradient(const cv::Mat& bgr) {
    cv::Mat y;
    cv::cvtColor(bgr, y, cv::COLOR_BGR2GRAY);
    y.convertTo(y, CV_32F);
    const cv::Rect inner(4, 4, y.cols - 9, y.rows - 9);
    const cv::Mat gx = y(inner + cv::Point(1, 0)) - y(inner);
    const cv::Mat gy = y(inner + cv::Point(0, 1)) - y(inner);
    cv::Mat squared = gx.mul(gx) + gy.mul(gy);
    cv::Mat magnitude;
    cv::sqrt(squared, magnitude);
    return {cv::mean(squared)[0], cv::mean(magnitude)[0]};
}

cv::Mat captioned(const cv::Mat& img, const std::string& caption) {
    cv::Mat t = img.clone();
    cv::putText(t, caption, {4, t.rows - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, caption, {4, t.rows - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

struct Scores {
    double psnr = 0, ssim = 0, texture = 0, magnitude = 0, secs = 0;
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
        const Gradient hr_gradient = gradient(hr);
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
                const Gradient g = gradient(up);
                for (Scores* s : {&total[model], &per_level[{model, level.name}]}) {
                    s->psnr += psnr_y(up, hr, 4);
                    s->ssim += ssim(up, hr);
                    s->texture += g.energy / hr_gradient.energy;
                    s->magnitude += g.magnitude / hr_gradient.magnitude;
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
    std::printf(
        "\n| model | PSNR-Y (dB) | SSIM | texture (energy) | texture (\\|grad\\|) | seconds | time / bicubic | "
        "images |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    const double bicubic_secs = total["bicubic"].secs;
    for (const auto& [model, label] : models) {
        const Scores& s = total[model];
        if (s.n == 0) continue;
        std::printf("| %s | %.2f | %.4f | %.3f | %.3f | %.1f | %.1fx | %d |\n", model.c_str(), s.psnr / s.n,
                    s.ssim / s.n, s.texture / s.n, s.magnitude / s.n, s.secs, s.secs / bicubic_secs, s.n);
    }
    std::printf(
        "\n| level | model | PSNR-Y (dB) | SSIM | texture (energy) | texture (\\|grad\\|) |\n"
        "|---|---|---|---|---|---|\n");
    for (const Level& level : kLevels) {
        for (const auto& [model, label] : models) {
            const Scores& s = per_level[{model, level.name}];
            if (s.n == 0) continue;
            std::printf("| %s | %s | %.2f | %.4f | %.3f | %.3f |\n", level.name, model.c_str(), s.psnr / s.n,
                        s.ssim / s.n, s.texture / s.n, s.magnitude / s.n);
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

// --task sr-estimate: the job estimate the desktop app shows before a job (estimate_job, with the
// convolution throughput measured here and the CLI's default precision) against the measured run
// of the same operation, on the bundled sample (451x300, one 512-px tile, and 256-px tiles) and a
// 128x96 crop of it.
void bench_sr_estimate(const fs::path& sample) {
    const cv::Mat photo = load_image(sample).pixels;
    const Precision precision = resolve_precision("auto", DeviceKind::Cpu);
    const double gflops = measure_conv_gflops(DeviceKind::Cpu);
    std::printf("\n### Estimate vs measured (CPU, %s, convolution peak %.0f GFLOP/s)\n\n",
                precision_name(precision).c_str(), gflops);
    std::printf("| operation | input | tile | estimated (s) | measured (s) | measured / estimated |\n");
    std::printf("|---|---|---|---|---|---|\n");
    struct Case {
        std::string op;
        std::map<std::string, std::string> params;
        cv::Rect crop;
        int tile;
    };
    const cv::Rect whole(0, 0, photo.cols, photo.rows);
    const cv::Rect small(120, 40, 128, 96);
    for (const Case& c : {Case{"upscale", {{"model", "realesrgan-fast"}}, whole, 512},
                          Case{"upscale", {{"model", "realesrgan"}}, small, 512},
                          Case{"upscale", {{"model", "realesrgan"}}, whole, 512},
                          Case{"upscale", {{"model", "realesrgan"}}, whole, 256},
                          Case{"clean-up", {{"model", "realesrgan"}}, whole, 512}}) {
        const Operation& op = Registry::instance().get(c.op);
        const Params p = op.resolve(c.params);
        const cv::Mat in = photo(c.crop).clone();
        const JobEstimate e = estimate_job(op, p, in.size(), 3, c.tile, gflops, precision);
        OpContext ctx;
        ctx.device = DeviceKind::Cpu;
        ctx.tile = c.tile;
        ctx.precision = precision;
        const auto t0 = std::chrono::steady_clock::now();
        (void)op.run(in, cv::Mat(), p, ctx);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("| %s model=%s | %dx%d | %d | %.1f | %.1f | %.2f |\n", c.op.c_str(), p.text("model").c_str(),
                    in.cols, in.rows, c.tile, e.seconds, secs, secs / e.seconds);
        std::fflush(stdout);
    }
}

}  // namespace restora::bench
