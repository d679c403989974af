#include "restora/core/text_detect.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <polyclipping/clipper.hpp>

#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

constexpr int kMultiple = 32;  // the detector's input sides
constexpr int kOverlap = 64;   // context around each tile's kept core at detection resolution

cv::Mat to_bgr8(const cv::Mat& image) {
    cv::Mat m = image;
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    if (m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
    return m;
}

// Runs the network on `bgr` (any size): padded by mirroring to a multiple of 32, map cropped back.
cv::Mat run_padded(MapNetwork& net, const cv::Mat& bgr) {
    const int w = (bgr.cols + kMultiple - 1) / kMultiple * kMultiple;
    const int h = (bgr.rows + kMultiple - 1) / kMultiple * kMultiple;
    cv::Mat padded;
    const int bt = cv::BORDER_REFLECT_101;
    if (bgr.cols > 1 && bgr.rows > 1 && w - bgr.cols < bgr.cols && h - bgr.rows < bgr.rows) {
        cv::copyMakeBorder(bgr, padded, 0, h - bgr.rows, 0, w - bgr.cols, bt);
    } else {
        cv::copyMakeBorder(bgr, padded, 0, h - bgr.rows, 0, w - bgr.cols, cv::BORDER_REPLICATE);
    }
    const std::vector<float> input = text_detector_input(padded);
    std::vector<float> out;
    net.run(w, h, input.data(), out);
    cv::Mat map(h, w, CV_32F, out.data());
    return map(cv::Rect(0, 0, bgr.cols, bgr.rows)).clone();
}

}  // namespace

std::vector<float> text_detector_input(const cv::Mat& bgr8) {
    static constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
    static constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};
    const int w = bgr8.cols;
    const int h = bgr8.rows;
    std::vector<float> v(static_cast<size_t>(3) * w * h);
    for (int y = 0; y < h; ++y) {
        const auto* row = bgr8.ptr<cv::Vec3b>(y);
        for (int x = 0; x < w; ++x) {
            for (int c = 0; c < 3; ++c) {
                v[(static_cast<size_t>(c) * h + y) * w + x] = (row[x][c] / 255.0f - kMean[c]) / kStd[c];
            }
        }
    }
    return v;
}

cv::Mat text_probability_map(const cv::Mat& image, const std::filesystem::path& weights, const OpContext& ctx,
                             const TextDetectOptions& o) {
    std::shared_ptr<MapNetwork> net = ctx.models != nullptr
                                          ? ctx.models->map_network(weights.string(), ctx.device)
                                          : std::shared_ptr<MapNetwork>(load_onnx_graph(weights, ctx.device));
    const cv::Mat bgr = to_bgr8(image);
    const int long_side = std::max(bgr.cols, bgr.rows);
    // Small photos are enlarged (small text needs a few kernel pixels), large ones reduced.
    double s = std::min(1.0, static_cast<double>(o.max_side) / long_side);
    if (long_side < o.min_side) s = std::min(4.0, static_cast<double>(o.min_side) / long_side);
    cv::Mat det = bgr;
    if (s != 1.0) {
        cv::resize(bgr, det,
                   cv::Size(std::max(1, static_cast<int>(std::lround(bgr.cols * s))),
                            std::max(1, static_cast<int>(std::lround(bgr.rows * s)))),
                   0, 0, s < 1.0 ? cv::INTER_AREA : cv::INTER_CUBIC);
    }
    // A replicated border: text that touches the photo's edge is seen with context on both sides.
    const int border = std::max(0, o.border);
    if (border > 0) cv::copyMakeBorder(det, det, border, border, border, border, cv::BORDER_REPLICATE);
    // Tiles: cores of (tile - 2 * overlap) with `overlap` pixels of real context around them.
    const int tile = std::max(2 * kOverlap + kMultiple, o.tile / kMultiple * kMultiple);
    const int core = tile - 2 * kOverlap;
    const int nx = det.cols <= tile + 2 * border ? 1 : (det.cols + core - 1) / core;
    const int ny = det.rows <= tile + 2 * border ? 1 : (det.rows + core - 1) / core;
    const bool coarse = o.coarse_side > 0 && std::max(det.cols, det.rows) > o.coarse_side * 1.2;
    ProgressStage progress(ctx.job, 0, 100);
    const double steps = nx * ny + (coarse ? 1 : 0);
    cv::Mat map(det.size(), CV_32F, cv::Scalar(0));
    int done = 0;
    for (int ty = 0; ty < ny; ++ty) {
        for (int tx = 0; tx < nx; ++tx) {
            ctx.job.cancel.throw_if_requested();
            const cv::Rect keep = nx == 1 && ny == 1
                                      ? cv::Rect(0, 0, det.cols, det.rows)
                                      : cv::Rect(tx * core, ty * core, core, core) & cv::Rect(0, 0, det.cols, det.rows);
            const cv::Rect read =
                cv::Rect(keep.x - kOverlap, keep.y - kOverlap, keep.width + 2 * kOverlap, keep.height + 2 * kOverlap) &
                cv::Rect(0, 0, det.cols, det.rows);
            const cv::Mat m = run_padded(*net, det(read));
            m(cv::Rect(keep.x - read.x, keep.y - read.y, keep.width, keep.height)).copyTo(map(keep));
            progress.update(++done / steps);
        }
    }
    if (coarse) {  // large text that no single tile holds whole
        ctx.job.cancel.throw_if_requested();
        const double f = static_cast<double>(o.coarse_side) / std::max(det.cols, det.rows);
        cv::Mat small;
        cv::resize(det, small,
                   cv::Size(std::max(1, static_cast<int>(std::lround(det.cols * f))),
                            std::max(1, static_cast<int>(std::lround(det.rows * f)))),
                   0, 0, cv::INTER_AREA);
        cv::Mat m = run_padded(*net, small);
        cv::resize(m, m, det.size(), 0, 0, cv::INTER_LINEAR);
        map = cv::max(map, m);
        progress.update(1.0);
    }
    if (border > 0) map = map(cv::Rect(border, border, det.cols - 2 * border, det.rows - 2 * border)).clone();
    return map;
}

