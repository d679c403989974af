// restora-bench-text-independent: text detection and erasure on the independent text set
// (tools/textset: text over whole real photos, written apart from the training generator;
// docs/QUALITY.md, "Text detection"). Per scene:
//   recall      glyph pixels (the text visibly changed them) inside the mask erase-text detects
//   fp share    detected mask pixels more than 8 px from any glyph pixel
//   PSNR        inside the true region (glyph pixels grown by 3 px): the input, erase-text with
//               automatic detection, and erase-text with the true region as its mask, for each
//               fill (model=learned, model=inpaint), against the photo before the text
//   restora-bench-text-independent --photos DIR [--skip a.png,b.png] [--scenes-per-photo N]
//       [--seed S] [--models learned,inpaint] [--candidates] [--sheet FILE.jpg] [--dump DIR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../textset/independent_text.h"
#include "restora/core/model_cache.h"
#include "restora/core/registry.h"
#include "restora/core/text_detect.h"
#include "restora/models/engine.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, ',')) {
        if (!x.empty()) out.push_back(x);
    }
    return out;
}

double psnr_in(const cv::Mat& a, const cv::Mat& b, const cv::Mat& region) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    d.convertTo(d, CV_32F);
    d = d.mul(d);
    const double n = cv::countNonZero(region) * 3.0;
    if (n == 0) return 0;
    const cv::Scalar s = cv::sum(d.setTo(0, region == 0));
    const double mse = (s[0] + s[1] + s[2]) / n;
    return 10 * std::log10(255.0 * 255.0 / std::max(mse, 1e-10));
}

struct Sum {
    double v = 0;
    int n = 0;
    void add(double x) {
        v += x;
        ++n;
    }
    [[nodiscard]] double mean() const { return n ? v / n : 0.0; }
};

}  // namespace

