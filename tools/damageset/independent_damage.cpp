#include "independent_damage.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace restora::damageset {

namespace {

struct R {
    std::mt19937& g;
    double operator()(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g); }
    int i(int a, int b) { return std::uniform_int_distribution<int>(a, b)(g); }
    bool p(double q) { return (*this)(0, 1) < q; }
};

// Coverage of a stroke of half-width hw around the centre line drawn (1 px, 8-connected) in `line`:
// 1 inside, a smooth (smoothstep) edge 1 px wide.
cv::Mat stroke_cover(const cv::Mat& line, double hw) {
    cv::Mat dist;
    cv::distanceTransform(line == 0, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    cv::Mat t = (hw + 0.5 - dist);
    t = cv::min(cv::max(t, 0.0), 1.0);
    cv::Mat out = t.mul(t).mul(3.0 - 2.0 * t);
    return out;
}

std::vector<cv::Point2d> catmull_rom(const std::vector<cv::Point2d>& c, int per) {
    std::vector<cv::Point2d> out;
    for (size_t k = 0; k + 1 < c.size(); ++k) {
        const cv::Point2d p0 = c[k == 0 ? 0 : k - 1], p1 = c[k], p2 = c[k + 1], p3 = c[std::min(c.size() - 1, k + 2)];
        for (int j = 0; j < per; ++j) {
            const double t = static_cast<double>(j) / per, t2 = t * t, t3 = t2 * t;
            out.push_back(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 +
                                 (-p0 + 3 * p1 - 3 * p2 + p3) * t3));
        }
    }
    out.push_back(c.back());
    return out;
}

cv::Mat draw_line(cv::Size s, const std::vector<cv::Point2d>& pts) {
    cv::Mat m(s, CV_8U, cv::Scalar(0));
    std::vector<cv::Point> ip;
    for (const auto& q : pts) ip.emplace_back(static_cast<int>(std::lround(q.x)), static_cast<int>(std::lround(q.y)));
    cv::polylines(m, ip, false, cv::Scalar(255), 1, cv::LINE_8);
    return m;
}

// Paints coverage `a` (CV_32F) with the BGR colour `v` in [0,1] onto f (CV_32FC3).
void paint(cv::Mat& f, const cv::Mat& a, cv::Vec3d v) {
    for (int y = 0; y < f.rows; ++y) {
        const float* ap = a.ptr<float>(y);
        cv::Vec3f* fp = f.ptr<cv::Vec3f>(y);
        for (int x = 0; x < f.cols; ++x) {
            if (ap[x] <= 0) continue;
            for (int c = 0; c < 3; ++c) fp[x][c] = static_cast<float>(fp[x][c] * (1 - ap[x]) + v[c] * ap[x]);
        }
    }
}

cv::Vec3d grey(double v) { return {v, v, v}; }

std::string look(cv::Mat& f, R& r) {
    const int kind = r.i(0, 4);
    std::vector<cv::Mat> c;
    cv::split(f, c);  // BGR
    const cv::Mat y = 0.0722 * c[0] + 0.7152 * c[1] + 0.2126 * c[2];
    std::string name;
    if (kind == 0) {
        name = "grey";
        c = {y.clone(), y.clone(), y.clone()};
    } else if (kind == 1) {
        name = "sepia";
        cv::Mat yy;
        cv::pow(y, 0.9, yy);
        c = {yy * 0.62 + 0.04, yy * 0.86 + 0.03, yy * 0.98 + 0.02};
    } else if (kind == 2) {
        name = "faded";
        cv::Mat k;
        for (int ch = 0; ch < 3; ++ch) {
            cv::pow(cv::max(c[ch], 0.0), r(0.6, 0.85), k);
            c[ch] = k * r(0.75, 0.95) + r(0.03, 0.12);
        }
        c[0] *= r(0.8, 0.95);  // blue fades first: a warm cast
    } else if (kind == 3) {
        name = "cool-grey";
        c = {y * 1.02, y.clone(), y * 0.97};
    } else {
        name = "colour";
    }
    cv::merge(c, f);
    // Vignette.
    if (r.p(0.5)) {
        cv::Mat v(f.size(), CV_32F);
        const double k = r(0.1, 0.35);
        for (int yy = 0; yy < f.rows; ++yy)
            for (int x = 0; x < f.cols; ++x) {
                const double dx = (x - f.cols / 2.0) / f.cols, dy = (yy - f.rows / 2.0) / f.rows;
                v.at<float>(yy, x) = static_cast<float>(1.0 - k * (dx * dx + dy * dy) * 2);
            }
        cv::Mat v3;
        cv::merge(std::vector<cv::Mat>{v, v, v}, v3);
        f = f.mul(v3);
    }
    // Clumped grain: noise at half resolution, enlarged, plus a little fine noise.
    const double strength = std::vector<double>{0, 0.01, 0.03, 0.05}[r.i(0, 3)];
    if (strength > 0) {
        cv::Mat n(cv::Size(f.cols / 2 + 1, f.rows / 2 + 1), CV_32F), fine(f.size(), CV_32F);
        cv::RNG cr(r.g());
        cr.fill(n, cv::RNG::NORMAL, 0, 1);
        cr.fill(fine, cv::RNG::NORMAL, 0, 0.5);
        cv::resize(n, n, f.size(), 0, 0, cv::INTER_LINEAR);
        const cv::Mat g = (n + fine) * strength;
        cv::Mat g3;
        cv::merge(std::vector<cv::Mat>{g, g, g}, g3);
        f += g3;
        name += "+grain" + std::to_string(static_cast<int>(strength * 100));
    }
    return name;
}

}  // namespace

