// restora-bench-tunable: the tunable x4 SR network (upscale model=tunable) along its Realism
// slider, against Deep Network Interpolation (imported esrgan-medium and a copy fine-tuned with the
// perception objective for the same steps, weights blended linearly), on Set5 and Set14. Prints
// markdown for docs/QUALITY.md and docs/PERFORMANCE.md and draws the curves as a PNG.
//   restora-bench-tunable [--root DIR] [--data DIR] [--tunable FILE] [--dni FILE] [--plot OUT.png] [--limit N]
//                         [--timing-only]
//   restora-bench-tunable --task denoise [--limit N] [--plot OUT.png]   (denoise model=tunable)
// Metrics: PSNR on Y (border 4), SSIM (RGB), BRISQUE (OpenCV contrib quality module, LIVE model
// from Debian's opencv-data; lower = more natural) and the gradient-energy ratio of the result to
// the ground truth on Y (1 = as much fine detail as the original; bicubic-like results sit far below).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/quality.hpp>

#include "restora/core/image.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/core/resample.h"
#include "restora/models/engine.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

const char* kBrisqueModel = "/usr/share/opencv4/quality/brisque_model_live.yml";
const char* kBrisqueRange = "/usr/share/opencv4/quality/brisque_range_live.yml";

cv::Mat modcrop(const cv::Mat& m, int s) { return m(cv::Rect(0, 0, m.cols - m.cols % s, m.rows - m.rows % s)).clone(); }

cv::Mat luma(const cv::Mat& bgr, int border) {
    cv::Mat f;
    bgr.convertTo(f, CV_64F, 1.0 / 255.0);
    std::vector<cv::Mat> c;
    cv::split(f, c);
    cv::Mat y = 16.0 / 255.0 + 0.2567890625 * c[2] + 0.50412890625 * c[1] + 0.09790625 * c[0];
    return y(cv::Rect(border, border, y.cols - 2 * border, y.rows - 2 * border)).clone();
}

double gradient_energy(const cv::Mat& y) {
    cv::Mat dx = y.colRange(1, y.cols) - y.colRange(0, y.cols - 1);
    cv::Mat dy = y.rowRange(1, y.rows) - y.rowRange(0, y.rows - 1);
    return cv::mean(dx.mul(dx))[0] + cv::mean(dy.mul(dy))[0];
}

struct Score {
    double psnr = 0, ssim = 0, brisque = 0, grad = 0;
    int n = 0;
    void add(const cv::Mat& out, const cv::Mat& hr) {
        psnr += psnr_y(out, hr, 4);
        ssim += restora::ssim(out, hr);
        brisque += cv::quality::QualityBRISQUE::compute(out, kBrisqueModel, kBrisqueRange)[0];
        grad += gradient_energy(luma(out, 4)) / gradient_energy(luma(hr, 4));
        ++n;
    }
    [[nodiscard]] Score mean() const {
        Score s = *this;
        const double k = n > 0 ? 1.0 / n : 0;
        s.psnr *= k;
        s.ssim *= k;
        s.brisque *= k;
        s.grad *= k;
        return s;
    }
};

cv::Mat upscale(ImageModel& model, const cv::Mat& lr) {
    cv::Mat out(lr.rows * 4, lr.cols * 4, lr.type());
    RunOptions o;
    o.tile = 512;
    run_tiled(model, pixel_view(lr), pixel_view(out), o, JobControl{});
    return out;
}

struct Pair {
    cv::Mat lr, hr;
};

std::vector<Pair> load_set(const fs::path& data, const std::string& set, size_t limit) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(data / "sr" / set / "HR")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (limit > 0 && files.size() > limit) files.resize(limit);
    std::vector<Pair> out;
    for (const auto& f : files) {
        Pair p;
        p.hr = modcrop(load_image(f).pixels, 4);
        const fs::path lr = data / "sr" / set / "LR_bicubic_x4" / (f.stem().string() + "x4.png");
        p.lr = set == "Set5" && fs::exists(lr) ? load_image(lr).pixels : matlab_bicubic_downscale(p.hr, 4);
        out.push_back(p);
    }
    return out;
}

