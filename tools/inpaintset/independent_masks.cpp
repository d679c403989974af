// The independent inpainting mask set (independent_masks.h).
#include "independent_masks.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace restora::inpaintset {

namespace {

struct Rng {
    std::mt19937_64 g;
    explicit Rng(std::uint64_t seed) : g(seed * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL) {}
    double operator()(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g); }
    int integer(int a, int b) { return std::uniform_int_distribution<int>(a, b)(g); }
};

cv::Point2d catmull_rom(const cv::Point2d& p0, const cv::Point2d& p1, const cv::Point2d& p2, const cv::Point2d& p3,
                        double t) {
    const double t2 = t * t;
    const double t3 = t2 * t;
    return 0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3);
}

// A pressure brush: a smooth curve through 3-5 points, its width w(t) = base * (taper at both
// ends) * (1 + swell * sin), drawn as a chain of filled quads and round joints.
void brush_stroke(cv::Mat& m, Rng& r, double side) {
    const int n = r.integer(3, 5);
    std::vector<cv::Point2d> pts;
    cv::Point2d p(r(0.1, 0.9) * m.cols, r(0.1, 0.9) * m.rows);
    double heading = r(0, 2 * CV_PI);
    for (int i = 0; i < n; ++i) {
        pts.push_back(p);
        heading += r(-1.1, 1.1);
        const double step = side * r(0.12, 0.3);
        p += cv::Point2d(std::cos(heading), std::sin(heading)) * step;
        p.x = std::clamp(p.x, 0.0, m.cols - 1.0);
        p.y = std::clamp(p.y, 0.0, m.rows - 1.0);
    }
    pts.insert(pts.begin(), pts.front());
    pts.push_back(pts.back());
    const double base = side * r(0.025, 0.07);
    const double swell = r(0.1, 0.5);
    const double freq = r(1.0, 3.0);
    const double phase = r(0, 2 * CV_PI);
    const int per = 24;
    const int total = (static_cast<int>(pts.size()) - 3) * per;
    for (int s = 0; s < static_cast<int>(pts.size()) - 3; ++s) {
        for (int k = 0; k < per; ++k) {
            const double t = static_cast<double>(k) / per;
            const double u = static_cast<double>(s * per + k) / total;
            const cv::Point2d q = catmull_rom(pts[s], pts[s + 1], pts[s + 2], pts[s + 3], t);
            const double taper = std::min(1.0, std::min(u, 1.0 - u) * 6.0 + 0.35);
            const double w = base * taper * (1.0 + swell * std::sin(2 * CV_PI * freq * u + phase));
            cv::circle(m, cv::Point(cvRound(q.x), cvRound(q.y)), std::max(1, cvRound(w)), cv::Scalar(255), cv::FILLED,
                       cv::LINE_8);
        }
    }
}

// A scribble: back-and-forth strokes across a rotated patch, medium constant width (a thin brush
// rubbed over a blemish), drawn as anti-aliasing-free polylines.
void scribble(cv::Mat& m, Rng& r, double side) {
    const cv::Point2d c(r(0.2, 0.8) * m.cols, r(0.2, 0.8) * m.rows);
    const double len = side * r(0.15, 0.4);
    const double height = side * r(0.08, 0.25);
    const double angle = r(0, CV_PI);
    const cv::Point2d d(std::cos(angle), std::sin(angle));
    const cv::Point2d n(-d.y, d.x);
    const int zigs = r.integer(5, 12);
    const int thick = std::max(3, cvRound(side * r(0.012, 0.03)));
    std::vector<cv::Point> pl;
    for (int i = 0; i <= zigs; ++i) {
        const double along = (static_cast<double>(i) / zigs - 0.5) * height * 2 + r(-0.05, 0.05) * height;
        const double across = (i % 2 == 0 ? -0.5 : 0.5) * len * r(0.7, 1.0);
        const cv::Point2d q = c + n * along + d * across;
        pl.emplace_back(cvRound(q.x), cvRound(q.y));
    }
    cv::polylines(m, pl, false, cv::Scalar(255), thick, cv::LINE_8);
}

