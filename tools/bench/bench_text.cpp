// restora-bench-text: text detection quality (docs/QUALITY.md). On the six scene-text photos of
// Debian's opencv-doc with the hand-annotated line boxes in tests/data/ocr/opencv-scenetext.json:
// recall and precision at IoU >= 0.5 (polygon IoU of the detected rotated box with the annotated
// box), per photo and overall. Optionally writes a contact sheet with both drawn.
//   restora-bench-text [--dir /usr/share/doc/opencv-doc/examples/text] [--sheet FILE.jpg]
//                      [--synthetic SHARD]   (restora-prep-text's held-out set: pixel precision/recall)
//                      [--root DIR]          (the repository, for tests/data; default: the current directory)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/registry.h"
#include "restora/core/text_detect.h"
#include "restora/models/engine.h"
#include "restora/training/shard.h"

using namespace restora;

namespace {

std::vector<cv::Point2f> corners(const cv::RotatedRect& r) {
    cv::Point2f p[4];
    r.points(p);
    return {p, p + 4};
}

std::vector<cv::Point2f> corners(const cv::Rect2f& r) {
    return {{r.x, r.y}, {r.x + r.width, r.y}, {r.x + r.width, r.y + r.height}, {r.x, r.y + r.height}};
}

double iou(const std::vector<cv::Point2f>& a, const std::vector<cv::Point2f>& b) {
    std::vector<cv::Point2f> inter;
    const double i = cv::intersectConvexConvex(a, b, inter, true);
    const double u = cv::contourArea(a) + cv::contourArea(b) - i;
    return u > 0 ? i / u : 0.0;
}

double inside_fraction(const std::vector<cv::Point2f>& det, const std::vector<cv::Point2f>& region) {
    std::vector<cv::Point2f> inter;
    const double i = cv::intersectConvexConvex(det, region, inter, true);
    const double a = cv::contourArea(det);
    return a > 0 ? i / a : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/usr/share/doc/opencv-doc/examples/text";
    std::string sheet;
    std::string synthetic;
    std::string root = ".";  // --root DIR: the repository (tests/data/ocr)
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--dir") dir = argv[i + 1];
        if (k == "--sheet") sheet = argv[i + 1];
        if (k == "--synthetic") synthetic = argv[i + 1];
        if (k == "--root") root = argv[i + 1];
    }
    configure_threads();
    std::ifstream f(root + "/tests/data/ocr/opencv-scenetext.json");
    if (!f) {
        std::fprintf(stderr,
                     "restora-bench-text: %s/tests/data/ocr not found (run from the repository or pass --root)\n",
                     root.c_str());
        return 3;
    }
    const nlohmann::json gt = nlohmann::json::parse(f);
    ModelCache cache;
    OpContext ctx;
    ctx.models = &cache;
    ctx.device = DeviceKind::Cpu;
    int total_gt = 0;
    int total_hit = 0;
    int total_det = 0;
    int total_true = 0;
    std::vector<cv::Mat> tiles;
    std::printf("%-16s %5s %5s %7s %9s %8s\n", "photo", "lines", "found", "recall", "precision", "time s");
    for (const auto& [name, entry] : gt.at("images").items()) {
        const cv::Mat img = cv::imread(dir + "/" + name, cv::IMREAD_COLOR);
        if (img.empty()) {
            std::fprintf(stderr, "cannot read %s/%s (apt install opencv-doc)\n", dir.c_str(), name.c_str());
            return 3;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<TextBox> boxes = detect_text(img, ctx);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::vector<std::vector<cv::Point2f>> truth;
        std::vector<std::vector<cv::Point2f>> ignore;
        for (const auto& b : entry.at("text"))
            truth.push_back(corners(cv::Rect2f(cv::Point2f(b[0], b[1]), cv::Point2f(b[2], b[3]))));
        for (const auto& b : entry.at("ignore"))
            ignore.push_back(corners(cv::Rect2f(cv::Point2f(b[0], b[1]), cv::Point2f(b[2], b[3]))));
        int hit = 0;
        for (const auto& t : truth) {
            for (const TextBox& d : boxes) {
                if (iou(t, corners(d.box)) >= 0.5) {
                    ++hit;
                    break;
                }
            }
        }
        int counted = 0;
        int correct = 0;
        for (const TextBox& d : boxes) {
            const auto dc = corners(d.box);
            bool ignored = false;
            for (const auto& g : ignore) ignored = ignored || inside_fraction(dc, g) >= 0.5;
            bool matched = false;
            for (const auto& t : truth) matched = matched || iou(t, dc) >= 0.5;
            if (ignored && !matched) continue;
            ++counted;
            if (matched) ++correct;
        }
        total_gt += static_cast<int>(truth.size());
        total_hit += hit;
        total_det += counted;
        total_true += correct;
        std::printf("%-16s %5zu %5d %7.2f %9.2f %8.2f\n", name.c_str(), truth.size(), hit,
                    static_cast<double>(hit) / truth.size(), counted ? static_cast<double>(correct) / counted : 1.0,
                    secs);
        if (!sheet.empty()) {
            cv::Mat vis = img.clone();
            for (const auto& t : truth) {
                std::vector<cv::Point> p;
                for (const auto& q : t) p.emplace_back(cvRound(q.x), cvRound(q.y));
                cv::polylines(vis, p, true, cv::Scalar(0, 255, 0), 3);
            }
            for (const TextBox& d : boxes) {
                std::vector<cv::Point> p;
                for (const auto& q : corners(d.box)) p.emplace_back(cvRound(q.x), cvRound(q.y));
                cv::polylines(vis, p, true, cv::Scalar(0, 0, 255), 2);
            }
            cv::resize(vis, vis, {480, 360}, 0, 0, cv::INTER_AREA);
            tiles.push_back(vis);
        }
    }
    std::printf("overall: %d of %d lines found, recall %.3f; %d of %d detections correct, precision %.3f\n", total_hit,
                total_gt, static_cast<double>(total_hit) / total_gt, total_true, total_det,
                total_det ? static_cast<double>(total_true) / total_det : 1.0);
    if (!synthetic.empty()) {
        // Each sample stacks input, text-free target and text mask (RGB). Text pixels: where input
        // and target differ by more than 24 levels. Recall: the share of text pixels inside the
        // detected mask. Precision: the share of the detected mask within 8 px of the set's mask.
        const Shard s = read_shard(synthetic);
        const int side = s.w;
        double text_px = 0;
        double found_px = 0;
        double det_px = 0;
        double det_ok = 0;
        int with_text = 0;
        int found_any = 0;
        for (int i = 0; i < s.n; ++i) {
            const cv::Mat stacked(3 * side, side, CV_8UC3,
                                  const_cast<uint8_t*>(s.pixels.data()) + static_cast<size_t>(i) * 3 * side * side * 3);
            cv::Mat in;
            cv::Mat gt;
            cv::Mat mask;
            cv::cvtColor(stacked(cv::Rect(0, 0, side, side)), in, cv::COLOR_RGB2BGR);
            cv::cvtColor(stacked(cv::Rect(0, side, side, side)), gt, cv::COLOR_RGB2BGR);
            cv::cvtColor(stacked(cv::Rect(0, 2 * side, side, side)), mask, cv::COLOR_RGB2GRAY);
            cv::Mat diff;
            cv::absdiff(in, gt, diff);
            cv::Mat d1;
            cv::transform(diff, d1, cv::Matx13f(1, 1, 1));
            const cv::Mat text = (d1 > 24) & (mask > 127);
            const cv::Mat det = text_mask(in.size(), detect_text(in, ctx), 4);
            cv::Mat near;
            cv::dilate(mask > 127, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {17, 17}));
            const int t = cv::countNonZero(text);
            text_px += t;
            found_px += cv::countNonZero(text & det);
            det_px += cv::countNonZero(det);
            det_ok += cv::countNonZero(det & near);
            with_text += t > 0 ? 1 : 0;
            found_any += (t > 0 && cv::countNonZero(text & det) > 0) ? 1 : 0;
        }
        std::printf(
            "synthetic %s: %d crops of %dx%d; text pixels found (recall) %.3f; detected pixels on text "
            "(precision) %.3f; crops whose text was found at all %d of %d\n",
            synthetic.c_str(), s.n, side, side, text_px > 0 ? found_px / text_px : 0.0,
            det_px > 0 ? det_ok / det_px : 1.0, found_any, with_text);
    }
    if (!sheet.empty() && !tiles.empty()) {
        std::vector<cv::Mat> rows;
        for (size_t i = 0; i < tiles.size(); i += 3) {
            std::vector<cv::Mat> row(tiles.begin() + static_cast<long>(i),
                                     tiles.begin() + static_cast<long>(std::min(tiles.size(), i + 3)));
            while (row.size() < 3) row.push_back(cv::Mat(360, 480, CV_8UC3, cv::Scalar(40, 40, 40)));
            cv::Mat r;
            cv::hconcat(row, r);
            rows.push_back(r);
        }
        cv::Mat all;
        cv::vconcat(rows, all);
        cv::imwrite(sheet, all, {cv::IMWRITE_JPEG_QUALITY, 85});
        std::printf("contact sheet: %s (green: annotated, red: detected)\n", sheet.c_str());
    }
    return 0;
}
