#include "shadow_synth.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace restora {

namespace {

constexpr double kPi = 3.14159265358979;

double uni(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

// A smooth random field in [0,1] of the given size (cubic-upsampled coarse noise).
cv::Mat smooth_field(cv::Size size, int cells, std::mt19937& rng) {
    cv::Mat coarse(cells, cells, CV_32F);
    for (int i = 0; i < cells * cells; ++i) coarse.at<float>(i) = static_cast<float>(uni(rng, 0, 1));
    cv::Mat f;
    cv::resize(coarse, f, size, 0, 0, cv::INTER_CUBIC);
    return cv::min(cv::max(f, 0.0), 1.0);
}

void blob(cv::Mat& o, std::mt19937& rng) {
    const double s = o.cols;
    const cv::Point2d c(uni(rng, 0.1, 0.9) * s, uni(rng, 0.1, 0.9) * s);
    const double r = uni(rng, 0.15, 0.4) * s;
    double a[4], ph[4];
    for (int k = 1; k <= 3; ++k) {
        a[k] = uni(rng, 0, 0.25 / k);
        ph[k] = uni(rng, 0, 2 * kPi);
    }
    std::vector<cv::Point> pts;
    for (int i = 0; i < 72; ++i) {
        const double t = 2 * kPi * i / 72;
        double rr = r;
        for (int k = 1; k <= 3; ++k) rr *= 1 + a[k] * std::sin(k * t + ph[k]);
        pts.emplace_back(cvRound(c.x + rr * std::cos(t)), cvRound(c.y + rr * std::sin(t)));
    }
    cv::fillPoly(o, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(1));
}

void limb(cv::Mat& o, cv::Point2d p, double angle, double len, double width, int depth, std::mt19937& rng) {
    const int segments = 6;
    for (int i = 0; i < segments; ++i) {
        angle += uni(rng, -0.35, 0.35);
        const cv::Point2d q = p + cv::Point2d(std::cos(angle), std::sin(angle)) * (len / segments);
        cv::line(o, p, q, cv::Scalar(1), std::max(1, cvRound(width)), cv::LINE_AA);
        if (depth > 0 && uni(rng, 0, 1) < 0.35) {
            limb(o, q, angle + (uni(rng, 0, 1) < 0.5 ? -1 : 1) * uni(rng, 0.4, 1.1), len * uni(rng, 0.3, 0.6),
                 width * 0.6, depth - 1, rng);
        }
        width *= 0.9;
        p = q;
    }
    if (depth == 0 && uni(rng, 0, 1) < 0.6) {  // a cluster of leaves at the twig's end
        const int leaves = 3 + static_cast<int>(uni(rng, 0, 6));
        for (int k = 0; k < leaves; ++k) {
            const cv::Point2d c = p + cv::Point2d(uni(rng, -1, 1), uni(rng, -1, 1)) * (o.cols * 0.05);
            const double l = o.cols * uni(rng, 0.02, 0.05);
            cv::ellipse(o, c, cv::Size(cvRound(l), cvRound(l * 0.45)), uni(rng, 0, 180), 0, 360, cv::Scalar(1), -1,
                        cv::LINE_AA);
        }
    }
}

void branch(cv::Mat& o, std::mt19937& rng) {
    const double s = o.cols;
    // Start on a random border, heading inwards.
    const int side = static_cast<int>(uni(rng, 0, 4));
    const double t = uni(rng, 0.1, 0.9) * s;
    const cv::Point2d starts[4] = {{t, 0}, {s - 1, t}, {t, s - 1}, {0, t}};
    const double headings[4] = {kPi / 2, kPi, -kPi / 2, 0};
    limb(o, starts[side], headings[side] + uni(rng, -0.6, 0.6), s * uni(rng, 0.7, 1.3), s * uni(rng, 0.03, 0.08), 2,
         rng);
}

void person(cv::Mat& o, std::mt19937& rng) {
    const double s = o.cols;
    const double h = s * uni(rng, 0.06, 0.13);  // head radius
    const cv::Point2d head(uni(rng, 0.2, 0.8) * s, uni(rng, 0.1, 0.6) * s);
    cv::ellipse(o, head, cv::Size(cvRound(h), cvRound(h * 1.2)), 0, 0, 360, cv::Scalar(1), -1, cv::LINE_AA);
    const double neck = head.y + h * 1.1;
    const double shoulder = h * uni(rng, 1.6, 2.2);
    std::vector<cv::Point> body = {
        {cvRound(head.x - h * 0.4), cvRound(neck - h * 0.2)},  {cvRound(head.x + h * 0.4), cvRound(neck - h * 0.2)},
        {cvRound(head.x + shoulder), cvRound(neck + h * 0.6)}, {cvRound(head.x + shoulder * 1.1), cvRound(s * 1.5)},
        {cvRound(head.x - shoulder * 1.1), cvRound(s * 1.5)},  {cvRound(head.x - shoulder), cvRound(neck + h * 0.6)}};
    cv::fillPoly(o, std::vector<std::vector<cv::Point>>{body}, cv::Scalar(1), cv::LINE_AA);
}

void hat(cv::Mat& o, std::mt19937& rng) {
    const double s = o.cols;
    const cv::Point2d c(uni(rng, 0.2, 0.8) * s, uni(rng, 0.3, 0.7) * s);
    const double brim = s * uni(rng, 0.2, 0.4);
    cv::ellipse(o, c, cv::Size(cvRound(brim), cvRound(brim * uni(rng, 0.2, 0.45))), 0, 0, 360, cv::Scalar(1), -1,
                cv::LINE_AA);
    const double dome = brim * uni(rng, 0.45, 0.65);
    cv::ellipse(o, c - cv::Point2d(0, dome * 0.3), cv::Size(cvRound(dome), cvRound(dome * uni(rng, 0.6, 1.0))), 0, 180,
                360, cv::Scalar(1), -1, cv::LINE_AA);
}

// The occluder's silhouette as cast on the surface: a shape, then a random projection (rotation,
// stretch, shear), since the sun rarely shines straight down the viewing axis.
cv::Mat occluder(int side, std::mt19937& rng) {
    cv::Mat o(side, side, CV_32F, cv::Scalar(0));
    const int shapes = uni(rng, 0, 1) < 0.25 ? 2 : 1;
    for (int k = 0; k < shapes; ++k) {
        const double pick = uni(rng, 0, 1);
        if (pick < 0.35) {
            blob(o, rng);
        } else if (pick < 0.65) {
            branch(o, rng);
        } else if (pick < 0.85) {
            person(o, rng);
        } else {
            hat(o, rng);
        }
    }
    const cv::Point2f c(side / 2.0F, side / 2.0F);
    cv::Mat a = cv::getRotationMatrix2D(c, uni(rng, -180, 180), 1.0);
    const double sx = uni(rng, 0.8, 1.3), shear = uni(rng, -0.4, 0.4);
    cv::Mat m = (cv::Mat_<double>(3, 3) << sx, shear, 0, 0, 1 / sx, 0, 0, 0, 1);
    cv::Mat a3 = cv::Mat::eye(3, 3, CV_64F);
    a.copyTo(a3(cv::Rect(0, 0, 3, 2)));
    const cv::Mat t1 = (cv::Mat_<double>(3, 3) << 1, 0, c.x, 0, 1, c.y, 0, 0, 1);
    const cv::Mat t0 = (cv::Mat_<double>(3, 3) << 1, 0, -c.x, 0, 1, -c.y, 0, 0, 1);
    const cv::Mat full = a3 * t1 * m * t0;
    cv::Mat warped;
    cv::warpAffine(o, warped, full(cv::Rect(0, 0, 3, 2)), o.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    return warped;
}

}  // namespace

SyntheticShadow synthesize_shadow(const cv::Mat& clean, std::mt19937& rng) {
    const int side = std::max(clean.cols, clean.rows);
    const cv::Size size = clean.size();
    cv::Mat occ;
    for (int attempt = 0; attempt < 12; ++attempt) {
        occ = occluder(side, rng)(cv::Rect(0, 0, size.width, size.height)).clone();
        const double cover = cv::mean(occ)[0];
        if (cover > 0.06 && cover < 0.6) break;
    }
    // Penumbra: a narrow and a wide blur, mixed by a smooth field, so the edge is sharp where
    // the occluder touches the surface and soft where it is far away. Hard shadows keep both narrow.
    const bool soft = uni(rng, 0, 1) < 0.6;
    const double s = side / 128.0;
    const double narrow = s * uni(rng, 0.3, 1.2);
    const double wide = soft ? s * uni(rng, 3.0, 9.0) : s * uni(rng, 1.0, 2.5);
    cv::Mat a_narrow, a_wide;
    cv::GaussianBlur(occ, a_narrow, cv::Size(), narrow);
    cv::GaussianBlur(occ, a_wide, cv::Size(), wide);
    const cv::Mat w = smooth_field(size, 3 + static_cast<int>(uni(rng, 0, 3)), rng);
    cv::Mat alpha = a_narrow.mul(1 - w) + a_wide.mul(w);
    alpha = cv::min(cv::max(alpha, 0.0), 1.0);

    // Attenuation in linear light: the ambient that remains is bluer than direct sunlight, and
    // varies a little over the shadow (ambient occlusion, inter-reflections).
    const double k = uni(rng, 0.18, 0.65);
    const double tint = uni(rng, 0.0, 0.35);
    const double kc[3] = {k * (1 - 0.5 * tint), k * (1 - 0.1 * tint), std::min(0.95, k * (1 + tint))};  // R, G, B
    const cv::Mat vary = smooth_field(size, 4, rng) * uni(rng, 0.0, 0.25) + (1 - 0.125);
    cv::Mat lin;
    clean.convertTo(lin, CV_32F, 1.0 / 255.0);
    cv::pow(lin, 2.2, lin);
    std::vector<cv::Mat> ch;
    cv::split(lin, ch);
    for (int c = 0; c < 3; ++c) {
        const cv::Mat factor = cv::min(kc[c] * vary, 1.0);
        const cv::Mat keep = 1 - alpha.mul(1 - factor);  // 1 in the light, factor in the umbra
        ch[c] = ch[c].mul(keep);
    }
    cv::merge(ch, lin);
    cv::pow(lin, 1 / 2.2, lin);
    SyntheticShadow out;
    lin.convertTo(out.shadowed, CV_8U, 255.0);
    out.alpha = alpha;

    // The painted mask: everything visibly darkened, grown by a brush margin that wobbles along
    // the edge (people paint roughly, and generously).
    const cv::Mat visible = alpha > 0.06;
    cv::Mat outside_dist;
    cv::distanceTransform(~visible, outside_dist, cv::DIST_L2, 3);
    const double margin = s * uni(rng, 1.5, 10.0);
    const cv::Mat wobble = smooth_field(size, 6, rng) * (margin * 1.2) + (margin * 0.4);
    out.painted = outside_dist <= wobble;
    out.painted.setTo(255, visible);
    return out;
}

}  // namespace restora
