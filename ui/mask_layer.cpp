#include "mask_layer.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace restora::ui {

namespace {

cv::Rect full(const cv::Mat& m) { return {0, 0, m.cols, m.rows}; }

// Bounding box of the pixels at or above `level`, grown by `by` and clipped to the image.
cv::Rect selection_box(const cv::Mat& m, int by, int level = 1) {
    cv::Mat nz = m >= level;
    const cv::Rect b = cv::boundingRect(nz);
    if (b.area() == 0) return {};
    return cv::Rect(b.x - by, b.y - by, b.width + 2 * by, b.height + 2 * by) & full(m);
}

// A capsule (the segment a-b swept by a disc of radius r) with a soft edge: full coverage within
// r*hardness of the segment, falling smoothly to zero at r. Brush: max; eraser: min.
cv::Rect draw_capsule(cv::Mat& m, cv::Point2d a, cv::Point2d b, double r, double hardness, bool erase) {
    r = std::max(r, 0.5);
    const double inner = r * std::clamp(hardness, 0.0, 1.0);
    const double span = std::max(r - inner, 1e-6);
    const int x0 = static_cast<int>(std::floor(std::min(a.x, b.x) - r));
    const int y0 = static_cast<int>(std::floor(std::min(a.y, b.y) - r));
    const int x1 = static_cast<int>(std::ceil(std::max(a.x, b.x) + r));
    const int y1 = static_cast<int>(std::ceil(std::max(a.y, b.y) + r));
    const cv::Rect box = cv::Rect(cv::Point(x0, y0), cv::Point(x1 + 1, y1 + 1)) & full(m);
    if (box.area() == 0) return {};
    const cv::Point2d ab = b - a;
    const double len2 = ab.dot(ab);
    for (int y = box.y; y < box.y + box.height; ++y) {
        auto* row = m.ptr<uchar>(y);
        const double py = y + 0.5;
        for (int x = box.x; x < box.x + box.width; ++x) {
            const cv::Point2d p(x + 0.5, py);
            double t = len2 > 0 ? (p - a).dot(ab) / len2 : 0.0;
            t = std::clamp(t, 0.0, 1.0);
            const cv::Point2d d = p - (a + t * ab);
            const double dist = std::sqrt(d.dot(d));
            if (dist >= r) continue;
            double c = 1.0;
            if (dist > inner) {
                const double u = (r - dist) / span;  // 0 at the rim, 1 at the hard core
                c = u * u * (3 - 2 * u);
            }
            const int v = static_cast<int>(std::lround(255.0 * c));
            if (erase) {
                row[x] = static_cast<uchar>(std::min<int>(row[x], 255 - v));
            } else {
                row[x] = static_cast<uchar>(std::max<int>(row[x], v));
            }
        }
    }
    return box;
}

}  // namespace

MaskEdit MaskEdit::whole(Kind kind, double amount, const cv::Mat& bitmap) {
    MaskEdit e;
    e.kind = kind;
    e.amount = amount;
    e.bitmap = bitmap;
    return e;
}

const char* mask_edit_name(MaskEdit::Kind kind) {
    switch (kind) {
        case MaskEdit::Kind::Brush:
            return "brush stroke";
        case MaskEdit::Kind::Eraser:
            return "eraser stroke";
        case MaskEdit::Kind::Rect:
            return "rectangle";
        case MaskEdit::Kind::Lasso:
            return "lasso";
        case MaskEdit::Kind::Fill:
            return "fill";
        case MaskEdit::Kind::Clear:
            return "clear";
        case MaskEdit::Kind::Invert:
            return "invert";
        case MaskEdit::Kind::Grow:
            return "grow";
        case MaskEdit::Kind::Shrink:
            return "shrink";
        case MaskEdit::Kind::Feather:
            return "feather";
        case MaskEdit::Kind::Import:
            return "import";
        case MaskEdit::Kind::Union:
            return "detected text";
    }
    return "edit";
}

MaskLayer::MaskLayer(cv::Size size) : mask_(cv::Mat::zeros(size, CV_8U)) {}

cv::Mat MaskLayer::binary() const {
    cv::Mat out;
    cv::compare(mask_, 127, out, cv::CMP_GT);
    return out;
}

cv::Mat MaskLayer::job_mask() const {
    if (empty()) return {};
    cv::Mat out;
    cv::compare(mask_, 127, out, protect_ ? cv::CMP_LE : cv::CMP_GT);
    return out;
}

bool MaskLayer::empty() const { return mask_.empty() || cv::countNonZero(mask_ > 127) == 0; }

double MaskLayer::selected_fraction() const {
    return mask_.empty() ? 0.0 : cv::countNonZero(mask_ > 127) / static_cast<double>(mask_.total());
}