int main(int argc, char** argv) {
    std::string photos;
    std::set<std::string> skip;
    int per_photo = 1;
    unsigned seed = 2026;
    std::vector<std::string> models = {"learned", "inpaint"};
    bool candidates = false;
    std::string sheet;
    std::string dump;
    TextDetectOptions opt;
    double grow_fraction = 0.0;
    int grow = 4;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const std::string v = i + 1 < argc ? argv[i + 1] : "";
        if (k == "--photos")
            photos = v, ++i;
        else if (k == "--skip") {
            for (auto& s : split(v)) skip.insert(s);
            ++i;
        } else if (k == "--scenes-per-photo")
            per_photo = std::stoi(v), ++i;
        else if (k == "--seed")
            seed = static_cast<unsigned>(std::stoul(v)), ++i;
        else if (k == "--models")
            models = split(v), ++i;
        else if (k == "--sheet")
            sheet = v, ++i;
        else if (k == "--dump")
            dump = v, ++i;
        else if (k == "--candidates")
            candidates = true;
        else if (k == "--border")
            opt.border = std::stoi(v), ++i;
        else if (k == "--box-threshold")
            opt.box_threshold = std::stod(v), ++i;
        else if (k == "--unclip")
            opt.unclip_ratio = std::stod(v), ++i;
        else if (k == "--grow")
            grow = std::stoi(v), ++i;
        else if (k == "--grow-fraction")
            grow_fraction = std::stod(v), ++i;
        else if (k == "--no-verify")
            opt.verify = false;
        else {
            std::fprintf(stderr, "unknown argument %s\n", k.c_str());
            return 2;
        }
    }
    if (photos.empty()) {
        std::fprintf(stderr, "usage: restora-bench-text-independent --photos DIR [options]\n");
        return 2;
    }
    configure_threads();
    const textset::IndependentText gen;
    std::printf("independent text set: %zu fonts, photos from %s, seed %u\n", gen.font_count(), photos.c_str(), seed);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(photos)) {
        if (skip.count(e.path().filename().string()) == 0) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    ModelCache cache;
    OpContext ctx;
    ctx.models = &cache;
    ctx.device = DeviceKind::Cpu;
    const Operation& op = Registry::instance().get("erase-text");
    std::mt19937 rng(seed);
    Sum recall, fp_share, p_in;
    std::map<std::string, Sum> p_auto, p_true, secs_auto;
    long glyph_px = 0, found_px = 0, det_px = 0, det_far = 0;
    int scenes = 0;
    std::vector<cv::Mat> rows;
    if (!dump.empty()) fs::create_directories(dump);
    for (const fs::path& f : files) {
        const cv::Mat photo = cv::imread(f.string(), cv::IMREAD_COLOR);
        if (photo.empty()) {
            std::fprintf(stderr, "cannot read %s\n", f.c_str());
            return 3;
        }
        for (int k = 0; k < per_photo; ++k) {
            const textset::TextScene s = gen.compose(photo, rng);
            if (cv::countNonZero(s.glyphs) == 0) continue;
            ++scenes;
            const std::vector<TextCandidate> cs = text_candidates(s.input, ctx, opt);
            std::vector<TextBox> kept;
            for (const TextCandidate& c : cs)
                if (c.text || !opt.verify) kept.push_back(c.box);
            const cv::Mat det = text_mask(s.input.size(), kept, grow, grow_fraction);
            cv::Mat near;
            cv::dilate(s.glyphs, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {17, 17}));
            const int g = cv::countNonZero(s.glyphs);
            const int fnd = cv::countNonZero(s.glyphs & det);
            const int d = cv::countNonZero(det);
            const int far = cv::countNonZero(det & ~near);
            glyph_px += g, found_px += fnd, det_px += d, det_far += far;
            recall.add(static_cast<double>(fnd) / g);
            if (d > 0) fp_share.add(static_cast<double>(far) / d);
            if (candidates) {
                for (const TextCandidate& c : cs) {
                    const cv::Mat one = text_mask(s.input.size(), {c.box}, 0);
                    const double on = cv::countNonZero(one & near) / std::max(1.0, 1.0 * cv::countNonZero(one));
                    const TextEvidence& e = c.evidence;
                    std::printf(
                        "  cand %s %s on-text %.2f score %.2f peak %.2f size %5.1fx%5.1f contrast %5.1f sep %4.2f "
                        "ink %.2f stroke %.2f glyphs %d recheck %.2f\n",
                        on > 0.3 ? "TEXT" : "none", c.text ? "KEEP" : "drop", on, c.box.score, c.box.peak, e.long_side,
                        e.short_side, e.contrast, e.separation, e.ink_share, e.stroke, e.glyphs, e.recheck);
                }
            }
            cv::Mat region;
            cv::dilate(s.glyphs, region, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));
            const double pin = psnr_in(s.input, s.clean, region);
            p_in.add(pin);
            std::printf("%-14s scene %d: %zu item(s) [", f.filename().c_str(), k, s.items.size());
            for (const auto& it : s.items)
                std::printf(" \"%s\" %s h%d a%.0f%s;", it.text.c_str(), it.style.c_str(), it.height, it.angle,
                            it.shear > 0 ? " italic" : "");
            std::printf(" ] recall %.3f fp %.3f candidates %zu kept %zu | input %.2f", static_cast<double>(fnd) / g,
                        d ? static_cast<double>(far) / d : 0.0, cs.size(), kept.size(), pin);
            std::vector<cv::Mat> tiles = {s.input.clone()};
            for (const std::string& m : models) {
                const auto t0 = std::chrono::steady_clock::now();
                const OpResult ra = op.run(s.input, cv::Mat(), op.resolve({{"model", m}}), ctx);
                const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                const OpResult rt = op.run(s.input, region, op.resolve({{"model", m}, {"detect", "false"}}), ctx);
                const double pa = psnr_in(ra.pixels, s.clean, region);
                const double pt = psnr_in(rt.pixels, s.clean, region);
                p_auto[m].add(pa);
                p_true[m].add(pt);
                secs_auto[m].add(t);
                std::printf(" | %s auto %.2f true %.2f (%.1f s)", m.c_str(), pa, pt, t);
                tiles.push_back(ra.pixels);
                tiles.push_back(rt.pixels);
            }
            std::printf("\n");
            std::fflush(stdout);
            if (!dump.empty()) {
                const std::string stem = (fs::path(dump) / (f.stem().string() + "-" + std::to_string(k))).string();
                cv::imwrite(stem + "-input.png", s.input);
                cv::imwrite(stem + "-glyphs.png", s.glyphs);
            }
            if (!sheet.empty() && rows.size() < 8) {
                cv::Mat vis = tiles[0].clone();
                std::vector<std::vector<cv::Point>> cont;
                cv::findContours(det.clone(), cont, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
                cv::drawContours(vis, cont, -1, cv::Scalar(0, 0, 255), 2);
                tiles[0] = vis;
                tiles.push_back(s.clean);
                for (cv::Mat& t : tiles) cv::resize(t, t, {256, 256 * t.rows / t.cols}, 0, 0, cv::INTER_AREA);
                cv::Mat row;
                cv::hconcat(tiles, row);
                rows.push_back(row);
            }
        }
    }
    std::printf("\n%d scenes; glyph-pixel recall %.3f (pooled %.3f); false-positive pixel share %.3f (pooled %.3f)\n",
                scenes, recall.mean(), glyph_px ? static_cast<double>(found_px) / glyph_px : 0.0, fp_share.mean(),
                det_px ? static_cast<double>(det_far) / det_px : 0.0);
    std::printf("PSNR inside the true region: input %.2f dB\n", p_in.mean());
    for (const std::string& m : models) {
        std::printf(
            "  model=%-8s automatic %.2f dB (%+.2f)  true mask %.2f dB (%+.2f)  auto - true %+.2f  %.1f s/photo\n",
            m.c_str(), p_auto[m].mean(), p_auto[m].mean() - p_in.mean(), p_true[m].mean(),
            p_true[m].mean() - p_in.mean(), p_auto[m].mean() - p_true[m].mean(), secs_auto[m].mean());
    }
    if (!sheet.empty() && !rows.empty()) {
        int w = 0;
        for (const auto& r : rows) w = std::max(w, r.cols);
        for (auto& r : rows) cv::copyMakeBorder(r, r, 0, 4, 0, w - r.cols, cv::BORDER_CONSTANT, cv::Scalar(40, 40, 40));
        cv::Mat all;
        cv::vconcat(rows, all);
        cv::imwrite(sheet, all, {cv::IMWRITE_JPEG_QUALITY, 80});
        std::printf("contact sheet: %s (input with the detected mask in red; per model: automatic, true mask; clean)\n",
                    sheet.c_str());
    }
    return 0;
}
