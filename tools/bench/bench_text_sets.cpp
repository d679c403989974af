// restora-bench-text-sets: text detection on whole sets of photos (docs/QUALITY.md, "Text
// detection"). Counts the regions erase-text would find on each photo, and with --candidates
// prints every candidate of the detector with the evidence the check weighs (kept or dropped).
//   restora-bench-text-sets [--candidates] [--sheet FILE.jpg] [--box-threshold T] DIR_OR_FILE...
//   restora-bench-text-sets --network-time WxH [--network-time WxH...] PHOTO  (threads: the core count)
// Folders are read non-recursively (png, jpg, bmp, tif); files are taken as they are.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/model_cache.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/text_detect.h"
#include "restora/models/engine.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> images_in(const fs::path& p) {
    std::vector<fs::path> out;
    if (!fs::is_directory(p)) return {p};
    for (const auto& e : fs::directory_iterator(p)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" || ext == ".tiff")
            out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// --network-time WxH: the detector network alone on a WxH input (the median of 5 runs after a
// warm-up), then the whole detection of `photo` resized to WxH, split into the probability map
// (network, tiling, resizing), the boxes (DB post-processing) and the check of the candidates.
void network_time(const std::string& size, const fs::path& photo, const OpContext& ctx) {
    const int w = std::stoi(size.substr(0, size.find('x')));
    const int h = std::stoi(size.substr(size.find('x') + 1));
    const ModelStatus m = require_model(kTextDetectorId);
    std::shared_ptr<MapNetwork> net = ctx.models->map_network(m.path.string(), ctx.device);
    std::vector<float> in(static_cast<size_t>(3) * w * h);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(std::sin(i * 0.001));
    std::vector<float> out;
    net->run(w, h, in.data(), out);
    std::vector<double> t_net;
    for (int r = 0; r < 5; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        net->run(w, h, in.data(), out);
        t_net.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    cv::Mat img = cv::imread(photo.string(), cv::IMREAD_COLOR);
    cv::resize(img, img, {w, h}, 0, 0, cv::INTER_AREA);
    TextDetectOptions o;
    o.min_side = o.max_side = std::max(w, h);  // detect at exactly this size
    std::vector<double> t_map, t_boxes, t_all;
    size_t n = 0;
    for (int r = 0; r < 3; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const cv::Mat map = text_probability_map(img, m.path, ctx, o);
        const auto t1 = std::chrono::steady_clock::now();
        const std::vector<TextBox> boxes = text_boxes_from_map(map, o, 1.0);
        const auto t2 = std::chrono::steady_clock::now();
        n = text_candidates(img, ctx, o).size();
        const auto t3 = std::chrono::steady_clock::now();
        t_map.push_back(std::chrono::duration<double>(t1 - t0).count());
        t_boxes.push_back(std::chrono::duration<double>(t2 - t1).count());
        t_all.push_back(std::chrono::duration<double>(t3 - t2).count());
    }
    std::printf(
        "%dx%d, %u thread(s): network alone %.0f ms (median of 5); detection of %s at this size: "
        "probability map %.0f ms, boxes %.0f ms, all with the check of %zu candidate(s) %.0f ms "
        "(medians of 3)\n",
        w, h, std::thread::hardware_concurrency(), 1000 * median(t_net), photo.filename().c_str(), 1000 * median(t_map),
        1000 * median(t_boxes), n, 1000 * median(t_all));
}

}  // namespace

int main(int argc, char** argv) {
    bool verbose = false;
    std::string sheet;
    TextDetectOptions opt;
    std::vector<fs::path> inputs;
    std::vector<std::string> timed;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--candidates") {
            verbose = true;
        } else if (a == "--sheet" && i + 1 < argc) {
            sheet = argv[++i];
        } else if (a == "--network-time" && i + 1 < argc) {
            timed.emplace_back(argv[++i]);
        } else if (a == "--box-threshold" && i + 1 < argc) {
            opt.box_threshold = std::stod(argv[++i]);
        } else {
            inputs.emplace_back(a);
        }
    }
    if (inputs.empty()) {
        std::fprintf(
            stderr,
            "usage: restora-bench-text-sets [--candidates] [--sheet FILE.jpg] [--box-threshold T] DIR_OR_FILE...\n     "
            "  restora-bench-text-sets --network-time WxH [--network-time WxH...] PHOTO\n");
        return 2;
    }
    configure_threads();
    ModelCache cache;
    OpContext ctx;
    ctx.models = &cache;
    ctx.device = DeviceKind::Cpu;
    if (!timed.empty()) {
        for (const std::string& t : timed) network_time(t, inputs.front(), ctx);
        return 0;
    }
    std::vector<cv::Mat> tiles;
    for (const fs::path& in : inputs) {
        int photos = 0, with_regions = 0, regions = 0, candidates = 0;
        double secs = 0;
        for (const fs::path& f : images_in(in)) {
            const cv::Mat img = cv::imread(f.string(), cv::IMREAD_COLOR);
            if (img.empty()) {
                std::fprintf(stderr, "cannot read %s\n", f.c_str());
                return 3;
            }
            const auto t0 = std::chrono::steady_clock::now();
            const std::vector<TextCandidate> cs = text_candidates(img, ctx, opt);
            secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            int kept = 0;
            for (const TextCandidate& c : cs) {
                kept += c.text ? 1 : 0;
                if (!verbose) continue;
                const TextEvidence& e = c.evidence;
                std::printf(
                    "  %-28s %s score %.2f peak %.2f size %5.1fx%5.1f contrast %5.1f sep %4.2f ink %.2f stroke %.2f "
                    "glyphs %d recheck %.2f\n",
                    f.filename().c_str(), c.text ? "KEEP" : "drop", c.box.score, c.box.peak, e.long_side, e.short_side,
                    e.contrast, e.separation, e.ink_share, e.stroke, e.glyphs, e.recheck);
            }
            ++photos;
            candidates += static_cast<int>(cs.size());
            regions += kept;
            with_regions += kept > 0 ? 1 : 0;
            if (!sheet.empty() && !cs.empty()) {
                cv::Mat vis = img.clone();
                for (const TextCandidate& c : cs) {
                    cv::Point2f p[4];
                    c.box.box.points(p);
                    std::vector<cv::Point> poly;
                    for (const auto& q : p) poly.emplace_back(cvRound(q.x), cvRound(q.y));
                    cv::polylines(vis, poly, true, c.text ? cv::Scalar(0, 0, 255) : cv::Scalar(255, 200, 0), 2);
                }
                const double s = 360.0 / vis.rows;
                cv::resize(vis, vis, cv::Size(), s, s, cv::INTER_AREA);
                cv::putText(vis, f.filename().string(), {6, 20}, cv::FONT_HERSHEY_SIMPLEX, 0.6,
                            cv::Scalar(255, 255, 255), 2);
                tiles.push_back(vis);
            }
        }
        std::printf("%-60s photos %3d  with text regions %3d  regions %4d  (candidates %d)  %.2f s/photo\n", in.c_str(),
                    photos, with_regions, regions, candidates, photos ? secs / photos : 0.0);
        std::fflush(stdout);
    }
    if (!sheet.empty() && !tiles.empty()) {
        // Rows of up to 1600 px.
        std::vector<cv::Mat> rows;
        std::vector<cv::Mat> row;
        int w = 0;
        auto flush = [&]() {
            if (row.empty()) return;
            cv::Mat r;
            cv::hconcat(row, r);
            cv::copyMakeBorder(r, r, 0, 0, 0, 1600 - r.cols, cv::BORDER_CONSTANT, cv::Scalar(40, 40, 40));
            rows.push_back(r);
            row.clear();
            w = 0;
        };
        for (const cv::Mat& t : tiles) {
            cv::Mat u = t.cols > 1600 ? t(cv::Rect(0, 0, 1600, t.rows)) : t;
            if (w + u.cols > 1600) flush();
            row.push_back(u);
            w += u.cols;
        }
        flush();
        cv::Mat all;
        cv::vconcat(rows, all);
        cv::imwrite(sheet, all, {cv::IMWRITE_JPEG_QUALITY, 80});
        std::printf("contact sheet: %s (red: kept as text, blue: dropped)\n", sheet.c_str());
    }
    return 0;
}
