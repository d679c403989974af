// Inpainting benchmarks of restora-bench-quality (bench_quality.cpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "bench_quality.h"
#include "restora/core/image_io.h"
#include "restora/core/mask.h"
#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/core/resample.h"
#include "restora/models/engine.h"
#include "restora/training/shard.h"

namespace restora::bench {

void bench_inpaint(const fs::path& data, size_t limit, const fs::path* sheet_dir) {
    std::printf("\n### Inpainting, places2_512_freeform (white = hole), inside the hole\n\n");
    std::printf(
        "| method | PSNR in hole (dB) | L1 in hole | SSIM in hole | SSIM (whole image) | seconds | images |\n"
        "|---|---|---|---|---|---|---|\n");
    std::vector<std::string> methods = kInpaintMethods;
    // G'MIC's patch-based inpainting (Debian package gmic), when installed: an external baseline.
    if (!kInpaintMethodsChosen && std::system("command -v gmic >/dev/null 2>&1") == 0) methods.push_back("gmic-patch");
    const fs::path tmp = fs::temp_directory_path() / "restora-bench-gmic";
    fs::create_directories(tmp);
    for (const std::string& method : methods) {
        double p = 0;
        double l1 = 0;
        double q = 0;
        double q_hole = 0;
        double secs = 0;
        int n = 0;
        for (const auto& f : images_in(data / "inpaint/places2_512_freeform/images", limit)) {
            fs::path mask_path = data / "inpaint/places2_512_freeform/masks" / f.filename();
            if (!fs::exists(mask_path)) mask_path.replace_extension(".png");
            if (!fs::exists(mask_path)) continue;
            const cv::Mat img = load_image(f).pixels;
            const cv::Mat mask = load_mask(mask_path, img.size());
            cv::Mat holed = img.clone();
            holed.setTo(cv::Scalar::all(0), mask);
            const auto t0 = std::chrono::steady_clock::now();
            cv::Mat out;
            if (method == "navier-stokes") {
                cv::inpaint(holed, mask, out, 5, cv::INPAINT_NS);
            } else if (method == "gmic-patch") {
                cv::imwrite((tmp / "in.png").string(), holed);
                cv::imwrite((tmp / "mask.png").string(), mask);
                const std::string cmd = "gmic " + (tmp / "in.png").string() + " " + (tmp / "mask.png").string() +
                                        " -inpaint[0] [1],11,22,0.5,1,9,0,0.05,5,1 -o[0] " +
                                        (tmp / "out.png").string() + " >/dev/null 2>&1";
                if (std::system(cmd.c_str()) != 0) throw std::runtime_error("gmic failed on " + f.string());
                out = cv::imread((tmp / "out.png").string(), cv::IMREAD_COLOR);
            } else if (method == "learned-unrefined") {
                OpContext ctx;
                out = run_inpaint(holed, mask, InpaintMethod::LearnedNoRefinement, ctx, cv::Rect({0, 0}, img.size()))
                          .pixels;
            } else {
                out = run_op("inpaint", holed, mask, {{"model", method}}).pixels;
            }
            secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            p += psnr(out, img, mask);
            l1 += mean_abs_error(out, img, mask);
            q += ssim(out, img);
            q_hole += ssim(out, img, mask);
            ++n;
            if (sheet_dir != nullptr && n <= 4) {
                cv::imwrite((*sheet_dir / (f.stem().string() + "-" + method + ".jpg")).string(), out);
                if (method == "learned") cv::imwrite((*sheet_dir / (f.stem().string() + "-input.jpg")).string(), holed);
            }
        }
        if (n > 0) {
            std::printf("| %s | %.2f | %.4f | %.4f | %.4f | %.1f | %d |\n", method.c_str(), p / n, l1 / n, q_hole / n,
                        q / n, secs, n);
        }
        std::fflush(stdout);
    }
}

// The i-th free-form mask (512x512, white = hole), scaled up (nearest) so that its hole covers 5%
// of the photo, centred in it. (Stretched to the whole photo these masks would cover 16-55%.)
cv::Mat placed_mask(const fs::path& file, cv::Size photo) {
    const cv::Mat m = load_mask(file, {512, 512});
    const double cover = static_cast<double>(cv::countNonZero(m)) / m.total();
    const double s = std::min(std::sqrt(0.05 * photo.area() / (cover * m.total())),
                              0.95 * std::min(photo.width, photo.height) / 512.0);
    const int side = static_cast<int>(std::lround(512 * s));
    cv::Mat big;
    cv::resize(m, big, {side, side}, 0, 0, cv::INTER_NEAREST);
    cv::Mat out(photo, CV_8U, cv::Scalar(0));
    big.copyTo(out(cv::Rect((photo.width - side) / 2, (photo.height - side) / 2, side, side)));
    return out;
}

void bench_inpaint_hires(const fs::path& data, const fs::path& photos_file, size_t limit, const fs::path* sheet_dir) {
    std::ifstream list(photos_file);
    if (!list) throw std::runtime_error("cannot read the photo list " + photos_file.string() + " (pass --photos FILE)");
    std::vector<fs::path> photos;
    for (std::string line; std::getline(list, line);) {
        if (!line.empty() && line[0] != '#') photos.emplace_back(line);
    }
    if (limit > 0 && photos.size() > limit) photos.resize(limit);
    const auto masks = images_in(data / "inpaint/places2_512_freeform/masks", 0);
    if (masks.size() < photos.size()) throw std::runtime_error("too few masks in " + data.string());
    struct Method {
        const char* name;
        InpaintMethod m;
    };
    const std::vector<Method> methods = {{"learned, no refinement", InpaintMethod::LearnedNoRefinement},
                                         {"learned + PatchMatch refinement (model=learned)", InpaintMethod::Learned},
                                         {"patchmatch", InpaintMethod::PatchMatch},
                                         {"telea", InpaintMethod::Telea}};
    struct Sum {
        double psnr = 0, l1 = 0, grad = 0, truth = 0, secs = 0;
        int n = 0;
    };
    std::vector<Sum> sums(methods.size());
    constexpr int kCrop = 200;  // 1:1 crops for the contact sheet
    std::vector<cv::Mat> rows;
    std::printf("\n### Full-resolution inpainting, per photo (hole: a free-form mask scaled to 5%% of the photo)\n\n");
    std::printf(
        "| photo | size | hole %% | method | PSNR in hole (dB) | L1 in hole | grad energy in hole (truth) | seconds "
        "|\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < photos.size(); ++i) {
        cv::Mat img = load_image(photos[i]).pixels;
        if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
        const cv::Mat mask = placed_mask(masks[i], img.size());
        cv::Mat holed = img.clone();
        holed.setTo(cv::Scalar::all(0), mask);
        const double truth = gradient_energy(img, mask);
        // Sheet crop: centred on a hole pixel 40 px from the nearest known pixel (deeper holes
        // show only fill, shallower ones only border), the first such pixel in raster order.
        cv::Mat dist;
        cv::distanceTransform(mask, dist, cv::DIST_L2, 3);
        cv::Point centre;
        double deepest = 0;
        cv::minMaxLoc(dist, nullptr, &deepest, nullptr, &centre);
        const float want = static_cast<float>(std::min(40.0, deepest));
        for (int y = 0; y < dist.rows && centre.y >= 0; ++y) {
            const float* d = dist.ptr<float>(y);
            for (int x = 0; x < dist.cols; ++x) {
                if (d[x] >= want) {
                    centre = {x, y};
                    y = dist.rows;
                    break;
                }
            }
        }
        const cv::Rect crop =
            cv::Rect(centre.x - kCrop / 2, centre.y - kCrop / 2, kCrop, kCrop) & cv::Rect({0, 0}, img.size());
        std::vector<cv::Mat> cells = {holed(crop).clone(), img(crop).clone()};
        for (size_t k = 0; k < methods.size(); ++k) {
            OpContext ctx;
            ctx.device = DeviceKind::Cpu;
            const auto t0 = std::chrono::steady_clock::now();
            const cv::Mat out = run_inpaint(holed, mask, methods[k].m, ctx, cv::Rect({0, 0}, img.size())).pixels;
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double p = psnr(out, img, mask);
            const double l1 = mean_abs_error(out, img, mask);
            const double g = gradient_energy(out, mask);
            std::printf("| %s | %dx%d | %.1f | %s | %.2f | %.4f | %.2f (%.2f) | %.1f |\n", photos[i].filename().c_str(),
                        img.cols, img.rows, 100.0 * cv::countNonZero(mask) / mask.total(), methods[k].name, p, l1, g,
                        truth, secs);
            std::fflush(stdout);
            Sum& s = sums[k];
            s.psnr += p;
            s.l1 += l1;
            s.grad += g;
            s.truth += truth;
            s.secs += secs;
            ++s.n;
            cells.push_back(out(crop).clone());
        }
        for (cv::Mat& c : cells) {
            if (c.size() != cv::Size(kCrop, kCrop)) cv::resize(c, c, {kCrop, kCrop}, 0, 0, cv::INTER_NEAREST);
            cv::rectangle(c, cv::Rect(0, 0, kCrop, kCrop), cv::Scalar::all(255), 1);
        }
        cv::Mat row;
        cv::hconcat(cells, row);
        rows.push_back(row);
    }
    std::printf(
        "\n| method | PSNR in hole (dB) | L1 in hole | grad energy in hole / truth | seconds (all photos) | photos "
        "|\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < methods.size(); ++k) {
        const Sum& s = sums[k];
        if (s.n == 0) continue;
        std::printf("| %s | %.2f | %.4f | %.2f | %.1f | %d |\n", methods[k].name, s.psnr / s.n, s.l1 / s.n,
                    s.grad / s.truth, s.secs, s.n);
    }
    if (sheet_dir != nullptr && !rows.empty()) {
        cv::Mat header(24, rows[0].cols, CV_8UC3, cv::Scalar::all(32));
        const char* titles[] = {"input",      "ground truth", "learned, no refine", "learned (refined)",
                                "patchmatch", "telea"};
        for (int c = 0; c < 6; ++c) {
            cv::putText(header, titles[c], {c * kCrop + 6, 17}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar::all(255), 1,
                        cv::LINE_AA);
        }
        rows.insert(rows.begin(), header);
        cv::Mat sheet;
        cv::vconcat(rows, sheet);
        const fs::path out = *sheet_dir / "inpaint-hires-contact-sheet.png";
        cv::imwrite(out.string(), sheet, {cv::IMWRITE_PNG_COMPRESSION, 9});
        std::printf("\ncontact sheet: %s\n", out.c_str());
        // The 5% mask of the first photo, for timing restora-cli on it (docs/PERFORMANCE.md).
        cv::imwrite((*sheet_dir / "inpaint-hires-mask0.png").string(),
                    placed_mask(masks[0], load_image(photos[0]).pixels.size()));
    }
}

// Preview of a brush stroke on a 1200x800 viewport (Preview = Apply: run_region), per method.
void bench_inpaint_preview(const fs::path& photos_file) {
    std::ifstream list(photos_file);
    std::string first;
    std::getline(list, first);
    cv::Mat img = load_image(first).pixels;
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
    // A typical brush mask: one 40-px stroke about 500 px long, plus a dab, inside the viewport.
    const cv::Rect view(img.cols / 2 - 600, img.rows / 2 - 400, 1200, 800);
    cv::line(mask, view.tl() + cv::Point(300, 500), view.tl() + cv::Point(780, 380), cv::Scalar(255), 40);
    cv::circle(mask, view.tl() + cv::Point(900, 200), 30, cv::Scalar(255), -1);
    std::printf("\n### Preview of a brush mask (%d px, %.2f%% of %dx%d) on a 1200x800 viewport (run_region, CPU)\n\n",
                cv::countNonZero(mask), 100.0 * cv::countNonZero(mask) / mask.total(), img.cols, img.rows);
    std::printf(
        "| method | wall s, best of 5 | wall s, median | CPU s per run (all threads), median |\n|---|---|---|---|\n");
    for (const auto& [name, m] :
         {std::pair{"learned", InpaintMethod::Learned}, std::pair{"patchmatch", InpaintMethod::PatchMatch},
          std::pair{"telea", InpaintMethod::Telea}}) {
        ModelCache cache;  // as the GUI's worker keeps the network loaded between previews
        OpContext ctx;
        ctx.device = DeviceKind::Cpu;
        ctx.models = &cache;
        (void)run_inpaint(img, mask, m, ctx, view);  // warm-up: loads the network once
        std::vector<double> wall;
        std::vector<double> cpu;
        for (int rep = 0; rep < 5; ++rep) {
            const std::clock_t c0 = std::clock();
            const auto t0 = std::chrono::steady_clock::now();
            (void)run_inpaint(img, mask, m, ctx, view);
            wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        }
        std::sort(wall.begin(), wall.end());
        std::sort(cpu.begin(), cpu.end());
        std::printf("| %s | %.2f | %.2f | %.2f |\n", name, wall[0], wall[2], cpu[2]);
        std::fflush(stdout);
    }
}

}  // namespace restora::bench
