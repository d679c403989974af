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
    // Tiles: cores of (tile - 2 * overlap) with `overlap` pixels of real context around them.
    const int tile = std::max(2 * kOverlap + kMultiple, o.tile / kMultiple * kMultiple);
    const int core = tile - 2 * kOverlap;
    const int nx = det.cols <= tile ? 1 : (det.cols + core - 1) / core;
    const int ny = det.rows <= tile ? 1 : (det.rows + core - 1) / core;
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
        boxes.push_back({e, score});
    }
    return boxes;
}

std::vector<TextBox> detect_text(const cv::Mat& image, const OpContext& ctx, const TextDetectOptions& options) {
    const ModelStatus m = require_model(kTextDetectorId);
    const cv::Mat map = text_probability_map(image, m.path, ctx, options);
    return text_boxes_from_map(map, options, static_cast<double>(image.cols) / map.cols);
}

cv::Mat text_mask(cv::Size size, const std::vector<TextBox>& boxes, int grow) {
    cv::Mat mask(size, CV_8U, cv::Scalar(0));
    for (const TextBox& b : boxes) {
        cv::Point2f pts[4];
        b.box.points(pts);
        std::vector<cv::Point> poly;
        for (const auto& p : pts) poly.emplace_back(cvRound(p.x), cvRound(p.y));
        cv::fillConvexPoly(mask, poly, cv::Scalar(255));
    }
    if (grow > 0) {
        cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
    }
    return mask;
}

}  // namespace restora