std::vector<TextBox> text_boxes_from_map(const cv::Mat& map, const TextDetectOptions& o, double scale) {
    cv::Mat bitmap = map > o.threshold;
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(bitmap, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    std::vector<TextBox> boxes;
    constexpr double kMinSide = 3;
    for (size_t i = 0; i < contours.size() && i < 1000; ++i) {
        const cv::RotatedRect r = cv::minAreaRect(contours[i]);
        if (std::min(r.size.width, r.size.height) < kMinSide) continue;
        // Score: the mean probability inside the box (DB's fast score).
        cv::Point2f pts[4];
        r.points(pts);
        const cv::Rect bb =
            cv::boundingRect(std::vector<cv::Point2f>(pts, pts + 4)) & cv::Rect(0, 0, map.cols, map.rows);
        if (bb.area() == 0) continue;
        cv::Mat inside(bb.size(), CV_8U, cv::Scalar(0));
        std::vector<cv::Point> poly;
        for (const auto& p : pts) poly.emplace_back(cvRound(p.x - bb.x), cvRound(p.y - bb.y));
        cv::fillConvexPoly(inside, poly, cv::Scalar(255));
        const float score = static_cast<float>(cv::mean(map(bb), inside)[0]);
        double peak = 0;
        cv::minMaxLoc(map(bb), nullptr, &peak, nullptr, nullptr, inside);
        if (score < o.box_threshold) continue;
        // Unclip: offset the box outward by area * ratio / perimeter (the kernel is shrunk text).
        const double area = r.size.width * r.size.height;
        const double perimeter = 2.0 * (r.size.width + r.size.height);
        const double distance = area * o.unclip_ratio / perimeter;
        ClipperLib::Path path;
        for (const auto& p : pts)
            path.emplace_back(static_cast<ClipperLib::cInt>(std::lround(p.x * 16)),
                              static_cast<ClipperLib::cInt>(std::lround(p.y * 16)));
        ClipperLib::ClipperOffset offset;
        offset.AddPath(path, ClipperLib::jtRound, ClipperLib::etClosedPolygon);
        ClipperLib::Paths grown;
        offset.Execute(grown, distance * 16);
        if (grown.empty()) continue;
        std::vector<cv::Point2f> expanded;
        for (const auto& q : grown.front()) expanded.emplace_back(q.X / 16.0f, q.Y / 16.0f);
        cv::RotatedRect e = cv::minAreaRect(expanded);
        if (std::min(e.size.width, e.size.height) < kMinSide + 2) continue;
        e.center = {static_cast<float>(e.center.x * scale), static_cast<float>(e.center.y * scale)};
        e.size = {static_cast<float>(e.size.width * scale), static_cast<float>(e.size.height * scale)};
        boxes.push_back({e, score, static_cast<float>(peak)});
    }
    return boxes;
}

namespace {

constexpr int kRecheckSide = 48;  // px: the candidate's short side when the detector looks again

// The detector on the candidate alone, scaled so that its short side is kRecheckSide (text of the
// size the network knows best), with the box's own size of context around it: the mean
// probability along the middle line of the box (its central 80 %).
float recheck(MapNetwork& net, const cv::Mat& bgr, const cv::RotatedRect& box) {
    const double shortest = std::max(1.0f, std::min(box.size.width, box.size.height));
    const double f = kRecheckSide / shortest;
    const cv::Rect bb = box.boundingRect();
    const int m = static_cast<int>(std::ceil(shortest));
    const cv::Rect want(bb.x - m, bb.y - m, bb.width + 2 * m, bb.height + 2 * m);
    const cv::Rect roi = want & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (roi.area() == 0) return 0;
    // Where the context runs off the photo, the photo's edge is replicated (as in the first pass):
    // text that touches the border is seen with context on both sides.
    cv::Mat context;
    cv::copyMakeBorder(bgr(roi), context, roi.y - want.y, want.br().y - roi.br().y, roi.x - want.x,
                       want.br().x - roi.br().x, cv::BORDER_REPLICATE);
    cv::Mat crop;
    cv::resize(context, crop,
               cv::Size(std::max(1, static_cast<int>(std::lround(want.width * f))),
                        std::max(1, static_cast<int>(std::lround(want.height * f)))),
               0, 0, f < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    if (crop.cols > 2048 || crop.rows > 2048) return 1;  // too long to look at again: keep the first opinion
    const cv::Mat map = run_padded(net, crop);
    cv::Point2f p[4];
    box.points(p);
    for (auto& q : p)
        q = (q - cv::Point2f(static_cast<float>(want.x), static_cast<float>(want.y))) * static_cast<float>(f);
    // The middle line: between the midpoints of the two short sides.
    const bool first_long = cv::norm(p[1] - p[0]) >= cv::norm(p[2] - p[1]);
    const cv::Point2f a = first_long ? (p[0] + p[3]) * 0.5f : (p[0] + p[1]) * 0.5f;
    const cv::Point2f b = first_long ? (p[1] + p[2]) * 0.5f : (p[2] + p[3]) * 0.5f;
    double sum = 0;
    int n = 0;
    for (int i = 0; i <= 100; ++i) {
        const cv::Point2f q = a + (b - a) * (0.1f + 0.8f * static_cast<float>(i) / 100.0f);
        const int x = cvRound(q.x), y = cvRound(q.y);
        if (x < 0 || y < 0 || x >= map.cols || y >= map.rows) continue;
        sum += map.at<float>(y, x);
        ++n;
    }
    return n ? static_cast<float>(sum / n) : 0.0f;
}

}  // namespace

std::vector<TextCandidate> text_candidates(const cv::Mat& image, const OpContext& ctx,
                                           const TextDetectOptions& options) {
    const ModelStatus m = require_model(kTextDetectorId);
    const cv::Mat map = text_probability_map(image, m.path, ctx, options);
    const std::vector<TextBox> boxes = text_boxes_from_map(map, options, static_cast<double>(image.cols) / map.cols);
    const cv::Mat bgr = to_bgr8(image);
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    std::shared_ptr<MapNetwork> net = ctx.models != nullptr
                                          ? ctx.models->map_network(m.path.string(), ctx.device)
                                          : std::shared_ptr<MapNetwork>(load_onnx_graph(m.path, ctx.device));
    std::vector<TextCandidate> out;
    for (const TextBox& b : boxes) {
        TextCandidate c{b, text_evidence(grey, b.box), false};
        if (options.verify) c.evidence.recheck = recheck(*net, bgr, b.box);
        c.text = looks_like_text(c.box, c.evidence);
        out.push_back(c);
    }
    return out;
}

std::vector<TextBox> detect_text(const cv::Mat& image, const OpContext& ctx, const TextDetectOptions& options) {
    std::vector<TextBox> boxes;
    for (const TextCandidate& c : text_candidates(image, ctx, options)) {
        if (c.text || !options.verify) boxes.push_back(c.box);
    }
    return boxes;
}

cv::Mat text_mask(cv::Size size, const std::vector<TextBox>& boxes, int grow, double grow_fraction) {
    cv::Mat mask(size, CV_8U, cv::Scalar(0));
    for (const TextBox& b : boxes) {
        cv::RotatedRect r = b.box;
        const float g = static_cast<float>(
            std::max(static_cast<double>(grow), grow_fraction * std::min(r.size.width, r.size.height)));
        r.size.width += 2 * g;
        r.size.height += 2 * g;
        cv::Point2f pts[4];
        r.points(pts);
        std::vector<cv::Point> poly;
        for (const auto& p : pts) poly.emplace_back(cvRound(p.x), cvRound(p.y));
        cv::fillConvexPoly(mask, poly, cv::Scalar(255));
    }
    return mask;
}

}  // namespace restora
