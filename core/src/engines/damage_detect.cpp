// The classical old-photo damage detector (engines/damage.h). Damage is thin or small and differs
// from its surroundings much more than the photo's grain and texture do there:
//   1. residuals of luma against its median at three scales (5 and 9 px at full size, 9 px at half
//      size: structures up to about 2, 4 and 8 px wide), bright and dark apart;
//   2. each residual divided by the local texture level (the mean absolute residual in a 31 px
//      window, plus a floor), so grain and busy texture need more to count;
//   3. hysteresis: seeds above a high threshold grow through pixels above half of it;
//   4. shape: a part is kept when it is thin (twice its area over its boundary, at most a few px)
//      and elongated, or when it is a small speck; wide blobs are texture or picture detail.
// The sensitivity (0..1) moves the thresholds. Measured in docs/QUALITY.md ("Old-photo damage").
#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "restora/core/engines/damage.h"

namespace restora {

namespace {

cv::Mat luma8(const cv::Mat& image) {
    cv::Mat m = image;
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    cv::Mat y;
    if (m.channels() == 4)
        cv::cvtColor(m, y, cv::COLOR_BGRA2GRAY);
    else if (m.channels() == 3)
        cv::cvtColor(m, y, cv::COLOR_BGR2GRAY);
    else
        y = m.clone();
    return y;
}

// y - median(y, k) as float; `edge`: the median image's local contrast (3x3 max - min), where
// the median itself bends round picture edges.
cv::Mat residual(const cv::Mat& y8, int k, cv::Mat* edge = nullptr) {
    cv::Mat med, a, b;
    cv::medianBlur(y8, med, k);
    y8.convertTo(a, CV_32F);
    med.convertTo(b, CV_32F);
    if (edge != nullptr) {
        cv::Mat g;
        cv::morphologyEx(med, g, cv::MORPH_GRADIENT, cv::Mat());
        g.convertTo(*edge, CV_32F);
    }
    return a - b;
}

constexpr float kEdgeShare = 0.2f;  // of the local edge contrast a residual must exceed as well

// Residual / (local texture level (window `win`) + a share of the edge contrast + floor, in levels).
cv::Mat normalised(const cv::Mat& r, const cv::Mat& edge, int win, float floor) {
    cv::Mat level;
    cv::boxFilter(cv::abs(r), level, CV_32F, cv::Size(win, win), cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    return r / (1.25f * level + kEdgeShare * edge + floor);
}

struct Thresholds {
    float high, low, contrast;  // normalised seed and grow thresholds; a speck's least peak residual (levels)
};

Thresholds thresholds(double s) {
    s = std::clamp(s, 0.0, 1.0);
    const float high = static_cast<float>(4.8 - 4.0 * s);
    return {high, 0.5f * high, static_cast<float>(18.3 - 17.4 * s)};
}

// Hysteresis on z >= high (seeds) within z >= low, then the shape test per part. z: CV_32F,
// r: the matching residual in levels (for the speck contrast test).
cv::Mat select_parts(const cv::Mat& z, const cv::Mat& r, const Thresholds& t) {
    const cv::Mat cand = z >= t.low;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(cand, labels, stats, centroids, 8, CV_32S);
    std::vector<uint8_t> seeded(static_cast<size_t>(n), 0);
    std::vector<int> boundary(static_cast<size_t>(n), 0);
    std::vector<float> peak(static_cast<size_t>(n), 0.f);
    cv::Mat inner;
    cv::erode(cand, inner, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    for (int y = 0; y < z.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const float* zp = z.ptr<float>(y);
        const float* rp = r.ptr<float>(y);
        const uint8_t* in = inner.ptr<uint8_t>(y);
        for (int x = 0; x < z.cols; ++x) {
            const int k = l[x];
            if (k == 0) continue;
            if (zp[x] >= t.high) seeded[k] = 1;
            if (in[x] == 0) ++boundary[k];
            peak[k] = std::max(peak[k], rp[x]);
        }
    }
    std::vector<uint8_t> keep(static_cast<size_t>(n), 0);
    for (int k = 1; k < n; ++k) {
        if (!seeded[k]) continue;
        const int area = stats.at<int>(k, cv::CC_STAT_AREA);
        const double width = 2.0 * area / std::max(1, boundary[k]);  // about the stroke width
        const double length = std::max(1.0, boundary[k] / 2.0);      // about the stroke length
        const bool speck = area <= 120 && peak[k] >= t.contrast;
        const bool stroke = width <= 9 && length >= 4 * width && length >= 8;
        keep[k] = speck || stroke;
    }
    cv::Mat out(z.size(), CV_8U, cv::Scalar(0));
    for (int y = 0; y < z.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uint8_t* o = out.ptr<uint8_t>(y);
        for (int x = 0; x < z.cols; ++x) o[x] = keep[l[x]] ? 255 : 0;
    }
    return out;
}

}  // namespace

double grain_level(const cv::Mat& image) {
    const cv::Mat y = luma8(image);
    const cv::Mat r = cv::abs(residual(y, 3));
    const cv::Mat ok = r < 30;  // leave damage and edges out
    return 1.6 * cv::mean(r, ok)[0];
}

cv::Mat detect_damage(const cv::Mat& image, double sensitivity, const JobControl& job) {
    if (image.empty()) return {};
    const cv::Mat y = luma8(image);
    const Thresholds t = thresholds(sensitivity);
    const float floor = 2.0f;
    // Residuals at three scales; the strongest normalised response per pixel, per polarity.
    cv::Mat e1, e2, e3;
    cv::Mat r1 = residual(y, 5, &e1), r2 = residual(y, 9, &e2);
    cv::Mat yh;
    cv::resize(y, yh, cv::Size((y.cols + 1) / 2, (y.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    cv::Mat r3 = residual(yh, 9, &e3);
    cv::Mat z3 = normalised(r3, e3, 17, floor);
    cv::resize(r3, r3, y.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(z3, z3, y.size(), 0, 0, cv::INTER_LINEAR);
    job.cancel.throw_if_requested();
    const cv::Mat z1 = normalised(r1, e1, 31, floor), z2 = normalised(r2, e2, 31, floor);
    cv::Mat mask(y.size(), CV_8U, cv::Scalar(0));
    for (int sign : {1, -1}) {
        const float k = static_cast<float>(sign);
        const cv::Mat za = z1 * k, zb = z2 * k, zc = z3 * k, ra = r1 * k, rb = r2 * k, rc = r3 * k;
        cv::Mat z = cv::max(cv::max(za, zb), zc);
        cv::Mat r = cv::max(cv::max(ra, rb), rc);
        cv::bitwise_or(mask, select_parts(z, r, t), mask);
        job.cancel.throw_if_requested();
    }
    // Cover the antialiased edges of what was found.
    cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
    return mask;
}

}  // namespace restora
