#include "damage_synth.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace restora::prep {

namespace {

constexpr int kSuper = 4;             // supersampling of the damage drawing
constexpr double kVisibleLevels = 8;  // a pixel the damage changed by more (8-bit) is in the mask

double uni(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
int inti(std::mt19937& rng, int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng); }
bool coin(std::mt19937& rng, double p) { return uni(rng, 0, 1) < p; }

// Gaussian noise with the blur of a grain clump, unit standard deviation.
cv::Mat grain_field(cv::Size size, double clump, std::mt19937& rng) {
    cv::Mat n(size, CV_32F);
    cv::RNG r(rng());
    r.fill(n, cv::RNG::NORMAL, 0, 1);
    if (clump > 0.3) cv::GaussianBlur(n, n, cv::Size(), clump);
    cv::Scalar mean, sd;
    cv::meanStdDev(n, mean, sd);
    return (n - mean[0]) / std::max(sd[0], 1e-6);
}

// The old-photo look, in place on float RGB [0,1].
void old_look(cv::Mat& f, std::mt19937& rng) {
    const int look = inti(rng, 0, 3);  // 0 colour, 1 faded colour, 2 monochrome, 3 sepia
    std::vector<cv::Mat> ch;
    cv::split(f, ch);
    const cv::Mat y = 0.299 * ch[0] + 0.587 * ch[1] + 0.114 * ch[2];
    if (look == 2 || look == 3) {
        const double r = look == 3 ? uni(rng, 1.03, 1.12) : 1.0, g = look == 3 ? uni(rng, 0.93, 0.99) : 1.0,
                     b = look == 3 ? uni(rng, 0.70, 0.85) : 1.0;
        ch[0] = y * r;
        ch[1] = y * g;
        ch[2] = y * b;
    } else if (look == 1) {
        const double keep = uni(rng, 0.3, 0.8);
        for (int c = 0; c < 3; ++c) ch[c] = keep * ch[c] + (1 - keep) * y;
        for (int c = 0; c < 3; ++c) ch[c] *= uni(rng, 0.88, 1.08);
    }
    if (look != 0 || coin(rng, 0.3)) {
        const double contrast = uni(rng, 0.6, 0.95), lift = uni(rng, 0.0, 0.15);
        for (auto& c : ch) c = c * contrast + lift;
    }
    cv::merge(ch, f);
    // Paper texture: a low-frequency multiplicative field.
    if (coin(rng, 0.6)) {
        cv::Mat t(cv::Size(std::max(2, f.cols / 16), std::max(2, f.rows / 16)), CV_32F);
        cv::RNG r(rng());
        r.fill(t, cv::RNG::NORMAL, 0, 1);
        cv::resize(t, t, f.size(), 0, 0, cv::INTER_CUBIC);
        const double amp = uni(rng, 0.005, 0.03);
        cv::Mat t3;
        cv::merge(std::vector<cv::Mat>{t, t, t}, t3);
        cv::Mat gain = 1.0 + amp * t3;
        f = f.mul(gain);
    }
    // Grain at one of several strengths: luma grain (all channels alike), a little chroma for colour.
    static const double kGrain[] = {0.0, 0.008, 0.02, 0.04, 0.06};
    const double s = kGrain[inti(rng, 0, 4)];
    if (s > 0) {
        const cv::Mat g = grain_field(f.size(), uni(rng, 0.0, 1.2), rng) * s;
        std::vector<cv::Mat> c3;
        cv::split(f, c3);
        for (auto& c : c3) {
            c += g;
            if (look <= 1) c += grain_field(f.size(), 0.8, rng) * (s * 0.3);
        }
        cv::merge(c3, f);
    }
}

// One damage element: coverage at full size (CV_32F 0..1) from a drawing at kSuper x.
struct Element {
    cv::Mat cover;
    double value = 0;    // grey level it paints, [0,1]
    double opacity = 1;  // how much it covers
};

cv::Point sp(cv::Point2d p) {
    return {static_cast<int>(std::lround(p.x * kSuper)), static_cast<int>(std::lround(p.y * kSuper))};
}

std::vector<cv::Point> bezier(cv::Point2d a, cv::Point2d c, cv::Point2d b, int steps) {
    std::vector<cv::Point> pts;
    for (int i = 0; i <= steps; ++i) {
        const double t = static_cast<double>(i) / steps;
        pts.push_back(sp((1 - t) * (1 - t) * a + 2 * (1 - t) * t * c + t * t * b));
    }
    return pts;
}

cv::Mat area_down(const cv::Mat& big, cv::Size size) {
    cv::Mat f, small;
    big.convertTo(f, CV_32F, 1.0 / 255.0);
    cv::resize(f, small, size, 0, 0, cv::INTER_AREA);
    return small;
}

cv::Point2d rand_pt(cv::Size s, std::mt19937& rng, double out = 0.2) {
    return {uni(rng, -out * s.width, (1 + out) * s.width), uni(rng, -out * s.height, (1 + out) * s.height)};
}

double damage_value(std::mt19937& rng, bool bright) { return bright ? uni(rng, 0.72, 1.0) : uni(rng, 0.0, 0.28); }

Element scratch(cv::Size s, std::mt19937& rng) {
    cv::Mat big(s * kSuper, CV_8U, cv::Scalar(0));
    const bool wide = coin(rng, 0.25);
    const double w = wide ? uni(rng, 2.5, 6) : uni(rng, 0.5, 2.2);
    const cv::Point2d a = rand_pt(s, rng), b = rand_pt(s, rng);
    std::vector<cv::Point> pts;
    if (coin(rng, 0.5)) {
        pts = {sp(a), sp(b)};
    } else {
        const cv::Point2d c =
            0.5 * (a + b) + cv::Point2d(uni(rng, -0.4, 0.4) * s.width, uni(rng, -0.4, 0.4) * s.height);
        pts = bezier(a, c, b, 40);
    }
    cv::polylines(big, pts, false, cv::Scalar(255), std::max(1, static_cast<int>(std::lround(w * kSuper))), cv::LINE_8);
    Element e{area_down(big, s), damage_value(rng, coin(rng, 0.55)), wide ? uni(rng, 0.3, 0.8) : uni(rng, 0.45, 1.0)};
    // Scratches come and go along their length.
    if (coin(rng, 0.5)) {
        cv::Mat fade(cv::Size(3, 3), CV_32F);
        cv::RNG r(rng());
        r.fill(fade, cv::RNG::UNIFORM, 0.2, 1.0);
        cv::resize(fade, fade, s, 0, 0, cv::INTER_CUBIC);
        e.cover = e.cover.mul(cv::min(cv::max(fade, 0.0), 1.0));
    }
    return e;
}

Element dust(cv::Size s, std::mt19937& rng) {
    cv::Mat big(s * kSuper, CV_8U, cv::Scalar(0));
    const int n = inti(rng, 3, 40);
    for (int i = 0; i < n; ++i) {
        const cv::Point c = sp(rand_pt(s, rng, 0));
        const double r = coin(rng, 0.8) ? uni(rng, 0.4, 1.6) : uni(rng, 1.6, 3.5);
        const cv::Size axes(std::max(1, static_cast<int>(r * kSuper * uni(rng, 0.6, 1.4))),
                            std::max(1, static_cast<int>(r * kSuper)));
        cv::ellipse(big, c, axes, uni(rng, 0, 180), 0, 360, cv::Scalar(255), cv::FILLED, cv::LINE_8);
    }
    return {area_down(big, s), damage_value(rng, coin(rng, 0.6)), uni(rng, 0.5, 1.0)};
}

Element hair(cv::Size s, std::mt19937& rng) {
    cv::Mat big(s * kSuper, CV_8U, cv::Scalar(0));
    cv::Point2d p = rand_pt(s, rng, 0);
    double angle = uni(rng, 0, 2 * CV_PI), turn = uni(rng, -0.15, 0.15);
    const int steps = inti(rng, 15, 80);
    std::vector<cv::Point> pts{sp(p)};
    for (int i = 0; i < steps; ++i) {
        turn += uni(rng, -0.05, 0.05);
        angle += turn;
        p += 2.0 * cv::Point2d(std::cos(angle), std::sin(angle));
        pts.push_back(sp(p));
    }
    cv::polylines(big, pts, false, cv::Scalar(255), std::max(1, static_cast<int>(uni(rng, 0.5, 1.3) * kSuper)),
                  cv::LINE_8);
    return {area_down(big, s), damage_value(rng, coin(rng, 0.3)), uni(rng, 0.5, 1.0)};
}

// A crease: a bright core with a dark edge beside it (the fold catches the light on one side).
std::vector<Element> crease(cv::Size s, std::mt19937& rng) {
    const cv::Point2d a = rand_pt(s, rng), b = rand_pt(s, rng);
    const cv::Point2d c =
        0.5 * (a + b) + cv::Point2d(uni(rng, -0.15, 0.15) * s.width, uni(rng, -0.15, 0.15) * s.height);
    cv::Point2d n(-(b - a).y, (b - a).x);
    n *= 1.0 / std::max(1e-6, std::hypot(n.x, n.y));
    const double w = uni(rng, 1.0, 3.0), off = w * 0.5 + uni(rng, 0.5, 1.5);
    std::vector<Element> out;
    for (int side = 0; side < 2; ++side) {
        cv::Mat big(s * kSuper, CV_8U, cv::Scalar(0));
        const cv::Point2d d = side == 0 ? cv::Point2d(0, 0) : n * off;
        cv::polylines(big, bezier(a + d, c + d, b + d, 40), false, cv::Scalar(255),
                      std::max(1, static_cast<int>(std::lround((side == 0 ? w : w * 0.7) * kSuper))), cv::LINE_8);
        out.push_back({area_down(big, s), side == 0 ? uni(rng, 0.8, 1.0) : uni(rng, 0.05, 0.3), uni(rng, 0.35, 0.8)});
    }
    return out;
}

// A small tear from the border: a jagged wedge of bare paper.
Element tear(cv::Size s, std::mt19937& rng) {
    cv::Mat big(s * kSuper, CV_8U, cv::Scalar(0));
    const int side = inti(rng, 0, 3);
    const double t = uni(rng, 0.1, 0.9), depth = uni(rng, 6, 0.3 * std::min(s.width, s.height)),
                 width = uni(rng, 3, 14);
    auto at = [&](double along, double in) -> cv::Point2d {
        switch (side) {
            case 0:
                return {along * s.width, in};
            case 1:
                return {along * s.width, s.height - in};
            case 2:
                return {in, along * s.height};
            default:
                return {s.width - in, along * s.height};
        }
    };
    const double len = side < 2 ? s.width : s.height;
    std::vector<cv::Point> poly;
    const int k = 8;
    for (int i = 0; i <= k; ++i) {  // down one edge to the tip, back up the other, jagged
        const double f = static_cast<double>(i) / k;
        poly.push_back(sp(at(t - (1 - f) * width / (2 * len) + uni(rng, -1, 1) / len, f * depth - 1)));
    }
    for (int i = k; i >= 0; --i) {
        const double f = static_cast<double>(i) / k;
        poly.push_back(sp(at(t + (1 - f) * width / (2 * len) + uni(rng, -1, 1) / len, f * depth - 1)));
    }
    cv::fillPoly(big, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_8);
    return {area_down(big, s), uni(rng, 0.85, 1.0), 1.0};
}

}  // namespace