DamageScene compose(const cv::Mat& photo, std::mt19937& rng) {
    R r{rng};
    DamageScene sc;
    cv::Mat f;
    photo.convertTo(f, CV_32FC3, 1.0 / 255.0);
    sc.look = look(f, r);
    const cv::Size s = f.size();
    const double W = s.width, H = s.height;
    cv::Mat c8;
    f.convertTo(c8, CV_8UC3, 255.0);
    c8.convertTo(f, CV_32FC3, 1.0 / 255.0);
    const cv::Mat before = f.clone();
    const int items = r.i(3, 8);
    for (int it = 0; it < items; ++it) {
        const int kind = r.i(0, 6);
        if (kind == 0) {  // Catmull-Rom scratch through 3-5 points
            std::vector<cv::Point2d> c;
            const int n = r.i(3, 5);
            cv::Point2d p(r(0, W), r(0, H));
            const double ang = r(0, CV_PI);
            for (int k = 0; k < n; ++k) {
                c.push_back(p);
                p += cv::Point2d(std::cos(ang + r(-0.3, 0.3)), std::sin(ang + r(-0.3, 0.3))) * r(40, 160);
            }
            const cv::Mat a = stroke_cover(draw_line(s, catmull_rom(c, 30)), r(0.3, 1.6));
            paint(f, a * r(0.5, 1.0), grey(r.p(0.5) ? r(0.8, 1.0) : r(0.0, 0.2)));
            sc.kinds.emplace_back("scratch");
        } else if (kind == 1) {  // cine-style line: full height, slightly wandering, thin
            std::vector<cv::Point2d> c;
            double x = r(0, W);
            for (double y = -4; y < H + 8; y += 8) {
                x += r(-0.6, 0.6);
                c.emplace_back(x, y);
            }
            const cv::Mat a = stroke_cover(draw_line(s, c), r(0.3, 0.9));
            paint(f, a * r(0.4, 0.9), grey(r.p(0.5) ? r(0.85, 1.0) : r(0.05, 0.2)));
            sc.kinds.emplace_back("line");
        } else if (kind == 2) {  // fibre: a circular arc or a loop
            const cv::Point2d c(r(0, W), r(0, H));
            const double rad = r(8, 40), a0 = r(0, 2 * CV_PI), span = r(1.0, 5.5);
            std::vector<cv::Point2d> pts;
            for (int k = 0; k <= 60; ++k) {
                const double t = a0 + span * k / 60.0, rr = rad * (1 + 0.15 * std::sin(3 * t));
                pts.emplace_back(c.x + rr * std::cos(t), c.y + rr * std::sin(t) * r(0.95, 1.05));
            }
            const cv::Mat a = stroke_cover(draw_line(s, pts), r(0.25, 0.7));
            paint(f, a * r(0.6, 1.0), grey(r.p(0.8) ? r(0.02, 0.15) : r(0.85, 1.0)));
            sc.kinds.emplace_back("fibre");
        } else if (kind == 3) {  // a dust cluster: Gaussian blobs around a centre
            cv::Mat a(s, CV_32F, cv::Scalar(0));
            const cv::Point2d c(r(0, W), r(0, H));
            const int n = r.i(5, 25);
            for (int k = 0; k < n; ++k) {
                const cv::Point2d q = c + cv::Point2d(r(-60, 60), r(-60, 60));
                const double sg = r(0.5, 1.8);
                const int rad = static_cast<int>(std::ceil(3 * sg));
                for (int y = std::max(0, int(q.y) - rad); y <= std::min(s.height - 1, int(q.y) + rad); ++y)
                    for (int x = std::max(0, int(q.x) - rad); x <= std::min(s.width - 1, int(q.x) + rad); ++x) {
                        const double d2 = (x - q.x) * (x - q.x) + (y - q.y) * (y - q.y);
                        float& v = a.at<float>(y, x);
                        v = std::max(v, static_cast<float>(std::min(1.0, 1.6 * std::exp(-d2 / (2 * sg * sg)))));
                    }
            }
            paint(f, a * r(0.6, 1.0), grey(r.p(0.5) ? r(0.85, 1.0) : r(0.0, 0.15)));
            sc.kinds.emplace_back("dust");
        } else if (kind == 4) {  // zig-zag crease: a bright ridge with a soft dark shoulder
            std::vector<cv::Point2d> pts;
            cv::Point2d p(r(0, W), r(0, H));
            const double ang = r(0, CV_PI);
            for (int k = 0; k < 4; ++k) {
                pts.push_back(p);
                const double a2 = ang + (k % 2 ? 0.35 : -0.35);
                p += cv::Point2d(std::cos(a2), std::sin(a2)) * r(50, 120);
            }
            const cv::Mat line = draw_line(s, pts);
            const cv::Mat ridge = stroke_cover(line, r(0.6, 1.4));
            cv::Mat shoulder = stroke_cover(line, r(2.0, 3.0)) - ridge;
            paint(f, shoulder * r(0.3, 0.6), grey(r(0.1, 0.3)));
            paint(f, ridge * r(0.5, 0.9), grey(r(0.85, 1.0)));
            sc.kinds.emplace_back("crease");
        } else if (kind == 5) {  // a tear from the border with a fractal edge
            std::vector<cv::Point2d> edge = {{0, 0}, {1, 0}};
            for (int lvl = 0; lvl < 5; ++lvl) {  // midpoint displacement
                std::vector<cv::Point2d> nx;
                for (size_t k = 0; k + 1 < edge.size(); ++k) {
                    nx.push_back(edge[k]);
                    nx.push_back(0.5 * (edge[k] + edge[k + 1]) + cv::Point2d(0, r(-1, 1) * 0.25 / (lvl + 1)));
                }
                nx.push_back(edge.back());
                edge = nx;
            }
            const double len = r(20, 70), depth = r(10, 40), x0 = r(0, W - len);
            const bool top = r.p(0.5);
            std::vector<cv::Point> poly;
            for (const auto& e : edge) {
                const double prof = std::sin(CV_PI * e.x) * depth * (1 + e.y);
                poly.emplace_back(static_cast<int>(x0 + e.x * len), static_cast<int>(top ? prof : H - 1 - prof));
            }
            cv::Mat m(s, CV_8U, cv::Scalar(0));
            cv::fillPoly(m, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_8);
            cv::Mat a;
            m.convertTo(a, CV_32F, 1.0 / 255.0);
            cv::GaussianBlur(a, a, cv::Size(3, 3), 0.6);
            const double pv = r(0.88, 0.97);
            paint(f, a, {pv * 0.95, pv, pv});
            sc.kinds.emplace_back("tear");
        } else {  // pin holes and specks: tiny discs
            cv::Mat line(s, CV_8U, cv::Scalar(0));
            for (int k = r.i(3, 15); k > 0; --k) line.at<uint8_t>(r.i(0, s.height - 1), r.i(0, s.width - 1)) = 255;
            const cv::Mat a = stroke_cover(line, r(0.4, 1.5));
            paint(f, a, grey(r.p(0.5) ? r(0.9, 1.0) : r(0.0, 0.1)));
            sc.kinds.emplace_back("specks");
        }
    }
    // The scanner: a slight blur of the print (damage and all); sometimes JPEG.
    const double blur = r(0.3, 0.6);
    cv::Mat clean_f;
    cv::GaussianBlur(before, clean_f, cv::Size(3, 3), blur);
    cv::GaussianBlur(f, f, cv::Size(3, 3), blur);
    clean_f.convertTo(sc.clean, CV_8UC3, 255.0);
    f.convertTo(sc.input, CV_8UC3, 255.0);
    cv::Mat diff;
    cv::absdiff(sc.input, sc.clean, diff);
    std::vector<cv::Mat> dc;
    cv::split(diff, dc);
    sc.damage = cv::max(cv::max(dc[0], dc[1]), dc[2]) > kVisible;
    if (r.p(0.3)) {
        std::vector<uint8_t> buf;
        cv::imencode(".jpg", sc.input, buf, {cv::IMWRITE_JPEG_QUALITY, r.i(70, 92)});
        sc.input = cv::imdecode(buf, cv::IMREAD_COLOR);
        sc.look += "+jpeg";
    }
    return sc;
}

}  // namespace restora::damageset
