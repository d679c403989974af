// restora-bench-inpaint-independent: inpainting on the independent mask set over held-out photos.
//
//   restora-bench-inpaint-independent [--data DIR] [--limit N] [--seed S] [--methods LIST]
//                                     [--sheet FILE.jpg]
//   restora-bench-inpaint-independent --photo FILE [--megapixels MP] [--kind object] [--seed S]
//                                     [--methods LIST] [--sheet FILE.jpg]
//
// Holes come from tools/inpaintset (written apart from the training generator: pressure brush
// strokes, scribbles, object silhouettes, rotated rectangles). Photos: DATA/denoise/Kodak24 and
// DATA/denoise/CBSD68 at their own size (0.39 and 0.15 MP; read-only, never trained on); each
// photo gets one stroke-like hole (brush or scribble, alternating) and one object-like hole
// (object or rectangle). The hole is zeroed before the fill. Reported per method: PSNR and SSIM
// inside the hole, L1 inside the hole, the texture ratio (mean gradient magnitude of the fill over
// that of the known ring around the hole), pixels changed outside the hole (must be 0) and time.
// --photo runs one photo (e.g. an evaluation photo, area-scaled to --megapixels) with one hole of
// --kind.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "../inpaintset/independent_masks.h"
#include "restora/core/engines/inpaint.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/models/engine.h"

namespace fs = std::filesystem;
using namespace restora;
using inpaintset::MaskKind;