cv::Rect MaskLayer::rasterise(const MaskEdit& e) {
    cv::Mat& m = mask_;
    switch (e.kind) {
        case MaskEdit::Kind::Brush:
        case MaskEdit::Kind::Eraser: {
            cv::Rect touched;
            const bool erase = e.kind == MaskEdit::Kind::Eraser;
            for (std::size_t i = 0; i < e.points.size(); ++i) {
                const cv::Point2d a = e.points[i == 0 ? 0 : i - 1];
                touched |= draw_capsule(m, a, e.points[i], e.radius, e.hardness, erase);
            }
            return touched;
        }
        case MaskEdit::Kind::Rect: {
            if (e.points.size() < 2) return {};
            const cv::Point2d a = e.points[0];
            const cv::Point2d b = e.points[1];
            const cv::Point tl(static_cast<int>(std::lround(std::min(a.x, b.x))),
                               static_cast<int>(std::lround(std::min(a.y, b.y))));
            const cv::Point br(static_cast<int>(std::lround(std::max(a.x, b.x))),
                               static_cast<int>(std::lround(std::max(a.y, b.y))));
            const cv::Rect r = cv::Rect(tl, br) & full(m);
            m(r).setTo(e.subtract ? 0 : 255);
            return r;
        }
        case MaskEdit::Kind::Lasso: {
            if (e.points.size() < 3) return {};
            constexpr int kShift = 4;  // sub-pixel vertices
            std::vector<cv::Point> poly;
            poly.reserve(e.points.size());
            for (const auto& p : e.points) {
                poly.emplace_back(static_cast<int>(std::lround(p.x * (1 << kShift))),
                                  static_cast<int>(std::lround(p.y * (1 << kShift))));
            }
            cv::Rect box = cv::boundingRect(poly);
            box = cv::Rect(box.x >> kShift, box.y >> kShift, (box.width >> kShift) + 2, (box.height >> kShift) + 2) &
                  full(m);
            const std::vector<std::vector<cv::Point>> polys{poly};
            cv::fillPoly(m, polys, cv::Scalar(e.subtract ? 0 : 255), cv::LINE_8, kShift);
            return box;
        }
        case MaskEdit::Kind::Fill: {
            if (e.points.empty()) return {};
            const cv::Point seed(static_cast<int>(std::floor(e.points[0].x)),
                                 static_cast<int>(std::floor(e.points[0].y)));
            if (!full(m).contains(seed)) return {};
            const bool selected = m.at<uchar>(seed) > 127;
            if (selected != e.subtract) return {};  // add inside a selected area (or remove outside): nothing
            cv::Mat bin = m > 127;
            cv::Rect r;
            cv::floodFill(bin, seed, cv::Scalar(128), &r, cv::Scalar(), cv::Scalar(), 4);
            m(r).setTo(e.subtract ? 0 : 255, bin(r) == 128);
            return r;
        }
        case MaskEdit::Kind::Clear: {
            const cv::Rect r = selection_box(m, 0);
            if (r.area() > 0) m(r).setTo(0);
            return r;
        }
        case MaskEdit::Kind::Invert:
            cv::bitwise_not(m, m);
            return full(m);
        case MaskEdit::Kind::Grow:
        case MaskEdit::Kind::Shrink: {
            const int n = static_cast<int>(std::ceil(e.amount));
            if (n <= 0) return {};
            const bool grow = e.kind == MaskEdit::Kind::Grow;
            const cv::Rect r = selection_box(m, grow ? n + 1 : 1, 128);
            if (r.area() == 0) return {};
            // Exact Euclidean distance to the nearest selected (grow) or unselected (shrink) pixel.
            cv::Mat roi = m(r);
            cv::Mat src = grow ? (roi <= 127) : (roi > 127);
            if (!grow) {  // the image edge does not count as unselected (the roi is grown by 1 elsewhere)
                cv::Mat padded;
                cv::copyMakeBorder(src, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(255));
                src = padded;
            }
            cv::Mat dist;
            cv::distanceTransform(src, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
            if (!grow) dist = dist(cv::Rect(1, 1, r.width, r.height));
            if (grow) {
                roi.setTo(255, dist <= e.amount);
            } else {
                roi.setTo(0, dist <= e.amount);
                roi.setTo(255, dist > e.amount);
            }
            return r;
        }
        case MaskEdit::Kind::Feather: {
            if (e.amount <= 0) return {};
            const double sigma = e.amount / 2.0;
            const cv::Rect r = selection_box(m, static_cast<int>(std::ceil(3 * sigma)) + 1);
            if (r.area() == 0) return {};
            cv::Mat roi = m(r);
            cv::Mat blurred;
            cv::GaussianBlur(roi, blurred, cv::Size(), sigma, sigma, cv::BORDER_REPLICATE);
            blurred.copyTo(roi);
            return r;
        }
        case MaskEdit::Kind::Union: {
            if (e.bitmap.empty()) return {};
            cv::Mat b = e.bitmap;
            if (b.size() != m.size()) cv::resize(e.bitmap, b, m.size(), 0, 0, cv::INTER_LINEAR);
            const cv::Rect r = cv::boundingRect(b > 0);
            if (r.area() == 0) return {};
            cv::Mat roi = m(r);
            cv::max(roi, b(r), roi);
            return r;
        }
        case MaskEdit::Kind::Import: {
            if (e.bitmap.empty()) return {};
            if (e.bitmap.size() == m.size()) {
                e.bitmap.copyTo(m);
            } else {
                cv::resize(e.bitmap, m, m.size(), 0, 0, cv::INTER_LINEAR);
            }
            return full(m);
        }
    }
    return {};
}

cv::Rect MaskLayer::push(MaskEdit e) {
    if (stroke_) end_stroke();
    const cv::Mat before = mask_.clone();
    const cv::Rect r = rasterise(e);
    if (r.area() == 0) return {};
    edits_.resize(applied_);
    patches_.resize(applied_);
    patches_.push_back({r, before(r).clone()});
    edits_.push_back(std::move(e));
    ++applied_;
    return r;
}

cv::Rect MaskLayer::apply(const MaskEdit& edit) {
    if (mask_.empty()) return {};
    return push(edit);
}

cv::Rect MaskLayer::begin_stroke(MaskEdit::Kind kind, cv::Point2d at, double radius, double hardness) {
    if (stroke_) end_stroke();
    if (mask_.empty()) return {};
    Stroke s;
    s.edit.kind = kind;
    s.edit.radius = radius;
    s.edit.hardness = hardness;
    s.edit.points.push_back(at);
    s.before = mask_.clone();
    s.touched = draw_capsule(mask_, at, at, radius, hardness, kind == MaskEdit::Kind::Eraser);
    stroke_ = std::move(s);
    return stroke_->touched;
}

cv::Rect MaskLayer::extend_stroke(cv::Point2d to) {
    if (!stroke_) return {};
    MaskEdit& e = stroke_->edit;
    const cv::Point2d from = e.points.back();
    const cv::Point2d d = to - from;
    if (d.dot(d) < 0.01) return {};  // the same spot
    e.points.push_back(to);
    const cv::Rect r = draw_capsule(mask_, from, to, e.radius, e.hardness, e.kind == MaskEdit::Kind::Eraser);
    stroke_->touched |= r;
    return r;
}

void MaskLayer::end_stroke() {
    if (!stroke_) return;
    Stroke s = std::move(*stroke_);
    stroke_.reset();
    if (s.touched.area() == 0) return;
    edits_.resize(applied_);
    patches_.resize(applied_);
    patches_.push_back({s.touched, s.before(s.touched).clone()});
    edits_.push_back(std::move(s.edit));
    ++applied_;
}

cv::Rect MaskLayer::undo() {
    if (stroke_) end_stroke();
    if (applied_ == 0) return {};
    --applied_;
    Patch p = std::move(patches_.back());
    patches_.pop_back();
    p.before.copyTo(mask_(p.rect));
    return p.rect;
}

cv::Rect MaskLayer::redo() {
    if (stroke_) end_stroke();
    if (applied_ >= edits_.size()) return {};
    const cv::Mat before = mask_.clone();
    const cv::Rect r = rasterise(edits_[applied_]);
    patches_.push_back({r, before(r).clone()});
    ++applied_;
    return r;
}

void MaskLayer::resample(cv::Size size) {
    if (stroke_) end_stroke();
    if (size == mask_.size() || mask_.empty()) {
        if (mask_.empty()) mask_ = cv::Mat::zeros(size, CV_8U);
        return;
    }
    const double fx = static_cast<double>(size.width) / mask_.cols;
    const double fy = static_cast<double>(size.height) / mask_.rows;
    const double f = std::sqrt(fx * fy);
    for (MaskEdit& e : edits_) {
        for (auto& p : e.points) p = {p.x * fx, p.y * fy};
        e.radius *= f;
        e.amount *= f;
    }
    mask_ = cv::Mat::zeros(size, CV_8U);
    patches_.clear();
    for (std::size_t i = 0; i < applied_; ++i) {
        const cv::Mat before = mask_.clone();
        const cv::Rect r = rasterise(edits_[i]);
        patches_.push_back({r, before(r).clone()});
    }
}

}  // namespace restora::ui
