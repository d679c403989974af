// Quality benchmarks on the shared benchmark sets (read in place, never copied): prints markdown
// tables for docs/QUALITY.md.
//   restora-bench-quality [--data DIR] [--task sr|denoise|inpaint|inpaint-hires|inpaint-preview|shadow|all]
//                         [--limit N] [--sheet DIR] [--photos FILE]
//                         [--shadow-set PREFIX] [--shadow-methods input,relight,inpaint,learned]
//                         [--inpaint-methods learned,learned-unrefined,patchmatch,telea,navier-stokes]
//                         (G'MIC's patch-based method joins them unless --inpaint-methods chooses)
// --task shadow: the held-out synthetic shadow set from `restora-prep --kind shadow` (PREFIX,
// default training/shadow/eval) and the ISTD triple in DATA/shadow/istd; --sheet DIR then also
// writes DIR/shadow-contact-sheet.png.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <cstdio>
#include <fstream>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>
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
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/core/resample.h"
#include "restora/models/engine.h"
#include "restora/models/shard.h"

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

// --precision: the networks' arithmetic for the operations run_op runs (float32 by default).
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

std::vector<std::string> kInpaintMethods = {"learned", "learned-unrefined", "patchmatch", "telea", "navier-stokes"};
bool kInpaintMethodsChosen = false;  // --inpaint-methods given: exactly those

void bench_inpaint(const fs::path& data, size_t limit, const fs::path* sheet_dir) {
    std::printf("\n### Inpainting, places2_512_freeform (white = hole), inside the hole\n\n");
    std::printf("| method | PSNR in hole (dB) | L1 in hole | SSIM in hole | SSIM (whole image) | seconds | images |\n"
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
                out = run_inpaint(holed, mask, InpaintMethod::LearnedNoRefinement, ctx, cv::Rect({0, 0}, img.size())).pixels;
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
            std::printf("| %s | %.2f | %.4f | %.4f | %.4f | %.1f | %d |\n", method.c_str(), p / n, l1 / n, q_hole / n, q / n,
                        secs, n);
        }
        std::fflush(stdout);
    }
}


// Mean gradient magnitude (Sobel on grey, 8-bit units) inside the mask: how much texture a fill has.
double gradient_energy(const cv::Mat& img, const cv::Mat& mask) {
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    grey.convertTo(grey, CV_32F);
    cv::Mat gx;
    cv::Mat gy;
    cv::Sobel(grey, gx, CV_32F, 1, 0);
    cv::Sobel(grey, gy, CV_32F, 0, 1);
    cv::Mat mag;
    cv::magnitude(gx, gy, mag);
    return cv::mean(mag, mask)[0];
}

