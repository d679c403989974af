// The thin-structure fill of remove-damage (engines/damage.h): per damaged region, OpenCV's Telea
// fill on a small crop (the damage is a few px wide, so the fill reaches across from both sides),
// then grain: luma noise shaped like fine film grain, with the standard deviation of the photo's
// own grain on a ring of known pixels around that region, so a repaired scratch does not show as
// a soft line in a grainy scan. Only masked pixels change.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "restora/core/engines/damage.h"

namespace restora {

namespace {

constexpr int kMergeGap = 8;         // mask parts closer than this are filled as one crop
constexpr int kMargin = 8;           // known pixels around each crop
constexpr int kRing = 6;             // the ring of known pixels the grain is measured on
constexpr double kGrainScale = 1.4;  // the 3x3 median residual sees about 70% of grain

cv::Mat luma_f(const cv::Mat& bgr) {
    cv::Mat y;
    if (bgr.channels() == 1)
        bgr.convertTo(y, CV_32F);
    else {
        std::vector<cv::Mat> ch;
        cv::split(bgr, ch);
        cv::Mat b, g, r;
        ch[0].convertTo(b, CV_32F);
        ch[1].convertTo(g, CV_32F);
        ch[2].convertTo(r, CV_32F);
        y = 0.114 * b + 0.587 * g + 0.299 * r;
    }
    return y;
}

// Telea on one crop of any supported layout; alpha (4th channel) untouched.
cv::Mat telea(const cv::Mat& crop, const cv::Mat& m) {
    std::vector<cv::Mat> ch;
    cv::split(crop, ch);
    const int colour = std::min(3, crop.channels());
    if (crop.depth() == CV_8U && colour == 3) {
        cv::Mat bgr, out;
        cv::merge(std::vector<cv::Mat>(ch.begin(), ch.begin() + 3), bgr);
        cv::inpaint(bgr, m, out, 3, cv::INPAINT_TELEA);
        std::vector<cv::Mat> o;
        cv::split(out, o);
        for (int c = 0; c < 3; ++c) ch[c] = o[c];
    } else {
        for (int c = 0; c < colour; ++c) {
            cv::Mat o;
            cv::inpaint(ch[c], m, o, 3, cv::INPAINT_TELEA);
            ch[c] = o;
        }
    }
    cv::Mat out;
    cv::merge(ch, out);
    return out;
}

}  // namespace

cv::Mat fill_damage(const cv::Mat& image, const cv::Mat& mask, double grain, const JobControl& job) {
    CV_Assert(mask.type() == CV_8U && mask.size() == image.size());
    cv::Mat out = image.clone();
    const cv::Mat hole = mask != 0;
    if (cv::countNonZero(hole) == 0) return out;
    cv::Mat joined, labels, stats, centroids;
    cv::dilate(hole, joined, cv::getStructuringElement(cv::MORPH_RECT, {kMergeGap + 1, kMergeGap + 1}));
    const int n = cv::connectedComponentsWithStats(joined, labels, stats, centroids, 8, CV_32S);
    const cv::Rect all(0, 0, image.cols, image.rows);
    const double top = image.depth() == CV_16U ? 65535.0 : 255.0;
    const double level = top / 255.0;  // one 8-bit level in the image's units
    for (int k = 1; k < n; ++k) {
        if (k % 64 == 0) job.cancel.throw_if_requested();
        const cv::Rect box(stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                           stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT));
        const cv::Rect crop =
            cv::Rect(box.x - kMargin, box.y - kMargin, box.width + 2 * kMargin, box.height + 2 * kMargin) & all;
        // Only this region's hole (another region's pixels inside the crop are filled on their own).
        const cv::Mat m = hole(crop) & (labels(crop) == k);
        if (cv::countNonZero(m) == 0) continue;
        cv::Mat filled = telea(out(crop), m);
        if (grain > 0) {
            // The photo's grain on a ring of known pixels: luma minus its 3x3 median.
            const cv::Mat y = luma_f(out(crop).channels() == 4 ? out(crop).clone() : out(crop));
            cv::Mat y8, med;
            y.convertTo(y8, CV_8U, 1.0 / level);
            cv::medianBlur(y8, med, 3);
            med.convertTo(med, CV_32F, level);
            const cv::Mat e = cv::abs(y - med);
            cv::Mat ring, known_near;
            cv::dilate(hole(crop), ring, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * kRing + 1, 2 * kRing + 1}));
            cv::dilate(hole(crop), known_near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
            ring &= ~known_near;
            ring &= e < 30 * level;
            if (cv::countNonZero(ring) >= 8) {
                const double sigma = 1.2533 * cv::mean(e, ring)[0] * kGrainScale * grain;
                cv::Mat noise(crop.size(), CV_32F);
                cv::RNG rng(0x9e3779b97f4a7c15ULL ^ (static_cast<uint64_t>(crop.x) << 32) ^
                            static_cast<uint64_t>(crop.y));
                rng.fill(noise, cv::RNG::NORMAL, 0, 1);
                cv::GaussianBlur(noise, noise, cv::Size(3, 3), 0.6);
                cv::Scalar mu, sd;
                cv::meanStdDev(noise, mu, sd);
                noise = (noise - mu[0]) * (sigma / std::max(sd[0], 1e-6));
                const int ch = filled.channels();
                for (int yy = 0; yy < crop.height; ++yy) {
                    const uint8_t* mp = m.ptr<uint8_t>(yy);
                    const float* np = noise.ptr<float>(yy);
                    for (int xx = 0; xx < crop.width; ++xx) {
                        if (mp[xx] == 0) continue;
                        for (int c = 0; c < std::min(3, ch); ++c) {
                            if (filled.depth() == CV_8U) {
                                uint8_t& v = filled.ptr<uint8_t>(yy)[xx * ch + c];
                                v = cv::saturate_cast<uint8_t>(v + np[xx]);
                            } else {
                                uint16_t& v = filled.ptr<uint16_t>(yy)[xx * ch + c];
                                v = cv::saturate_cast<uint16_t>(v + np[xx]);
                            }
                        }
                    }
                }
            }
        }
        filled.copyTo(out(crop), m);
    }
    return out;
}

}  // namespace restora
