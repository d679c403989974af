// Quality benchmarks on the shared benchmark sets (read in place, never copied): prints markdown
// tables for docs/QUALITY.md.
//   restora-bench-quality [--root DIR] [--data DIR] [--task
//   sr|realsr|sr-estimate|denoise|inpaint|inpaint-hires|inpaint-preview|shadow|all]
//                         [--limit N] [--sheet DIR] [--photos FILE]
//                         [--shadow-set PREFIX] [--shadow-methods input,relight,inpaint,learned]
//                         [--inpaint-methods learned,learned-unrefined,patchmatch,telea,navier-stokes]
//                         (G'MIC's patch-based method joins them unless --inpaint-methods chooses)
// --task shadow: the held-out synthetic shadow set from `restora-prep --kind shadow` (PREFIX,
// default ROOT/training-data/shadow/eval; ROOT, the repository, is
// --root or the current directory) and the ISTD triple in DATA/shadow/istd; --sheet DIR then also
// writes DIR/shadow-contact-sheet.png.
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

std::vector<fs::path> images_in(const fs::path& dir, size_t limit) {
    std::vector<fs::path> v;
    if (!fs::is_directory(dir)) return v;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.is_regular_file() && format_from_extension(e.path()) != ImageFormat::Unknown) v.push_back(e.path());
    }
    std::sort(v.begin(), v.end());
    if (limit > 0 && v.size() > limit) v.resize(limit);
    return v;
}

Precision g_precision = Precision::F32;

OpResult run_op(const std::string& id, const cv::Mat& img, const cv::Mat& mask,
                const std::map<std::string, std::string>& params) {
    const Operation& op = Registry::instance().get(id);
    OpContext ctx;
    ctx.device = DeviceKind::Auto;
    ctx.precision = g_precision;
    return op.run(img, mask, op.resolve(params), ctx);
}

std::string load_graph_context(const std::string& size) {
    const ModelStatus m = require_model(sr_model_id(size, 4));
    return std::to_string(load_graph_model(m.path, DeviceKind::Cpu)->traits().context);
}

cv::Mat modcrop(const cv::Mat& m, int s) { return m(cv::Rect(0, 0, m.cols - m.cols % s, m.rows - m.rows % s)).clone(); }
void bench_sr(const fs::path& data, size_t limit) {
    // The MATLAB-style degradation must reproduce Set5's own LR files before it makes Set14's.
    std::printf(
        "\n### MATLAB-style bicubic downscale vs Set5's LR files (PSNR, RGB)\n\n| scale | PSNR (dB) | images "
        "|\n|---|---|---|\n");
    for (int s : {2, 4}) {
        double p = 0;
        int n = 0;
        for (const auto& hr_path : images_in(data / "sr/Set5/HR", limit)) {
            const fs::path lr_path = data / ("sr/Set5/LR_bicubic_x" + std::to_string(s)) /
                                     (hr_path.stem().string() + "x" + std::to_string(s) + ".png");
            p += psnr(matlab_bicubic_downscale(modcrop(load_image(hr_path).pixels, s), s), load_image(lr_path).pixels);
            ++n;
        }
        if (n > 0) std::printf("| x%d | %.2f | %d |\n", s, p / n, n);
    }
    const std::vector<std::string> models = {"bicubic", "slim", "medium", "thick"};
    std::printf("\n### Super-resolution, PSNR-Y / SSIM (RGB), border = scale\n\n");
    std::printf("| set | scale | model | PSNR-Y (dB) | SSIM | seconds | images |\n|---|---|---|---|---|---|---|\n");
    struct Case {
        std::string set;
        int scale;
    };
    for (const Case& c : {Case{"Set5", 2}, Case{"Set5", 4}, Case{"Set14", 4}}) {
        for (const std::string& model : models) {
            double p = 0;
            double q = 0;
            double secs = 0;
            int n = 0;
            for (const auto& hr_path : images_in(data / "sr" / c.set / "HR", limit)) {
                const cv::Mat hr = modcrop(load_image(hr_path).pixels, c.scale);
                cv::Mat lr;
                if (c.set == "Set5") {
                    lr = load_image(data / ("sr/Set5/LR_bicubic_x" + std::to_string(c.scale)) /
                                    (hr_path.stem().string() + "x" + std::to_string(c.scale) + ".png"))
                             .pixels;
                } else {
                    lr = matlab_bicubic_downscale(hr, c.scale);
                }
                const auto t0 = std::chrono::steady_clock::now();
                const cv::Mat up =
                    run_op("upscale", lr, {}, {{"scale", std::to_string(c.scale)}, {"model", model}}).pixels;
                secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                p += psnr_y(up, hr, c.scale);
                q += ssim(up, hr);
                ++n;
            }
            if (n > 0) {
                std::printf("| %s | x%d | %s | %.2f | %.4f | %.1f | %d |\n", c.set.c_str(), c.scale, model.c_str(),
                            p / n, q / n, secs, n);
                std::fflush(stdout);
            }
        }
    }
}

