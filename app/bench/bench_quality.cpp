// Quality benchmarks on the shared benchmark sets (read in place, never copied): prints markdown
// tables for docs/QUALITY.md.
//   restora-bench-quality [--data DIR] [--task sr|denoise|inpaint|all] [--limit N]
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "restora/core/image_io.h"
#include "restora/core/mask.h"
#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/core/resample.h"
#include "restora/models/engine.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

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

OpResult run_op(const std::string& id, const cv::Mat& img, const cv::Mat& mask,
                const std::map<std::string, std::string>& params) {
    const Operation& op = Registry::instance().get(id);
    OpContext ctx;
    ctx.device = DeviceKind::Auto;
    return op.run(img, mask, op.resolve(params), ctx);
}

std::string load_graph_context(const std::string& size) {
    const ModelStatus m = require_model(sr_model_id(size, 4));
    return std::to_string(load_graph_model(m.path, DeviceKind::Cpu)->traits().context);
}

cv::Mat modcrop(const cv::Mat& m, int s) { return m(cv::Rect(0, 0, m.cols - m.cols % s, m.rows - m.rows % s)).clone(); }

void bench_sr(const fs::path& data, size_t limit) {
    // The MATLAB-style degradation must reproduce Set5's own LR files before it makes Set14's.
    std::printf("\n### MATLAB-style bicubic downscale vs Set5's LR files (PSNR, RGB)\n\n| scale | PSNR (dB) | images |\n|---|---|---|\n");
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
    struct Case { std::string set; int scale; };
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
                                    (hr_path.stem().string() + "x" + std::to_string(c.scale) + ".png")).pixels;
                } else {
                    lr = matlab_bicubic_downscale(hr, c.scale);
                }
                const auto t0 = std::chrono::steady_clock::now();
                const cv::Mat up = run_op("upscale", lr, {}, {{"scale", std::to_string(c.scale)}, {"model", model}}).pixels;
                secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                p += psnr_y(up, hr, c.scale);
                q += ssim(up, hr);
                ++n;
            }
            if (n > 0) {
                std::printf("| %s | x%d | %s | %.2f | %.4f | %.1f | %d |\n", c.set.c_str(), c.scale, model.c_str(), p / n,
                            q / n, secs, n);
                std::fflush(stdout);
            }
        }
    }
}

// Tiles against one raw call on the whole image, for the imported SR models (the models reach
// further than the context each tile reads, so tiles differ slightly; feathering hides seams).
void bench_tiling(const fs::path& sample) {
    std::printf("\n### Tiled (tile 128, feathered) vs one whole-image tile with the same mirrored border, x4, on %s\n\n",
                sample.filename().c_str());
    std::printf("| model | context (px) | PSNR (dB) | max abs diff (8-bit levels) | raw call (--tile 0, zero padding) vs tiled, PSNR (dB) |\n|---|---|---|---|---|\n");
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
                    sums[st] += psnr(run_op("denoise", noisy, {}, {{"strength", st}}).pixels, clean);
                }
                ++n;
            }
            if (n == 0) continue;
            std::printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %d |\n", set, sigma, noisy_sum / n,
                        sums["0.5"] / n, sums["0.7"] / n, sums["1"] / n, n);
            std::fflush(stdout);
        }
    }
}

void bench_inpaint(const fs::path& data, size_t limit, const fs::path* sheet_dir) {
    std::printf("\n### Inpainting, places2_512_freeform (white = hole), inside the hole\n\n");
    std::printf("| method | PSNR in hole (dB) | L1 in hole | SSIM (whole image) | seconds | images |\n|---|---|---|---|---|---|\n");
    std::vector<std::string> methods = {"learned", "telea", "navier-stokes"};
    // G'MIC's patch-based inpainting (Debian package gmic), when installed: an external baseline.
    if (std::system("command -v gmic >/dev/null 2>&1") == 0) methods.push_back("gmic-patch");
    const fs::path tmp = fs::temp_directory_path() / "restora-bench-gmic";
    fs::create_directories(tmp);
    for (const std::string& method : methods) {
        double p = 0;
        double l1 = 0;
        double q = 0;
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
            } else {
                out = run_op("inpaint", holed, mask, {{"model", method}}).pixels;
            }
            secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            p += psnr(out, img, mask);
            l1 += mean_abs_error(out, img, mask);
            q += ssim(out, img);
            ++n;
            if (sheet_dir != nullptr && n <= 4) {
                cv::imwrite((*sheet_dir / (f.stem().string() + "-" + method + ".jpg")).string(), out);
                if (method == "learned") cv::imwrite((*sheet_dir / (f.stem().string() + "-input.jpg")).string(), holed);
            }
        }
        if (n > 0) std::printf("| %s | %.2f | %.4f | %.4f | %.1f | %d |\n", method.c_str(), p / n, l1 / n, q / n, secs, n);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench";
    std::string task = "all";
    fs::path sample = fs::path(RESTORA_SOURCE_DIR) / "resources/sample/chelsea-noisy.jpg";
    fs::path sheet;  // --sheet DIR: write a few inputs and results for a contact sheet
    size_t limit = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (std::strcmp(argv[i], "--task") == 0 && i + 1 < argc) {
            task = argv[++i];
        } else if (std::strcmp(argv[i], "--sheet") == 0 && i + 1 < argc) {
            sheet = argv[++i];
            fs::create_directories(sheet);
        } else if (std::strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            limit = static_cast<size_t>(std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: restora-bench-quality [--data DIR] [--task sr|denoise|inpaint|all] [--limit N]\n");
            return 2;
        }
    }
    if (!fs::is_directory(data)) {
        std::fprintf(stderr, "benchmark data not found at %s (pass --data)\n", data.c_str());
        return 3;
    }
    configure_threads();
    try {
        if (task == "sr" || task == "all") bench_sr(data, limit);
        if (task == "denoise" || task == "all") bench_denoise(data, limit);
        if (task == "inpaint" || task == "all") bench_inpaint(data, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "tiling") bench_tiling(sample);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
