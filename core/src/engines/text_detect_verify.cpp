// The check of detector candidates against the photo itself: a box is straightened into a strip,
// split into ink and background by Otsu's threshold (the ink being the class that the strip's
// border touches least), and described by its contrast, ink share, stroke width and the number of
// glyph-sized ink components (TextEvidence). looks_like_text() holds the rule measured on
// text-free photos and on photos with text (docs/QUALITY.md, "Text detection").
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "restora/core/text_detect.h"

namespace restora {

namespace {

constexpr int kStripHeight = 32;
constexpr int kMaxStripWidth = 1024;

// The box's corners ordered so that p[0] -> p[1] runs along its long side.
void long_side_first(const cv::RotatedRect& r, cv::Point2f out[4]) {
    cv::Point2f p[4];
    r.points(p);
    const double a = cv::norm(p[1] - p[0]);
    const double b = cv::norm(p[2] - p[1]);
    const int s = a >= b ? 0 : 1;
    for (int i = 0; i < 4; ++i) out[i] = p[(i + s) % 4];
}

}  // namespace

cv::Mat text_strip(const cv::Mat& grey8, const cv::RotatedRect& box) {
    cv::Point2f p[4];
    long_side_first(box, p);
    const double len = cv::norm(p[1] - p[0]);
    const double hgt = std::max(1.0, cv::norm(p[2] - p[1]));
    const int w = std::clamp(static_cast<int>(std::lround(kStripHeight * len / hgt)), 1, kMaxStripWidth);
    const cv::Point2f dst[4] = {
        {0, 0}, {static_cast<float>(w), 0}, {static_cast<float>(w), kStripHeight}, {0, kStripHeight}};
    const cv::Mat t = cv::getPerspectiveTransform(p, dst);
    cv::Mat strip;
    const bool shrink = hgt > kStripHeight;
    cv::Mat src = grey8;
    if (shrink) {
        // Area-average first so thin strokes survive the reduction (a smooth, not aliased, strip).
        const double k = hgt / kStripHeight;
        cv::GaussianBlur(grey8, src, cv::Size(0, 0), 0.5 * k);
    }
    cv::warpPerspective(src, strip, t, cv::Size(w, kStripHeight), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return strip;
}

TextEvidence text_evidence(const cv::Mat& grey8, const cv::RotatedRect& box) {
    TextEvidence e;
    e.long_side = std::max(box.size.width, box.size.height);
    e.short_side = std::min(box.size.width, box.size.height);
    const cv::Mat strip = text_strip(grey8, box);
    cv::Mat bin;
    const double t = cv::threshold(strip, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    // Polarity: the background is what the strip's border mostly shows.
    int border_bright = 0, border_n = 0;
    for (int x = 0; x < bin.cols; ++x) {
        border_bright += (bin.at<uint8_t>(0, x) != 0) + (bin.at<uint8_t>(bin.rows - 1, x) != 0);
        border_n += 2;
    }
    for (int y = 1; y + 1 < bin.rows; ++y) {
        border_bright += (bin.at<uint8_t>(y, 0) != 0) + (bin.at<uint8_t>(y, bin.cols - 1) != 0);
        border_n += 2;
    }
    const bool ink_dark = 2 * border_bright >= border_n;
    cv::Mat ink = ink_dark ? (strip <= t) : (strip > t);
    cv::Scalar m_ink, s_ink, m_bg, s_bg;
    cv::Mat bg;
    cv::bitwise_not(ink, bg);
    const int n_ink = cv::countNonZero(ink);
    if (n_ink == 0 || n_ink == static_cast<int>(strip.total())) return e;
    cv::meanStdDev(strip, m_ink, s_ink, ink);
    cv::meanStdDev(strip, m_bg, s_bg, bg);
    e.contrast = static_cast<float>(std::abs(m_ink[0] - m_bg[0]));
    const double pooled = std::sqrt(0.5 * (s_ink[0] * s_ink[0] + s_bg[0] * s_bg[0]));
    e.separation = static_cast<float>(e.contrast / std::max(1.0, pooled));
    e.ink_share = static_cast<float>(n_ink) / static_cast<float>(strip.total());
    // Stroke width: twice the mean distance to the background at the ink's ridges.
    cv::Mat dist;
    cv::distanceTransform(ink, dist, cv::DIST_L2, 3);
    cv::Mat dilated;
    cv::dilate(dist, dilated, cv::Mat());
    const cv::Mat ridge = (dist >= dilated) & ink;
    e.stroke = static_cast<float>(2.0 * cv::mean(dist, ridge)[0] / kStripHeight);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < n; ++i) {
        if (stats.at<int>(i, cv::CC_STAT_HEIGHT) >= kStripHeight / 4) ++e.glyphs;
    }
    return e;
}

bool looks_like_text(const TextBox& /*box*/, const TextEvidence& e) {
    // Measured on the candidates of text-free photos and of text (docs/QUALITY.md): the detector's
    // second look at the box alone separates most of them; what it still confirms on text-free
    // photos are eyes and small blobs, near-square boxes holding one ink component. Text in a
    // near-square box shows at least two glyph-sized components ("©", "7" and "8" of a date...).
    constexpr float kMinShortSide = 8;  // px: shorter boxes hold no legible text
    constexpr float kMinRecheck = 0.35f;
    constexpr float kLineAspect = 1.6f;              // long / short side of a box that reads as a line
    constexpr float kMinRecheckOneComponent = 0.7f;  // a box with a single ink component: carved stone, fur
    if (e.short_side < kMinShortSide || e.recheck < kMinRecheck) return false;
    if (e.glyphs <= 1 && e.recheck < kMinRecheckOneComponent) return false;
    return e.long_side >= kLineAspect * e.short_side || e.glyphs >= 2;
}

}  // namespace restora