// Tiles against one raw call on the whole image, for the imported SR models (the models reach
// further than the context each tile reads, so tiles differ slightly; feathering hides seams).
void bench_tiling(const fs::path& sample) {
    std::printf(
        "\n### Tiled (tile 128, feathered) vs one whole-image tile with the same mirrored border, x4, on %s\n\n",
        sample.filename().c_str());
    std::printf(
        "| model | context (px) | PSNR (dB) | max abs diff (8-bit levels) | raw call (--tile 0, zero padding) vs "
        "tiled, PSNR (dB) |\n|---|---|---|---|---|\n");
    const cv::Mat img = load_image(sample).pixels;
    for (const std::string model : {"slim", "medium", "thick"}) {
        const Operation& op = Registry::instance().get("upscale");
        const Params p = op.resolve({{"scale", "4"}, {"model", model}});
        OpContext whole;
        whole.tile = 1 << 20;
        OpContext raw;
        raw.tile = 0;
        OpContext tiled;
        tiled.tile = 128;
        const cv::Mat a = op.run(img, {}, p, whole).pixels;
        const cv::Mat b = op.run(img, {}, p, tiled).pixels;
        const cv::Mat c = op.run(img, {}, p, raw).pixels;
        std::printf("| %s | %s | %.2f | %.0f | %.2f |\n", model.c_str(), load_graph_context(model).c_str(), psnr(a, b),
                    cv::norm(a, b, cv::NORM_INF), psnr(c, b));
        std::fflush(stdout);
    }
}

void bench_denoise(const fs::path& data, size_t limit) {
    std::printf("\n### Denoising, additive Gaussian noise (seeded, clipped to 8 bit), PSNR (RGB) in dB\n\n");
    std::printf("| set | sigma | noisy | nlmeans strength 0.5 | nlmeans 0.7 | nlmeans 1.0 | images |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (const char* set : {"CBSD68", "Kodak24"}) {
        const auto files = images_in(data / "denoise" / set, limit);
        for (int sigma : {15, 25, 50}) {
            double noisy_sum = 0;
            std::map<std::string, double> sums;
            int n = 0;
            for (const auto& f : files) {
                const cv::Mat clean = load_image(f).pixels;
                cv::Mat noise(clean.size(), CV_32FC3);
                cv::theRNG().state = 1234 + n;
                cv::randn(noise, 0, sigma);
                cv::Mat fl;
                clean.convertTo(fl, CV_32F);
                cv::Mat noisy;
                cv::Mat(fl + noise).convertTo(noisy, CV_8U);
                noisy_sum += psnr(noisy, clean);
                for (const char* st : {"0.5", "0.7", "1"}) {
                    sums[st] +=
                        psnr(run_op("denoise", noisy, {}, {{"model", "nlmeans"}, {"strength", st}}).pixels, clean);
                }
                ++n;
            }
            if (n == 0) continue;
            std::printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %d |\n", set, sigma, noisy_sum / n, sums["0.5"] / n,
                        sums["0.7"] / n, sums["1"] / n, n);
            std::fflush(stdout);
        }
    }
}