// A star-shaped outline with a smooth random radius (a rock, a bush, a rubbish bin).
void blob_object(cv::Mat& m, Rng& r, const cv::Point2d& c, double radius) {
    std::vector<double> amp(5);
    std::vector<double> ph(5);
    for (size_t k = 0; k < amp.size(); ++k) {
        amp[k] = r(0, 0.25) / static_cast<double>(k + 1);
        ph[k] = r(0, 2 * CV_PI);
    }
    const double squash = r(0.55, 1.0);
    std::vector<cv::Point> poly;
    for (int i = 0; i < 72; ++i) {
        const double th = 2 * CV_PI * i / 72;
        double rr = 1.0;
        for (size_t k = 0; k < amp.size(); ++k) rr += amp[k] * std::cos(static_cast<double>(k + 2) * th + ph[k]);
        poly.emplace_back(cvRound(c.x + radius * rr * std::cos(th)),
                          cvRound(c.y + radius * squash * rr * std::sin(th)));
    }
    cv::fillPoly(m, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
}

// A standing person: head, torso, two legs, arms (ellipses and thick lines), height h.
void person(cv::Mat& m, Rng& r, const cv::Point2d& feet, double h) {
    const double w = h * r(0.22, 0.3);
    const cv::Point2d hip = feet - cv::Point2d(0, 0.47 * h);
    const cv::Point2d neck = feet - cv::Point2d(r(-0.03, 0.03) * h, 0.82 * h);
    cv::circle(m, neck - cv::Point2d(0, 0.08 * h), cvRound(0.075 * h), cv::Scalar(255), cv::FILLED);
    cv::ellipse(m,
                cv::RotatedRect((neck + hip) * 0.5, cv::Size2f(static_cast<float>(w), static_cast<float>(0.4 * h)), 0),
                cv::Scalar(255), cv::FILLED);
    const int leg = std::max(2, cvRound(0.09 * h));
    const double stride = r(0.0, 0.15) * h;
    cv::line(m, hip + cv::Point2d(-0.05 * h, 0), feet + cv::Point2d(-stride, 0), cv::Scalar(255), leg);
    cv::line(m, hip + cv::Point2d(0.05 * h, 0), feet + cv::Point2d(stride, 0), cv::Scalar(255), leg);
    const int arm = std::max(2, cvRound(0.06 * h));
    const cv::Point2d sh = neck + cv::Point2d(0, 0.05 * h);
    cv::line(m, sh + cv::Point2d(-0.4 * w, 0), sh + cv::Point2d(-r(0.4, 0.8) * w, r(0.25, 0.4) * h), cv::Scalar(255),
             arm);
    cv::line(m, sh + cv::Point2d(0.4 * w, 0), sh + cv::Point2d(r(0.4, 0.8) * w, r(0.25, 0.4) * h), cv::Scalar(255),
             arm);
}

// A car, a boat or an animal: a long body ellipse with two or three smaller ellipses attached.
void ellipse_cluster(cv::Mat& m, Rng& r, const cv::Point2d& c, double len) {
    const double tilt = r(-20, 20);
    cv::ellipse(m,
                cv::RotatedRect(c, cv::Size2f(static_cast<float>(len), static_cast<float>(len * r(0.3, 0.5))),
                                static_cast<float>(tilt)),
                cv::Scalar(255), cv::FILLED);
    const int parts = r.integer(2, 3);
    for (int i = 0; i < parts; ++i) {
        const cv::Point2d q = c + cv::Point2d(r(-0.4, 0.4) * len, r(-0.3, 0.3) * len);
        const double s = len * r(0.15, 0.35);
        cv::ellipse(m,
                    cv::RotatedRect(q, cv::Size2f(static_cast<float>(s), static_cast<float>(s * r(0.5, 1.2))),
                                    static_cast<float>(r(0, 180))),
                    cv::Scalar(255), cv::FILLED);
    }
}

void object(cv::Mat& m, Rng& r, double side) {
    const int shape = r.integer(0, 2);
    const cv::Point2d c(r(0.25, 0.75) * m.cols, r(0.3, 0.75) * m.rows);
    if (shape == 0) {
        person(m, r, c + cv::Point2d(0, side * 0.2), side * r(0.3, 0.55));
    } else if (shape == 1) {
        blob_object(m, r, c, side * r(0.08, 0.2));
    } else {
        ellipse_cluster(m, r, c, side * r(0.2, 0.4));
    }
    // The selection a person makes around an object is a little larger than the object.
    const int grow = std::max(1, cvRound(side * r(0.005, 0.015)));
    cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
}

void rectangles(cv::Mat& m, Rng& r, double side) {
    const int n = r.integer(1, 3);
    for (int i = 0; i < n; ++i) {
        const cv::Point2f c(static_cast<float>(r(0.15, 0.85) * m.cols), static_cast<float>(r(0.15, 0.85) * m.rows));
        const cv::Size2f s(static_cast<float>(side * r(0.06, 0.3)), static_cast<float>(side * r(0.04, 0.15)));
        const float angle = r(0, 1) < 0.5 ? 0.0F : static_cast<float>(r(-30, 30));
        cv::Point2f v[4];
        cv::RotatedRect(c, s, angle).points(v);
        std::vector<cv::Point> poly;
        for (const auto& p : v) poly.emplace_back(cvRound(p.x), cvRound(p.y));
        cv::fillConvexPoly(m, poly, cv::Scalar(255));
    }
}

double cover(const cv::Mat& m) { return static_cast<double>(cv::countNonZero(m)) / static_cast<double>(m.total()); }

}  // namespace

const char* kind_name(MaskKind k) {
    switch (k) {
        case MaskKind::Brush:
            return "brush";
        case MaskKind::Scribble:
            return "scribble";
        case MaskKind::Object:
            return "object";
        case MaskKind::Rectangle:
            return "rectangle";
    }
    return "?";
}

cv::Mat make_mask(cv::Size size, MaskKind kind, std::uint64_t seed) {
    Rng r(seed * 4 + static_cast<std::uint64_t>(kind));
    const double side = std::min(size.width, size.height);
    cv::Mat m(size, CV_8U, cv::Scalar(0));
    for (int attempt = 0; attempt < 50; ++attempt) {
        m.setTo(0);
        if (kind == MaskKind::Brush) {
            const int strokes = r.integer(1, 2);
            for (int i = 0; i < strokes; ++i) brush_stroke(m, r, side);
        } else if (kind == MaskKind::Scribble) {
            scribble(m, r, side);
        } else if (kind == MaskKind::Object) {
            object(m, r, side);
        } else {
            rectangles(m, r, side);
        }
        const double c = cover(m);
        if (c >= 0.02 && c <= 0.25) break;
    }
    return m;
}

cv::Mat surround_ring(const cv::Mat& hole, int width) {
    cv::Mat grown;
    cv::dilate(hole, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * width + 1, 2 * width + 1}));
    return grown & ~hole;
}

}  // namespace restora::inpaintset