DamageSample synth_damage(const cv::Mat& rgb8, std::mt19937& rng) {
    cv::Mat f;
    rgb8.convertTo(f, CV_32FC3, 1.0 / 255.0);
    old_look(f, rng);
    DamageSample out;
    f.convertTo(out.clean, CV_8UC3, 255.0);
    const cv::Size s = f.size();
    std::vector<Element> elems;
    if (!coin(rng, 0.1)) {
        const int kinds = inti(rng, 1, 4);
        for (int k = 0; k < kinds; ++k) {
            switch (inti(rng, 0, 5)) {
                case 0:
                case 1:
                    for (int i = inti(rng, 1, 3); i > 0; --i) elems.push_back(scratch(s, rng));
                    break;
                case 2:
                    elems.push_back(dust(s, rng));
                    break;
                case 3:
                    for (int i = inti(rng, 1, 2); i > 0; --i) elems.push_back(hair(s, rng));
                    break;
                case 4:
                    for (auto& e : crease(s, rng)) elems.push_back(e);
                    break;
                default:
                    if (coin(rng, 0.5))
                        elems.push_back(tear(s, rng));
                    else
                        elems.push_back(scratch(s, rng));
            }
        }
    }
    // Damage is not perfectly neutral: on colour prints a little tint.
    for (const Element& e : elems) {
        const cv::Mat a = e.cover * e.opacity;
        std::vector<cv::Mat> ch;
        cv::split(f, ch);
        for (int c = 0; c < 3; ++c) {
            const double v = std::clamp(e.value + uni(rng, -0.03, 0.03), 0.0, 1.0);
            ch[c] = ch[c].mul(1.0 - a) + a * v;
        }
        cv::merge(ch, f);
    }
    cv::Mat damaged;
    f.convertTo(damaged, CV_8UC3, 255.0);
    cv::Mat diff;
    cv::absdiff(damaged, out.clean, diff);
    std::vector<cv::Mat> dc;
    cv::split(diff, dc);
    cv::Mat mx = cv::max(cv::max(dc[0], dc[1]), dc[2]);
    out.mask = mx > kVisibleLevels;
    // The scan: sometimes a JPEG of it.
    if (coin(rng, 0.4)) {
        std::vector<uint8_t> buf;
        cv::Mat bgr;
        cv::cvtColor(damaged, bgr, cv::COLOR_RGB2BGR);
        cv::imencode(".jpg", bgr, buf, {cv::IMWRITE_JPEG_QUALITY, inti(rng, 55, 95)});
        cv::cvtColor(cv::imdecode(buf, cv::IMREAD_COLOR), damaged, cv::COLOR_BGR2RGB);
    }
    out.input = damaged;
    return out;
}

}  // namespace restora::prep