namespace {

struct Score {
    double psnr = 0, ssim = 0, l1 = 0, texture = 0, truth_texture = 0, secs = 0;
    long outside_changed = 0;
    int n = 0;
    void add(const Score& s) {
        psnr += s.psnr;
        ssim += s.ssim;
        l1 += s.l1;
        texture += s.texture;
        truth_texture += s.truth_texture;
        secs += s.secs;
        outside_changed += s.outside_changed;
        n += s.n;
    }
};

cv::Mat fill(const std::string& method, const cv::Mat& holed, const cv::Mat& hole) {
    if (method == "ns") {
        cv::Mat out;
        cv::inpaint(holed, hole, out, 5, cv::INPAINT_NS);
        return out;
    }
    // learned variants for measuring the engine's options:
    // learned:flip=0:refine=0.5:telea=0.3:margin=1:side=128:sharp=0:octaves=0:gw=0.5
    LearnedFillOptions o;
    std::stringstream parts(method);
    std::string base;
    std::getline(parts, base, ':');
    for (std::string kv; std::getline(parts, kv, ':');) {
        const size_t eq = kv.find('=');
        if (eq == std::string::npos) throw std::runtime_error("bad option " + kv + " in " + method);
        const std::string k = kv.substr(0, eq);
        const double v = std::stod(kv.substr(eq + 1));
        if (k == "flip") {
            o.flip_average = v != 0;
        } else if (k == "refine") {
            o.refine_below = v;
        } else if (k == "telea") {
            o.telea_weight = v;
        } else if (k == "margin") {
            o.margin = v;
        } else if (k == "octaves") {
            o.guide_octaves = static_cast<int>(v);
        } else if (k == "gw") {
            o.guide_weight = v;
        } else if (k == "sharp") {
            o.sharp_refinement = v != 0;
        } else if (k == "side") {
            o.working_side = static_cast<int>(v);
        } else {
            throw std::runtime_error("unknown option " + k + " in " + method);
        }
    }
    InpaintMethod m = InpaintMethod::Telea;
    if (base == "learned") {
        m = InpaintMethod::Learned;
    } else if (base == "learned-unrefined") {
        m = InpaintMethod::LearnedNoRefinement;
    } else if (base == "patchmatch") {
        m = InpaintMethod::PatchMatch;
    } else if (base != "telea") {
        throw std::runtime_error("unknown method " + method + " (telea, ns, patchmatch, learned, learned-unrefined)");
    }
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    return run_inpaint(holed, hole, m, ctx, cv::Rect({0, 0}, holed.size()), o).pixels;
}

int ring_width(const cv::Mat& hole) {
    return std::clamp(static_cast<int>(std::lround(0.1 * std::sqrt(cv::countNonZero(hole)))), 8, 64);
}

Score score(const cv::Mat& out, const cv::Mat& truth, const cv::Mat& holed, const cv::Mat& hole, double secs) {
    Score s;
    s.psnr = psnr(out, truth, hole);
    s.ssim = ssim(out, truth, hole);
    s.l1 = mean_abs_error(out, truth, hole);
    const double around = gradient_energy(truth, inpaintset::surround_ring(hole, ring_width(hole)));
    s.texture = gradient_energy(out, hole) / std::max(1e-6, around);
    s.truth_texture = gradient_energy(truth, hole) / std::max(1e-6, around);
    cv::Mat diff;
    cv::absdiff(out, holed, diff);
    cv::Mat any;
    cv::transform(diff, any, cv::Matx13f(1, 1, 1));
    s.outside_changed = cv::countNonZero((any > 0) & ~hole);
    s.secs = secs;
    s.n = 1;
    return s;
}

cv::Mat tile(const cv::Mat& img, const std::string& label, int h) {
    cv::Mat t;
    cv::resize(img, t, {std::max(1, img.cols * h / img.rows), h}, 0, 0, cv::INTER_AREA);
    cv::putText(t, label, {5, 16}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, label, {5, 16}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

cv::Mat shown_hole(const cv::Mat& holed, const cv::Mat& hole) {
    cv::Mat t = holed.clone();
    t.setTo(cv::Scalar(255, 0, 255), hole);
    return t;
}

void print_table(const std::vector<std::string>& methods, const std::map<std::string, Score>& scores) {
    std::printf(
        "| method | PSNR in hole (dB) | SSIM in hole | L1 in hole | texture / surroundings (truth) | pixels changed "
        "outside | seconds | holes |\n|---|---|---|---|---|---|---|---|\n");
    for (const auto& m : methods) {
        const Score& s = scores.at(m);
        if (s.n == 0) continue;
        std::printf("| %s | %.2f | %.4f | %.4f | %.2f (%.2f) | %ld | %.1f | %d |\n", m.c_str(), s.psnr / s.n,
                    s.ssim / s.n, s.l1 / s.n, s.texture / s.n, s.truth_texture / s.n, s.outside_changed, s.secs, s.n);
    }
}

bool write_sheet(const fs::path& sheet, const std::vector<cv::Mat>& rows) {
    if (sheet.empty() || rows.empty()) return true;
    int width = 0;
    for (const auto& r : rows) width = std::max(width, r.cols);
    std::vector<cv::Mat> padded;
    for (const auto& r : rows) {
        cv::Mat p(r.rows, width, CV_8UC3, cv::Scalar::all(32));
        r.copyTo(p(cv::Rect(0, 0, r.cols, r.rows)));
        padded.push_back(p);
    }
    cv::Mat out;
    cv::vconcat(padded, out);
    if (!cv::imwrite(sheet.string(), out)) {
        std::fprintf(stderr, "cannot write %s\n", sheet.c_str());
        return false;
    }
    std::printf("\ncontact sheet: %s (%d x %d)\n", sheet.c_str(), out.cols, out.rows);
    return true;
}

int usage() {
    std::fprintf(stderr,
                 "usage: restora-bench-inpaint-independent [--data DIR] [--limit N] [--seed S] [--methods LIST] "
                 "[--sheet FILE]\n"
                 "       restora-bench-inpaint-independent --photo FILE [--megapixels MP] "
                 "[--kind brush|scribble|object|rectangle] "
                 "[--seed S] [--methods LIST] [--sheet FILE]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench";
    fs::path sheet;
    fs::path photo;
    std::string kind_arg = "object";
    size_t limit = 0;
    double megapixels = 0;
    unsigned seed = 2525;
    std::vector<std::string> methods = {"telea", "ns", "patchmatch", "learned"};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        if (a == "--data") {
            data = argv[++i];
        } else if (a == "--sheet") {
            sheet = argv[++i];
        } else if (a == "--photo") {
            photo = argv[++i];
        } else if (a == "--megapixels") {
            megapixels = std::atof(argv[++i]);
        } else if (a == "--kind") {
            kind_arg = argv[++i];
        } else if (a == "--limit") {
            limit = static_cast<size_t>(std::atoi(argv[++i]));
        } else if (a == "--seed") {
            seed = static_cast<unsigned>(std::atoi(argv[++i]));
        } else if (a == "--methods") {
            methods.clear();
            std::stringstream list(argv[++i]);
            for (std::string m; std::getline(list, m, ',');) methods.push_back(m);
        } else {
            return usage();
        }
    }
    try {
        configure_threads();
        if (!photo.empty()) {
            std::map<std::string, MaskKind> kinds = {{"brush", MaskKind::Brush},
                                                     {"scribble", MaskKind::Scribble},
                                                     {"object", MaskKind::Object},
                                                     {"rectangle", MaskKind::Rectangle}};
            if (kinds.count(kind_arg) == 0) return usage();
            cv::Mat img = load_image(photo).pixels;
            if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
            if (img.depth() != CV_8U) img.convertTo(img, CV_8U, 1.0 / 257.0);
            if (megapixels > 0 && img.total() > megapixels * 1e6) {
                const double f = std::sqrt(megapixels * 1e6 / static_cast<double>(img.total()));
                cv::resize(img, img, {static_cast<int>(img.cols * f), static_cast<int>(img.rows * f)}, 0, 0,
                           cv::INTER_AREA);
            }
            const cv::Mat hole = inpaintset::make_mask(img.size(), kinds[kind_arg], seed);
            cv::Mat holed = img.clone();
            holed.setTo(cv::Scalar::all(0), hole);
            std::printf("\n### %s (%dx%d, %.1f MP), one %s hole of %.1f%% (seed %u), texture ring %d px\n\n",
                        photo.filename().c_str(), img.cols, img.rows, img.total() / 1e6, kind_arg.c_str(),
                        100.0 * cv::countNonZero(hole) / hole.total(), seed, ring_width(hole));
            std::map<std::string, Score> scores;
            cv::Rect box = cv::boundingRect(hole);
            const int pad = std::max(box.width, box.height) / 4;
            box = cv::Rect(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad) &
                  cv::Rect({0, 0}, img.size());
            std::vector<cv::Mat> row = {tile(shown_hole(holed, hole)(box), "input", 512),
                                        tile(img(box), "ground truth", 512)};
            for (const auto& m : methods) {
                const auto t0 = std::chrono::steady_clock::now();
                const cv::Mat out = fill(m, holed, hole);
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                scores[m] = score(out, img, holed, hole, secs);
                std::printf("%s done in %.1f s\n", m.c_str(), secs);
                std::fflush(stdout);
                row.push_back(tile(out(box), m, 512));
            }
            std::printf("\n");
            print_table(methods, scores);
            cv::Mat line;
            cv::hconcat(row, line);
            return write_sheet(sheet, {line}) ? 0 : 1;
        }
        std::vector<fs::path> photos;
        for (const char* set : {"denoise/Kodak24", "denoise/CBSD68"}) {
            std::vector<fs::path> v;
            if (!fs::is_directory(data / set)) continue;
            for (const auto& e : fs::directory_iterator(data / set))
                if (e.is_regular_file() && format_from_extension(e.path()) != ImageFormat::Unknown)
                    v.push_back(e.path());
            std::sort(v.begin(), v.end());
            if (limit > 0 && v.size() > limit) v.resize(limit);
            photos.insert(photos.end(), v.begin(), v.end());
        }
        if (photos.empty()) {
            std::fprintf(stderr, "no photos under %s/denoise (pass --data)\n", data.c_str());
            return 3;
        }
        std::map<std::string, Score> all;
        std::map<std::string, std::map<std::string, Score>> by_kind;
        std::vector<cv::Mat> rows;
        for (size_t i = 0; i < photos.size(); ++i) {
            cv::Mat img = load_image(photos[i]).pixels;
            if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
            const MaskKind kinds[2] = {i % 2 == 0 ? MaskKind::Brush : MaskKind::Scribble,
                                       (i / 2) % 2 == 0 ? MaskKind::Object : MaskKind::Rectangle};
            for (const MaskKind kind : kinds) {
                const cv::Mat hole =
                    inpaintset::make_mask(img.size(), kind, static_cast<std::uint64_t>(seed) * 1000 + i);
                cv::Mat holed = img.clone();
                holed.setTo(cv::Scalar::all(0), hole);
                std::vector<cv::Mat> row = {tile(shown_hole(holed, hole), "input", 192), tile(img, "truth", 192)};
                for (const auto& m : methods) {
                    const auto t0 = std::chrono::steady_clock::now();
                    const cv::Mat out = fill(m, holed, hole);
                    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    const Score s = score(out, img, holed, hole, secs);
                    all[m].add(s);
                    by_kind[inpaintset::kind_name(kind)][m].add(s);
                    row.push_back(tile(out, m, 192));
                }
                if (i % 8 == 0 && rows.size() < 12) {
                    cv::Mat line;
                    cv::hconcat(row, line);
                    rows.push_back(line);
                }
            }
            std::fprintf(stderr, "%zu/%zu %s\n", i + 1, photos.size(), photos[i].filename().c_str());
        }
        std::printf("\n### Inpainting, independent mask set (%zu photos of Kodak24+CBSD68, 2 holes each, seed %u)\n\n",
                    photos.size(), seed);
        print_table(methods, all);
        for (const auto& [kind, scores] : by_kind) {
            std::printf("\n%s holes:\n\n", kind.c_str());
            print_table(methods, scores);
        }
        return write_sheet(sheet, rows) ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-bench-inpaint-independent: %s\n", e.what());
        return 1;
    }
}