// The i-th free-form mask (512x512, white = hole), scaled up (nearest) so that its hole covers 5%
// of the photo, centred in it. (Stretched to the whole photo these masks would cover 16-55%.)
cv::Mat placed_mask(const fs::path& file, cv::Size photo) {
    const cv::Mat m = load_mask(file, {512, 512});
    const double cover = static_cast<double>(cv::countNonZero(m)) / m.total();
    const double s = std::min(std::sqrt(0.05 * photo.area() / (cover * m.total())), 0.95 * std::min(photo.width, photo.height) / 512.0);
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
    struct Method { const char* name; InpaintMethod m; };
    const std::vector<Method> methods = {{"learned, no refinement", InpaintMethod::LearnedNoRefinement},
                                         {"learned + PatchMatch refinement (model=learned)", InpaintMethod::Learned},
                                         {"patchmatch", InpaintMethod::PatchMatch},
                                         {"telea", InpaintMethod::Telea}};
    struct Sum { double psnr = 0, l1 = 0, grad = 0, truth = 0, secs = 0; int n = 0; };
    std::vector<Sum> sums(methods.size());
    constexpr int kCrop = 200;  // 1:1 crops for the contact sheet
    std::vector<cv::Mat> rows;
    std::printf("\n### Full-resolution inpainting, per photo (hole: a free-form mask scaled to 5%% of the photo)\n\n");
    std::printf("| photo | size | hole %% | method | PSNR in hole (dB) | L1 in hole | grad energy in hole (truth) | seconds |\n");
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
        const cv::Rect crop = cv::Rect(centre.x - kCrop / 2, centre.y - kCrop / 2, kCrop, kCrop) & cv::Rect({0, 0}, img.size());
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
    std::printf("\n| method | PSNR in hole (dB) | L1 in hole | grad energy in hole / truth | seconds (all photos) | photos |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < methods.size(); ++k) {
        const Sum& s = sums[k];
        if (s.n == 0) continue;
        std::printf("| %s | %.2f | %.4f | %.2f | %.1f | %d |\n", methods[k].name, s.psnr / s.n, s.l1 / s.n,
                    s.grad / s.truth, s.secs, s.n);
    }
    if (sheet_dir != nullptr && !rows.empty()) {
        cv::Mat header(24, rows[0].cols, CV_8UC3, cv::Scalar::all(32));
        const char* titles[] = {"input", "ground truth", "learned, no refine", "learned (refined)", "patchmatch", "telea"};
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
    std::printf("| method | wall s, best of 5 | wall s, median | CPU s per run (all threads), median |\n|---|---|---|---|\n");
    for (const auto& [name, m] : {std::pair{"learned", InpaintMethod::Learned}, std::pair{"patchmatch", InpaintMethod::PatchMatch},
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

// ---- Shadow removal ----------------------------------------------------------------------

// BGR images of one shard (stored RGB).
std::vector<cv::Mat> shard_images(const fs::path& path) {
    const Shard s = read_shard(path);
    std::vector<cv::Mat> out;
    const size_t per = static_cast<size_t>(s.h) * s.w * 3;
    for (int i = 0; i < s.n; ++i) {
        cv::Mat rgb(s.h, s.w, CV_8UC3, const_cast<uint8_t*>(s.pixels.data() + i * per));
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        out.push_back(bgr);
    }
    return out;
}

cv::Mat to_lab(const cv::Mat& bgr8) {
    cv::Mat f, lab;
    bgr8.convertTo(f, CV_32F, 1.0 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);  // L in [0,100], a and b in about [-127,127]
    return lab;
}

// Root mean square error over the L, a and b values of the selected pixels.
double lab_rmse(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
    const double n = 3.0 * cv::countNonZero(where);
    return std::sqrt(cv::norm(to_lab(a), to_lab(b), cv::NORM_L2SQR, where) / std::max(1.0, n));
}

// The ground truth's colours mapped onto the photo's where no shadow falls: per channel,
// truth' = a * truth + b with a, b the least-squares fit of the photo on the `lit` pixels. This is
// how ISTD+ (Le and Samaras, ICCV 2019) corrects ISTD's shadow-free frames, which were shot with a
// different exposure and white balance than their shadow photos.
cv::Mat colour_adjusted(const cv::Mat& truth, const cv::Mat& photo, const cv::Mat& lit) {
    std::vector<cv::Mat> t, p;
    cv::split(truth, t);
    cv::split(photo, p);
    for (size_t c = 0; c < 3; ++c) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int y = 0; y < truth.rows; ++y) {
            const uint8_t* l = lit.ptr<uint8_t>(y);
            const uint8_t* tx = t[c].ptr<uint8_t>(y);
            const uint8_t* py = p[c].ptr<uint8_t>(y);
            for (int x = 0; x < truth.cols; ++x) {
                if (l[x] == 0) continue;
                n += 1;
                sx += tx[x];
                sy += py[x];
                sxx += double(tx[x]) * tx[x];
                sxy += double(tx[x]) * py[x];
            }
        }
        const double a = (n * sxy - sx * sy) / std::max(1e-9, n * sxx - sx * sx);
        const double b = (sy - a * sx) / std::max(1.0, n);
        t[c].convertTo(t[c], CV_8U, a, b);
    }
    cv::Mat out;
    cv::merge(t, out);
    return out;
}

// The true shadow (matte > 0.5) and the band where the matte changes within 4 px.
void shadow_regions(const cv::Mat& matte8, cv::Mat& inside, cv::Mat& band) {
    inside = matte8 > 127;
    cv::Mat hi, lo;
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_RECT, {9, 9});
    cv::dilate(matte8, hi, k);
    cv::erode(matte8, lo, k);
    band = (hi - lo) > 25;
}

struct RegionScores {
    double lab = 0, psnr = 0, ssim = 0;
};

struct ShadowScores {
    RegionScores shadow, band, all;
    double secs = 0;
    int n = 0;
    void add(const cv::Mat& out, const cv::Mat& gt, const cv::Mat& inside, const cv::Mat& bandm) {
        const cv::Mat everything(out.size(), CV_8U, cv::Scalar(255));
        for (auto [r, m] : {std::pair{&shadow, &inside}, std::pair{&band, &bandm}, std::pair{&all, &everything}}) {
            r->lab += lab_rmse(out, gt, *m);
            r->psnr += psnr(out, gt, *m);
            r->ssim += ssim(out, gt, *m);
        }
        ++n;
    }
};

std::vector<std::string> kShadowMethods = {"input", "relight", "inpaint", "learned"};

// One method on one shadowed image: the operation as a user runs it (default grow), or the
// learned inpainting of the same grown mask, or nothing.
cv::Mat shadow_method(const std::string& method, const cv::Mat& shadowed, const cv::Mat& mask) {
    if (method == "input") return shadowed.clone();
    if (method == "inpaint") {
        const int grow = std::stoi(default_of(Registry::instance().get("remove-shadow").info(), "grow"));
        cv::Mat grown;
        cv::dilate(mask, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
        return run_op("inpaint", shadowed, grown, {{"model", "learned"}}).pixels;
    }
    return run_op("remove-shadow", shadowed, mask, {{"model", method}}).pixels;
}

// A tile of the contact sheet: the image scaled to `side` px high, with a caption.
cv::Mat sheet_tile(const cv::Mat& img, int side, const std::string& caption, const cv::Mat& outline = cv::Mat()) {
    cv::Mat t;
    cv::resize(img, t, {img.cols * side / img.rows, side}, 0, 0, cv::INTER_AREA);
    if (!outline.empty()) {
        cv::Mat m;
        cv::resize(outline, m, t.size(), 0, 0, cv::INTER_NEAREST);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(m, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
        cv::drawContours(t, contours, -1, cv::Scalar(0, 0, 255), 1);
    }
    cv::putText(t, caption, {4, side - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, caption, {4, side - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

void print_shadow_table(const std::map<std::string, ShadowScores>& scores, const char* title) {
    std::printf("\n### %s\n\n", title);
    std::printf("| method | LAB RMSE shadow | band | all | PSNR shadow (dB) | band | all | SSIM shadow | band | all | seconds | images |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& method : kShadowMethods) {
        const auto it = scores.find(method);
        if (it == scores.end() || it->second.n == 0) continue;
        const ShadowScores& s = it->second;
        const double n = s.n;
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.4f | %.4f | %.4f | %.1f | %d |\n", method.c_str(),
                    s.shadow.lab / n, s.band.lab / n, s.all.lab / n, s.shadow.psnr / n, s.band.psnr / n, s.all.psnr / n,
                    s.shadow.ssim / n, s.band.ssim / n, s.all.ssim / n, s.secs, s.n);
    }
    std::fflush(stdout);
}

void bench_shadow(const fs::path& data, const fs::path& set, size_t limit, const fs::path* sheet_dir) {
    std::vector<std::vector<cv::Mat>> sheet_rows;
    constexpr int kSide = 150;
    const std::vector<cv::Mat> shadowed = shard_images(set.string() + "-shadow.shard");
    const std::vector<cv::Mat> clean = shard_images(set.string() + "-clean.shard");
    const std::vector<cv::Mat> masks = shard_images(set.string() + "-mask.shard");
    std::map<std::string, ShadowScores> scores;
    const size_t count = limit > 0 ? std::min(limit, shadowed.size()) : shadowed.size();
    const std::vector<size_t> sheet_picks = {0, 13, 26, 39};
    for (size_t i = 0; i < count; ++i) {
        std::vector<cv::Mat> planes;
        cv::split(masks[i], planes);  // BGR of the stored (painted, matte, 0): planes[2] painted, [1] matte
        const cv::Mat painted = planes[2] > 127;
        cv::Mat inside, band;
        shadow_regions(planes[1], inside, band);
        std::vector<cv::Mat> row;
        const bool on_sheet = std::find(sheet_picks.begin(), sheet_picks.end(), i) != sheet_picks.end();
        if (on_sheet) row.push_back(sheet_tile(shadowed[i], kSide, "input + mask", painted));
        for (const auto& method : kShadowMethods) {
            const auto t0 = std::chrono::steady_clock::now();
            const cv::Mat out = shadow_method(method, shadowed[i], painted);
            scores[method].secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            scores[method].add(out, clean[i], inside, band);
            if (on_sheet && method != "input") row.push_back(sheet_tile(out, kSide, method));
        }
        if (on_sheet) {
            row.push_back(sheet_tile(clean[i], kSide, "ground truth"));
            sheet_rows.push_back(row);
        }
    }
    char title[256];
    std::snprintf(title, sizeof title,
                  "Shadow removal, held-out synthetic set (%s, %zu crops of %d px): true shadow (matte > 0.5), "
                  "boundary band, whole image",
                  set.filename().c_str(), count, shadowed.empty() ? 0 : shadowed[0].cols);
    print_shadow_table(scores, title);

    // The real ISTD triple: shadow photo, shadow-free ground truth, mask.
    const fs::path istd = data / "shadow/istd";
    std::map<std::string, ShadowScores> real;
    std::map<std::string, ShadowScores> adjusted;
    for (const auto& f : images_in(istd, 0)) {
        const std::string stem = f.stem().string();
        const std::string suffix = "_shadow";
        if (stem.size() < suffix.size() || stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string base = stem.substr(0, stem.size() - suffix.size());
        const fs::path gt_path = istd / (base + "_shadow_free_original.png");
        const fs::path mask_path = istd / (base + "_shadow_mask.png");
        if (!fs::exists(gt_path) || !fs::exists(mask_path)) continue;
        const cv::Mat img = load_image(f).pixels;
        const cv::Mat gt = load_image(gt_path).pixels;
        const cv::Mat mask = load_mask(mask_path, img.size());
        cv::Mat m8;
        mask.convertTo(m8, CV_8U);
        cv::Mat band_in, band_out;
        const cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9});
        cv::dilate(m8, band_out, k);
        cv::erode(m8, band_in, k);
        const cv::Mat band = band_out & ~band_in;
        // How far the ground truth is from the shadow photo where no shadow falls (outside the mask
        // grown by 24 px): ISTD's original shadow-free frames differ in exposure and colour, so
        // this is the error of a perfect removal that matched the photo's own lit surroundings.
        cv::Mat near;
        cv::dilate(m8, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {49, 49}));
        std::printf("ISTD %s, lit pixels (outside the mask grown by 24 px), input vs ground truth: LAB RMSE %.2f, "
                    "PSNR %.2f dB\n", base.c_str(), lab_rmse(img, gt, ~near), psnr(img, gt, ~near));
        const cv::Mat gt_adj = colour_adjusted(gt, img, ~near);
        std::printf("ISTD %s, lit pixels, input vs colour-adjusted ground truth: LAB RMSE %.2f, PSNR %.2f dB\n",
                    base.c_str(), lab_rmse(img, gt_adj, ~near), psnr(img, gt_adj, ~near));
        std::vector<cv::Mat> row = {sheet_tile(img, kSide, "ISTD " + base + " + mask", m8)};
        for (const auto& method : kShadowMethods) {
            const auto t0 = std::chrono::steady_clock::now();
            const cv::Mat out = shadow_method(method, img, m8);
            real[method].secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            real[method].add(out, gt, m8, band);
            adjusted[method].add(out, gt_adj, m8, band);
            if (method != "input") row.push_back(sheet_tile(out, kSide, method));
        }
        row.push_back(sheet_tile(gt, kSide, "ground truth"));
        sheet_rows.push_back(row);
    }
    print_shadow_table(real, "Shadow removal, ISTD (shadow_free_original as ground truth; mask as given, default grow)");
    print_shadow_table(adjusted, "Shadow removal, ISTD, against the colour-adjusted ground truth (ISTD+ style: "
                                 "per-channel linear fit of the truth to the photo on lit pixels)");

    if (sheet_dir != nullptr && !sheet_rows.empty()) {
        std::vector<cv::Mat> lines;
        int width = 0;
        for (auto& row : sheet_rows) {
            cv::Mat line;
            cv::hconcat(row, line);
            width = std::max(width, line.cols);
            lines.push_back(line);
        }
        for (auto& line : lines) {
            if (line.cols < width) cv::copyMakeBorder(line, line, 0, 0, 0, width - line.cols, cv::BORDER_CONSTANT, cv::Scalar::all(255));
        }
        cv::Mat sheet;
        cv::vconcat(lines, sheet);
        const fs::path out = *sheet_dir / "shadow-contact-sheet.png";
        cv::imwrite(out.string(), sheet, {cv::IMWRITE_PNG_COMPRESSION, 9});
        std::printf("\ncontact sheet: %s (%d x %d)\n", out.c_str(), sheet.cols, sheet.rows);
    }
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench";
    std::string task = "all";
    fs::path sample = fs::path(RESTORA_SOURCE_DIR) / "resources/sample/chelsea-noisy.jpg";
    fs::path sheet;  // --sheet DIR: write a few inputs and results for a contact sheet
    fs::path photos = fs::path(RESTORA_SOURCE_DIR) / "training/eval_photos.txt";  // --photos FILE
    size_t limit = 0;
    fs::path shadow_set = fs::path(RESTORA_SOURCE_DIR) / "training/shadow/eval";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
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
            std::fprintf(stderr, "usage: restora-bench-quality [--data DIR] [--task sr|denoise|inpaint|inpaint-hires|"
                                 "inpaint-preview|shadow|tiling|all] [--limit N] [--sheet DIR] [--photos FILE] "
                                 "[--shadow-set PREFIX] [--shadow-methods LIST] [--inpaint-methods LIST] "
                                 "[--precision auto|fp32|bf16]\n");
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
        if (task == "shadow" || task == "all") bench_shadow(data, shadow_set, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "tiling") bench_tiling(sample);
        if (task == "inpaint-hires") bench_inpaint_hires(data, photos, limit, sheet.empty() ? nullptr : &sheet);
        if (task == "inpaint-preview") bench_inpaint_preview(photos);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