std::vector<std::string> kInpaintMethods = {"learned", "learned-unrefined", "patchmatch", "telea", "navier-stokes"};
bool kInpaintMethodsChosen = false;

}  // namespace restora::bench

using namespace restora;
using namespace restora::bench;

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench";
    std::string task = "all";
    fs::path root = ".";  // --root DIR: the repository (the sample photo, training-data/)
    fs::path sheet;       // --sheet DIR: write a few inputs and results for a contact sheet
    fs::path photos;      // --photos FILE (default ROOT/training-data/eval_photos.txt)
    size_t limit = 0;
    fs::path shadow_set;  // --shadow-set PREFIX (default ROOT/training-data/shadow/eval)
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (std::strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
            root = argv[++i];
        } else if (std::strcmp(argv[i], "--task") == 0 && i + 1 < argc) {
            task = argv[++i];
        } else if (std::strcmp(argv[i], "--sheet") == 0 && i + 1 < argc) {
            sheet = argv[++i];
            fs::create_directories(sheet);
        } else if (std::strcmp(argv[i], "--photos") == 0 && i + 1 < argc) {
            photos = argv[++i];
        } else if (std::strcmp(argv[i], "--shadow-methods") == 0 && i + 1 < argc) {
            kShadowMethods.clear();
            std::stringstream list(argv[++i]);
            for (std::string m; std::getline(list, m, ',');) kShadowMethods.push_back(m);
        } else if (std::strcmp(argv[i], "--inpaint-methods") == 0 && i + 1 < argc) {
            kInpaintMethods.clear();
            kInpaintMethodsChosen = true;
            std::stringstream list(argv[++i]);
            for (std::string m; std::getline(list, m, ',');) kInpaintMethods.push_back(m);
        } else if (std::strcmp(argv[i], "--shadow-set") == 0 && i + 1 < argc) {
            shadow_set = argv[++i];
        } else if (std::strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
            g_precision = resolve_precision(argv[++i], DeviceKind::Auto);
        } else if (std::strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            limit = static_cast<size_t>(std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr,
                         "usage: restora-bench-quality [--root DIR] [--data DIR] [--task "
                         "sr|realsr|denoise|inpaint|inpaint-hires|"
                         "inpaint-preview|shadow|tiling|all] [--limit N] [--sheet DIR] [--photos FILE] "
                         "[--shadow-set PREFIX] [--shadow-methods LIST] [--inpaint-methods LIST] "
                         "[--precision auto|fp32|bf16]\n");
            return 2;
        }
    }
    const fs::path sample = root / "resources/sample/chelsea-noisy.jpg";
    if (photos.empty()) photos = root / "training-data/eval_photos.txt";
    if (shadow_set.empty()) shadow_set = root / "training-data/shadow/eval";
    if (!fs::is_directory(data)) {
        std::fprintf(stderr, "benchmark data not found at %s (pass --data)\n", data.c_str());
        return 3;
    }
    configure_threads();
    try {
        if (task == "sr" || task == "all") bench_sr(data, limit);
        if (task == "realsr" || task == "all") bench_realsr(data, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "denoise" || task == "all") bench_denoise(data, limit);
        if (task == "inpaint" || task == "all") bench_inpaint(data, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "shadow" || task == "all") bench_shadow(data, shadow_set, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "tiling") bench_tiling(sample);
        if (task == "sr-estimate") bench_sr_estimate(sample);
        if (task == "inpaint-hires") bench_inpaint_hires(data, photos, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "inpaint-preview") bench_inpaint_preview(photos);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