struct Curve {
    std::string name;
    cv::Scalar colour;
    std::vector<double> r;
    std::vector<Score> s;
};

// A perception-distortion chart: x = PSNR-Y, y = the given measure, one polyline per curve.
cv::Mat chart(const std::vector<Curve>& curves, const Score& medium, bool brisque,
              const std::string& xlabel = "PSNR-Y (dB), Set5+Set14 x4",
              const std::string& marker = "x imported esrgan-medium") {
    const int w = 560, h = 420, l = 70, r = 20, t = 40, b = 55;
    cv::Mat img(h, w, CV_8UC3, cv::Scalar::all(255));
    double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
    auto val = [&](const Score& s) { return brisque ? s.brisque : s.grad; };
    for (const auto& c : curves)
        for (const auto& s : c.s) {
            x0 = std::min(x0, s.psnr), x1 = std::max(x1, s.psnr), y0 = std::min(y0, val(s)), y1 = std::max(y1, val(s));
        }
    x0 = std::min(x0, medium.psnr), x1 = std::max(x1, medium.psnr), y0 = std::min(y0, val(medium)),
    y1 = std::max(y1, val(medium));
    const double px = (x1 - x0) * 0.08 + 1e-3, py = (y1 - y0) * 0.08 + 1e-3;
    x0 -= px, x1 += px, y0 -= py, y1 += py;
    auto P = [&](double x, double y) {
        return cv::Point(l + static_cast<int>((x - x0) / (x1 - x0) * (w - l - r)),
                         h - b - static_cast<int>((y - y0) / (y1 - y0) * (h - t - b)));
    };
    cv::rectangle(img, {l, t}, {w - r, h - b}, cv::Scalar::all(0));
    for (int k = 0; k <= 4; ++k) {
        char buf[32];
        const double xv = x0 + (x1 - x0) * k / 4, yv = y0 + (y1 - y0) * k / 4;
        std::snprintf(buf, sizeof buf, "%.2f", xv);
        cv::putText(img, buf, P(xv, y0) + cv::Point(-18, 18), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(0));
        std::snprintf(buf, sizeof buf, brisque ? "%.1f" : "%.3f", yv);
        cv::putText(img, buf, cv::Point(8, P(x0, yv).y + 4), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar::all(0));
    }
    cv::putText(img, xlabel, {l + 120, h - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar::all(0));
    cv::putText(img, brisque ? "BRISQUE (lower = more natural)" : "gradient energy / ground truth", {l, 25},
                cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar::all(0));
    int legend = 0;
    for (const auto& c : curves) {
        for (size_t i = 0; i < c.s.size(); ++i) {
            const cv::Point p = P(c.s[i].psnr, val(c.s[i]));
            if (i > 0) cv::line(img, P(c.s[i - 1].psnr, val(c.s[i - 1])), p, c.colour, 2, cv::LINE_AA);
            cv::circle(img, p, 4, c.colour, cv::FILLED, cv::LINE_AA);
            char buf[16];
            std::snprintf(buf, sizeof buf, "%.2g", c.r[i]);
            cv::putText(img, buf, p + cv::Point(6, -6), cv::FONT_HERSHEY_SIMPLEX, 0.35, c.colour);
        }
        cv::putText(img, c.name, {w - r - 200, t + 20 + 18 * legend++}, cv::FONT_HERSHEY_SIMPLEX, 0.45, c.colour);
    }
    if (!marker.empty()) {
        cv::drawMarker(img, P(medium.psnr, val(medium)), cv::Scalar::all(0), cv::MARKER_TILTED_CROSS, 12, 2);
        cv::putText(img, marker, {w - r - 200, t + 20 + 18 * legend}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
                    cv::Scalar::all(0));
    }
    return img;
}

void timing(const fs::path& tunable_file, const fs::path& sample) {
    std::printf("\n### Slider response, x4, 128x128 input -> 512x512 output (the preview of a visible region)\n\n");
    const cv::Mat img = load_image(sample).pixels;
    const cv::Mat lr = img(cv::Rect(0, 0, 128, 128)).clone();
    const ModelStatus medium = require_model(sr_model_id("medium", 4));
    auto t = [] { return std::chrono::steady_clock::now(); };
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    const auto l0 = t();
    const TunableNetwork net(tunable_file, DeviceKind::Cpu);
    const auto l1 = t();
    auto plain = load_graph_model(medium.path, DeviceKind::Cpu);
    upscale(*plain, lr);  // warm-up
    std::vector<double> fold_ms, run_ms, plain_ms;
    for (int i = 0; i < 6; ++i) {
        const double r = 0.1 + 0.15 * i;
        const auto a = t();
        auto folded = net.fold({1 - r, r});
        const auto b = t();
        upscale(*folded, lr);
        const auto c = t();
        upscale(*plain, lr);
        const auto d = t();
        fold_ms.push_back(ms(a, b));
        run_ms.push_back(ms(b, c));
        plain_ms.push_back(ms(c, d));
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf("| step | median ms (6 slider moves) |\n|---|---|\n");
    std::printf("| load the tunable network (once) | %.0f |\n", ms(l0, l1));
    std::printf("| fold the kernels for a new Realism | %.1f |\n", median(fold_ms));
    std::printf("| folded tunable network, 512x512 output | %.0f |\n", median(run_ms));
    std::printf("| plain imported esrgan-medium, same input, same run | %.0f |\n", median(plain_ms));
    std::printf("| slider move total (fold + run) | %.0f |\n", median(fold_ms) + median(run_ms));
    std::printf("\nfolded / plain time ratio: %.3f (threads: %d cores)\n", median(run_ms) / median(plain_ms),
                static_cast<int>(std::thread::hardware_concurrency()));
}

// Denoising along Realism (Strength 1) and along Strength (Realism 0), against the noisy input and
// OpenCV non-local means, on Kodak24 and CBSD68 with seeded Gaussian and Poisson-Gaussian noise.
struct Noise {
    std::string name;
    double a;      // shot-noise gain: variance a * x (x in [0,1])
    double sigma;  // read noise, 8-bit units
    std::string nlmeans_strength;
    int jpeg = 0;  // > 0: the noisy photo is then saved as a JPEG of this quality (libjpeg via OpenCV)
};

cv::Mat add_noise(const cv::Mat& clean, const Noise& n, int seed) {
    cv::Mat f;
    clean.convertTo(f, CV_32F, 1.0 / 255);
    cv::Mat g(clean.size(), CV_32FC3);
    cv::theRNG().state = 1234 + seed;
    cv::randn(g, 0, 1);
    // Scalar::all: a plain double added to a 3-channel matrix reaches only its first channel (the
    // benchmark's tables up to 2026-12-07 were measured so, docs/QUALITY.md).
    cv::Mat var = f * n.a + cv::Scalar::all((n.sigma / 255) * (n.sigma / 255));
    cv::Mat sd;
    cv::sqrt(var, sd);
    cv::Mat noisy;
    cv::Mat(f + g.mul(sd)).convertTo(noisy, CV_8U, 255);
    if (n.jpeg > 0) {
        std::vector<uchar> buf;
        cv::imencode(".jpg", noisy, buf, {cv::IMWRITE_JPEG_QUALITY, n.jpeg});
        noisy = cv::imdecode(buf, cv::IMREAD_COLOR);
    }
    return noisy;
}

// The JPEG artefacts slider that a user gets for a JPEG of quality q (the operation's default from
// the file's quality, core/src/ops/denoise.cpp); 0 for no JPEG.
std::string jpeg_slider(int quality) {
    if (quality <= 0) return "0";
    SourceInfo source;
    source.jpeg_quality = quality;
    const auto d = Registry::instance().get("denoise").source_defaults(source);
    return d.count("jpeg") != 0 ? d.at("jpeg") : "0";
}

cv::Mat run_denoise(const std::map<std::string, std::string>& params, const cv::Mat& img, ModelCache& cache) {
    const Operation& op = Registry::instance().get("denoise");
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    ctx.models = &cache;
    return op.run(img, {}, op.resolve(params), ctx).pixels;
}

void bench_denoise(const fs::path& data, size_t limit, const fs::path& plot) {
    const std::vector<Noise> noises = {{"Gaussian sigma 15", 0, 15, "0.5"},
                                       {"Gaussian sigma 25", 0, 25, "0.7"},
                                       {"Gaussian sigma 50", 0, 50, "1"},
                                       {"Poisson-Gaussian low", 0.002, 2, "0.5"},
                                       {"Poisson-Gaussian mid", 0.008, 5, "0.7"},
                                       {"Poisson-Gaussian high", 0.02, 10, "1"},
                                       {"Gaussian sigma 15 + JPEG q50", 0, 15, "0.5", 50},
                                       {"Poisson-Gaussian mid + JPEG q30", 0.008, 5, "0.7", 30}};
    std::vector<cv::Mat> photos;
    for (const char* set : {"Kodak24", "CBSD68"}) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(data / "denoise" / set)) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        if (limit > 0 && files.size() > limit) files.resize(limit);
        for (const auto& f : files) photos.push_back(load_image(f).pixels);
    }
    ModelCache cache;
    const std::vector<double> rs = {0.0, 0.25, 0.5, 0.75, 1.0};
    std::printf("\n### Tunable denoising along Realism (Strength 1), Kodak24 + CBSD68 (%zu photos)\n\n", photos.size());
    std::printf(
        "PSNR (dB) / SSIM / BRISQUE / gradient ratio (1 = the original's detail; noise pushes it above 1, "
        "smoothing below)\n\n| noise | noisy | nlmeans | R=0 | R=0.25 | R=0.5 | R=0.75 | R=1 "
        "|\n|---|---|---|---|---|---|---|---|\n");
    auto cell = [](const Score& s) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.2f / %.3f / %.1f / %.2f", s.psnr, s.ssim, s.brisque, s.grad);
        return std::string(buf);
    };
    std::vector<Curve> curves;
    int psnr_rises = 0, brisque_worse = 0, grad_worse = 0;
    for (const Noise& n : noises) {
        Score noisy, nlm;
        std::vector<Score> along(rs.size());
        for (size_t k = 0; k < photos.size(); ++k) {
            const cv::Mat& clean = photos[k];
            const cv::Mat in = add_noise(clean, n, static_cast<int>(k));
            noisy.add(in, clean);
            nlm.add(run_denoise({{"model", "nlmeans"}, {"strength", n.nlmeans_strength}}, in, cache), clean);
            for (size_t i = 0; i < rs.size(); ++i) {
                along[i].add(run_denoise({{"model", "tunable"},
                                          {"strength", "1"},
                                          {"realism", std::to_string(rs[i])},
                                          {"jpeg", jpeg_slider(n.jpeg)}},
                                         in, cache),
                             clean);
            }
        }
        std::printf("| %s | %s | %s", n.name.c_str(), cell(noisy.mean()).c_str(), cell(nlm.mean()).c_str());
        Curve c{n.name, cv::Scalar(0, 0, 0), rs, {}};
        for (auto& s : along) {
            c.s.push_back(s.mean());
            std::printf(" | %s", cell(c.s.back()).c_str());
        }
        std::printf(" |\n");
        std::fflush(stdout);
        for (size_t i = 1; i < c.s.size(); ++i) {
            if (c.s[i].psnr > c.s[i - 1].psnr + 0.05) ++psnr_rises;
        }
        if (c.s.back().brisque >= c.s.front().brisque) ++brisque_worse;
        if (std::abs(c.s.back().grad - 1) >= std::abs(c.s.front().grad - 1)) ++grad_worse;
        curves.push_back(c);
    }
    std::printf(
        "\nalong Realism: PSNR rises > 0.05 dB: %d of %zu steps; BRISQUE not better at R=1 than R=0 for %d of %zu "
        "noises; gradient ratio not closer to 1 at R=1 for %d of %zu noises\n",
        psnr_rises, noises.size() * (rs.size() - 1), brisque_worse, noises.size(), grad_worse, noises.size());
    std::printf(
        "\n### Tunable denoising along Strength (Realism 0), Gaussian sigma 25, PSNR (dB) / gradient ratio\n\n"
        "| strength | 0 | 0.25 | 0.5 | 0.75 | 1 |\n|---|---|---|---|---|---|\n| PSNR / gradient ratio");
    for (double st : rs) {
        Score sc;
        for (size_t k = 0; k < photos.size(); ++k) {
            const cv::Mat in = add_noise(photos[k], noises[1], static_cast<int>(k));
            sc.add(run_denoise({{"model", "tunable"}, {"strength", std::to_string(st)}, {"realism", "0"}}, in, cache),
                   photos[k]);
        }
        sc = sc.mean();
        std::printf(" | %.2f / %.2f", sc.psnr, sc.grad);
    }
    std::printf(" |\n");
    // The JPEG artefacts slider on the JPEG rows (Strength 1, Realism 0); the row's own quality gives
    // the slider value that the Realism table uses.
    std::printf(
        "\n### Tunable denoising along JPEG artefacts (Strength 1, Realism 0), PSNR (dB) / gradient ratio\n\n"
        "| noise | 0 | 0.25 | 0.5 | 0.75 | 1 |\n|---|---|---|---|---|---|\n");
    for (const Noise& n : noises) {
        if (n.jpeg == 0) continue;
        std::printf("| %s (slider for q%d: %.2f)", n.name.c_str(), n.jpeg, std::stod(jpeg_slider(n.jpeg)));
        for (double j : rs) {
            Score sc;
            for (size_t k = 0; k < photos.size(); ++k) {
                const cv::Mat in = add_noise(photos[k], n, static_cast<int>(k));
                sc.add(run_denoise(
                           {{"model", "tunable"}, {"strength", "1"}, {"realism", "0"}, {"jpeg", std::to_string(j)}}, in,
                           cache),
                       photos[k]);
            }
            sc = sc.mean();
            std::printf(" | %.2f / %.2f", sc.psnr, sc.grad);
        }
        std::printf(" |\n");
        std::fflush(stdout);
    }
    if (!plot.empty()) {
        // One perception-distortion panel per noise family: PSNR vs BRISQUE along Realism.
        const cv::Scalar colours[] = {{200, 90, 20},  {40, 40, 220}, {30, 150, 30},
                                      {150, 40, 150}, {0, 140, 200}, {90, 90, 90}};
        for (size_t i = 0; i < curves.size(); ++i) curves[i].colour = colours[i % 6];
        std::vector<Curve> g(curves.begin(), curves.begin() + 3), pg(curves.begin() + 3, curves.end());
        Score none;
        none.psnr = curves[0].s[0].psnr;
        none.brisque = curves[0].s[0].brisque;
        cv::Mat a = chart(g, none, true, "PSNR (dB), Kodak24 + CBSD68", ""),
                b = chart(pg, none, true, "PSNR (dB), Kodak24 + CBSD68", ""), both;
        cv::hconcat(a, b, both);
        cv::imwrite(plot.string(), both);
        std::printf("\nwrote %s\n", plot.c_str());
    }
}

// Calibrates the JPEG artefacts slider's default (the file's JPEG quality -> slider) on held-out
// photos of the training domain (training-data/eval_photos.txt; never a benchmark image): for each
// quality, the slider value with the best mean PSNR at Strength 1, Realism 0, over centre crops
// with Gaussian noise sigma 5 and 15 saved at that quality. Prints the table and the weight-file
// meta line (jpeg_slider=q:J,...) that core/src/ops/denoise.cpp interpolates.
void calibrate_jpeg(const fs::path& list, int size) {
    std::vector<cv::Mat> photos;
    std::ifstream in(list);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const cv::Mat img = load_image(line).pixels;
        const int w = std::min(size, img.cols & ~1), h = std::min(size, img.rows & ~1);
        photos.push_back(img(cv::Rect((img.cols - w) / 2, (img.rows - h) / 2, w, h)).clone());
    }
    if (photos.empty()) throw std::runtime_error(list.string() + " lists no photo");
    ModelCache cache;
    std::printf(
        "\n### JPEG artefacts slider calibration: %zu held-out photos (%s), %d px centre crops, sigma 5 and 15, "
        "Strength 1, Realism 0: mean PSNR (dB)\n\n| quality | noisy |",
        photos.size(), list.filename().c_str(), size);
    std::vector<double> js;
    for (int k = 0; k <= 10; ++k) js.push_back(k / 10.0);
    for (double j : js) std::printf(" J=%.1f |", j);
    std::printf(" best |\n|---|---|");
    for (size_t k = 0; k <= js.size(); ++k) std::printf("---|");
    std::printf("\n");
    std::string meta;
    for (int q : {30, 40, 50, 60, 70, 80, 90}) {
        double noisy = 0;
        std::vector<double> at(js.size(), 0.0);
        int n = 0;
        for (size_t k = 0; k < photos.size(); ++k) {
            for (double sigma : {5.0, 15.0}) {
                const Noise nz{"", 0, sigma, "", q};
                const cv::Mat x = add_noise(photos[k], nz, static_cast<int>(k * 10 + sigma));
                noisy += cv::PSNR(x, photos[k]);
                for (size_t i = 0; i < js.size(); ++i) {
                    at[i] += cv::PSNR(run_denoise({{"model", "tunable"},
                                                   {"strength", "1"},
                                                   {"realism", "0"},
                                                   {"jpeg", std::to_string(js[i])}},
                                                  x, cache),
                                      photos[k]);
                }
                ++n;
            }
        }
        std::printf("| %d | %.2f |", q, noisy / n);
        size_t best = 0;
        for (size_t i = 0; i < js.size(); ++i) {
            std::printf(" %.2f |", at[i] / n);
            if (at[i] > at[best]) best = i;
        }
        std::printf(" %.1f |\n", js[best]);
        std::fflush(stdout);
        char part[32];
        std::snprintf(part, sizeof part, "%s%d:%.1f", meta.empty() ? "" : ",", q, js[best]);
        meta += part;
    }
    std::printf("\nmeta: jpeg_slider=%s\n", meta.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    fs::path root = ".";  // --root DIR: the repository (the sample photo, training-data/, ../shared)
    fs::path data;        // --data DIR (default ROOT/../shared/data/bench)
    fs::path tunable_file, dni_file, plot;
    size_t limit = 0;
    bool timing_only = false;
    std::string task = "sr";
    fs::path photos_list;  // --photos LIST (default ROOT/training-data/eval_photos.txt)
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--data")
            data = next();
        else if (a == "--root")
            root = next();
        else if (a == "--tunable")
            tunable_file = next();
        else if (a == "--dni")
            dni_file = next();
        else if (a == "--plot")
            plot = next();
        else if (a == "--limit")
            limit = std::stoul(next());
        else if (a == "--timing-only")
            timing_only = true;
        else if (a == "--task")
            task = next();
        else if (a == "--photos")
            photos_list = next();
        else {
            std::fprintf(stderr,
                         "usage: restora-bench-tunable [--task sr|denoise|jpeg-calibration] [--photos LIST] [--root "
                         "DIR] [--data DIR] [--tunable FILE] [--dni FILE] [--plot OUT.png] "
                         "[--limit N] [--timing-only]\n");
            return 2;
        }
    }
    if (data.empty()) data = root / "../shared/data/bench";
    if (photos_list.empty()) photos_list = root / "training-data/eval_photos.txt";
    try {
        configure_threads();
        if (task == "denoise") {
            bench_denoise(data, limit, plot);
            return 0;
        }
        if (task == "jpeg-calibration") {
            calibrate_jpeg(photos_list, 512);
            return 0;
        }
        if (tunable_file.empty()) tunable_file = require_model("sr-tunable-x4").path;
        timing(tunable_file, root / "resources/sample/chelsea-noisy.jpg");
        if (timing_only) return 0;
        std::vector<Pair> pairs;
        for (const char* set : {"Set5", "Set14"}) {
            for (auto& p : load_set(data, set, limit)) pairs.push_back(p);
        }
        auto medium = load_graph_model(require_model(sr_model_id("medium", 4)).path, DeviceKind::Cpu);
        Score base;
        for (const auto& p : pairs) base.add(upscale(*medium, p.lr), p.hr);
        base = base.mean();
        Score bic;
        for (const auto& p : pairs) {
            cv::Mat up;
            cv::resize(p.lr, up, p.hr.size(), 0, 0, cv::INTER_CUBIC);
            bic.add(up, p.hr);
        }
        bic = bic.mean();
        std::printf("\n### Tunable x4 vs Deep Network Interpolation, Set5 + Set14 (%zu images)\n\n", pairs.size());
        std::printf("| model | realism | PSNR-Y (dB) | SSIM | BRISQUE | gradient ratio |\n|---|---|---|---|---|---|\n");
        std::printf("| bicubic | - | %.2f | %.4f | %.2f | %.3f |\n", bic.psnr, bic.ssim, bic.brisque, bic.grad);
        std::printf("| imported esrgan-medium | - | %.2f | %.4f | %.2f | %.3f |\n", base.psnr, base.ssim, base.brisque,
                    base.grad);
        std::vector<Curve> curves;
        std::vector<std::pair<std::string, fs::path>> nets = {{"tunable", tunable_file}};
        if (!dni_file.empty()) nets.emplace_back("DNI", dni_file);
        for (const auto& [name, file] : nets) {
            Curve c{name, name == "tunable" ? cv::Scalar(200, 90, 20) : cv::Scalar(40, 40, 220), {}, {}};
            const TunableNetwork net(file, DeviceKind::Cpu);
            for (double r : {0.0, 0.25, 0.5, 0.75, 1.0}) {
                auto folded = net.fold({1 - r, r});
                Score s;
                for (const auto& p : pairs) s.add(upscale(*folded, p.lr), p.hr);
                s = s.mean();
                c.r.push_back(r);
                c.s.push_back(s);
                std::printf("| %s | %.2f | %.2f | %.4f | %.2f | %.3f |\n", name.c_str(), r, s.psnr, s.ssim, s.brisque,
                            s.grad);
                std::fflush(stdout);
            }
            curves.push_back(c);
        }
        for (const Curve& c : curves) {
            int psnr_rises = 0, brisque_inv = 0, grad_inv = 0;
            for (size_t i = 1; i < c.s.size(); ++i) {
                if (c.s[i].psnr > c.s[i - 1].psnr + 0.05) ++psnr_rises;
                if (c.s[i].brisque > c.s[i - 1].brisque) ++brisque_inv;
                if (c.s[i].grad < c.s[i - 1].grad) ++grad_inv;
            }
            std::printf(
                "\n%s: PSNR rises > 0.05 dB along realism: %d; BRISQUE 0 -> 1: %.2f -> %.2f (%d inversions); "
                "gradient ratio 0 -> 1: %.3f -> %.3f (%d inversions); fidelity end vs imported medium: %+.3f dB\n",
                c.name.c_str(), psnr_rises, c.s.front().brisque, c.s.back().brisque, brisque_inv, c.s.front().grad,
                c.s.back().grad, grad_inv, c.s.front().psnr - base.psnr);
        }
        if (!plot.empty()) {
            cv::Mat a = chart(curves, base, true), b = chart(curves, base, false), both;
            cv::hconcat(a, b, both);
            cv::imwrite(plot.string(), both);
            std::printf("\nwrote %s\n", plot.c_str());
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-bench-tunable: %s\n", e.what());
        return 1;
    }
}
