// The classical measurements behind the analysis: noise (Immerkaer's Laplacian difference,
// robust over blocks), JPEG blockiness on the 8x8 grid, blur (Crete-Roffet re-blur ratio of the
// sharpest regions), the dark channel (haze), tone and colour statistics, and the text detector's
// regions. Pixel-scale measures (noise, blockiness, blur) look at the photo at full resolution;
// tone and colour at a copy of at most kToneSide on the long side.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "restora/core/analysis.h"
#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/text_detect.h"

namespace restora {

namespace {

constexpr int kToneSide = 512;
constexpr int kNoiseBlock = 16;
constexpr int kBlurBlock = 64;
// A 12-MP photo is measured on at most this many pixels for noise, blockiness and blur: a centred
// crop (the measures are per-pixel statistics, so a crop keeps their scale; the text detector and
// the tone statistics see the whole photo).
constexpr double kMaxMeasurePixels = 4.2e6;

double percentile(std::vector<float> v, double p) {
    if (v.empty()) return 0;
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

cv::Mat to_bgr8(const cv::Mat& pixels) {
    cv::Mat m = pixels;
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    if (m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
    return m;
}

// A centred crop of at most kMaxMeasurePixels, its sides multiples of 8 from the photo's origin
// so the JPEG grid keeps its phase.
cv::Mat measure_crop(const cv::Mat& m) {
    const double px = static_cast<double>(m.total());
    if (px <= kMaxMeasurePixels) return m;
    const double f = std::sqrt(kMaxMeasurePixels / px);
    const int w = static_cast<int>(m.cols * f) / 8 * 8;
    const int h = static_cast<int>(m.rows * f) / 8 * 8;
    const int x = (m.cols - w) / 2 / 8 * 8;
    const int y = (m.rows - h) / 2 / 8 * 8;
    return m(cv::Rect(x, y, w, h));
}

// Immerkaer (1996): sigma = sqrt(pi/2) / 6 * mean |I * N| with N the difference of two
// Laplacians, which cancels smooth image structure. Per 16x16 block; the 10th percentile of the
// blocks (texture only adds) among blocks that are not clipped, corrected by the factor that the
// same percentile gives on pure Gaussian noise (kNoisePercentileGain, measured: docs/QUALITY.md).
constexpr double kNoisePercentileGain = 0.93;
std::pair<double, double> noise_sigma_of(const cv::Mat& bgr8) {
    const cv::Mat kernel = (cv::Mat_<float>(3, 3) << 1, -2, 1, -2, 4, -2, 1, -2, 1);
    std::vector<cv::Mat> planes;
    cv::split(bgr8, planes);
    const int bw = bgr8.cols / kNoiseBlock;
    const int bh = bgr8.rows / kNoiseBlock;
    if (bw < 2 || bh < 2) return {0, 0};
    const cv::Rect whole(0, 0, bw * kNoiseBlock, bh * kNoiseBlock);
    std::vector<double> sigmas, medians;
    for (const cv::Mat& p8 : planes) {
        cv::Mat p;
        p8(whole).convertTo(p, CV_32F);
        cv::Mat r;
        cv::filter2D(p, r, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
        r = cv::abs(r);
        // Pixels next to the clip levels hide noise: a block with any of them is left out.
        cv::Mat clipped = (p8(whole) <= 1) | (p8(whole) >= 254);
        cv::Mat clip_f;
        clipped.convertTo(clip_f, CV_32F, 1.0 / 255.0);
        cv::Mat block_r, block_clip;
        cv::resize(r, block_r, cv::Size(bw, bh), 0, 0, cv::INTER_AREA);
        cv::resize(clip_f, block_clip, cv::Size(bw, bh), 0, 0, cv::INTER_AREA);
        std::vector<float> values;
        values.reserve(static_cast<size_t>(bw) * bh);
        for (int y = 0; y < bh; ++y) {
            for (int x = 0; x < bw; ++x) {
                if (block_clip.at<float>(y, x) < 0.01f) values.push_back(block_r.at<float>(y, x));
            }
        }
        if (values.size() < 8) continue;
        sigmas.push_back(std::sqrt(M_PI / 2.0) / 6.0 * percentile(values, 0.10) / kNoisePercentileGain);
        medians.push_back(std::sqrt(M_PI / 2.0) / 6.0 * percentile(values, 0.5));
    }
    if (sigmas.empty()) return {0, 0};
    const double n = static_cast<double>(sigmas.size());
    return {std::accumulate(sigmas.begin(), sigmas.end(), 0.0) / n,
            std::accumulate(medians.begin(), medians.end(), 0.0) / n};
}

// The mean absolute neighbour difference across each phase of the 8-pixel grid, horizontally and
// vertically; blockiness is how much the strongest phase exceeds the mean of the other seven.
double blockiness_of(const cv::Mat& grey) {
    if (grey.cols < 32 || grey.rows < 32) return 0;
    cv::Mat g;
    grey.convertTo(g, CV_32F);
    auto excess = [](const cv::Mat& diff, bool columns) {
        cv::Mat profile;
        cv::reduce(diff, profile, columns ? 0 : 1, cv::REDUCE_AVG, CV_64F);
        double phase[8] = {};
        int count[8] = {};
        const int n = static_cast<int>(profile.total());
        for (int i = 0; i < n; ++i) {
            phase[i % 8] += profile.at<double>(i);
            ++count[i % 8];
        }
        int best = 0;
        for (int k = 0; k < 8; ++k) {
            phase[k] /= std::max(1, count[k]);
            if (phase[k] > phase[best]) best = k;
        }
        double others = 0;
        for (int k = 0; k < 8; ++k) {
            if (k != best) others += phase[k];
        }
        others /= 7.0;
        return others > 1e-6 ? phase[best] / others - 1.0 : 0.0;
    };
    const cv::Mat dh = cv::abs(g(cv::Rect(1, 0, g.cols - 1, g.rows)) - g(cv::Rect(0, 0, g.cols - 1, g.rows)));
    const cv::Mat dv = cv::abs(g(cv::Rect(0, 1, g.cols, g.rows - 1)) - g(cv::Rect(0, 0, g.cols, g.rows - 1)));
    // Both directions must show the grid: the smaller of the two.
    return std::max(0.0, std::min(excess(dh, true), excess(dv, false)));
}

// Crete-Roffet et al. (2007): blur the photo along one direction with a 9-tap box and see how
// much of its neighbour variation survives; a blurred photo loses little. Per 64x64 block of the
// more textured half; the sharpest decile of blocks decides (a shallow depth of field leaves some
// regions sharp; a blurred photo has none).
double blur_metric_of(const cv::Mat& grey, double prefilter) {
    cv::Mat g;
    grey.convertTo(g, CV_32F);
    if (prefilter > 0) cv::GaussianBlur(g, g, cv::Size(), prefilter);
    const int bw = g.cols / kBlurBlock;
    const int bh = g.rows / kBlurBlock;
    if (bw < 1 || bh < 1) return 0;
    cv::Mat bh_img, bv_img;
    cv::blur(g, bh_img, cv::Size(9, 1), cv::Point(-1, -1), cv::BORDER_REFLECT);
    cv::blur(g, bv_img, cv::Size(1, 9), cv::Point(-1, -1), cv::BORDER_REFLECT);
    auto shifted_diff = [](const cv::Mat& m, bool horizontal) {
        cv::Mat d(m.size(), CV_32F, cv::Scalar(0));
        if (horizontal) {
            cv::Mat a = cv::abs(m(cv::Rect(1, 0, m.cols - 1, m.rows)) - m(cv::Rect(0, 0, m.cols - 1, m.rows)));
            a.copyTo(d(cv::Rect(1, 0, m.cols - 1, m.rows)));
        } else {
            cv::Mat a = cv::abs(m(cv::Rect(0, 1, m.cols, m.rows - 1)) - m(cv::Rect(0, 0, m.cols, m.rows - 1)));
            a.copyTo(d(cv::Rect(0, 1, m.cols, m.rows - 1)));
        }
        return d;
    };
    const cv::Rect whole(0, 0, bw * kBlurBlock, bh * kBlurBlock);
    std::vector<float> blocks;
    cv::Mat sums[2][2];
    for (int dir = 0; dir < 2; ++dir) {
        const bool horizontal = dir == 0;
        const cv::Mat df = shifted_diff(g, horizontal);
        const cv::Mat db = shifted_diff(horizontal ? bh_img : bv_img, horizontal);
        cv::Mat v = cv::max(df - db, 0.0);
        cv::resize(df(whole), sums[dir][0], cv::Size(bw, bh), 0, 0, cv::INTER_AREA);
        cv::resize(v(whole), sums[dir][1], cv::Size(bw, bh), 0, 0, cv::INTER_AREA);
    }
    // The more textured half of the blocks (a blurred photo has no block with much variation
    // left, so the threshold is relative), above a floor for flat skies.
    std::vector<float> texture;
    for (int y = 0; y < bh; ++y) {
        for (int x = 0; x < bw; ++x) {
            texture.push_back(std::min(sums[0][0].at<float>(y, x), sums[1][0].at<float>(y, x)));
        }
    }
    const float floor = std::max(0.1f, static_cast<float>(percentile(texture, 0.5)));
    for (int y = 0; y < bh; ++y) {
        for (int x = 0; x < bw; ++x) {
            if (texture[static_cast<size_t>(y) * bw + x] < floor) continue;
            float worst = 0;
            for (int dir = 0; dir < 2; ++dir) {
                const float sd = sums[dir][0].at<float>(y, x);
                const float sv = sums[dir][1].at<float>(y, x);
                worst = std::max(worst, sd > 0 ? (sd - sv) / sd : 1.0f);
            }
            blocks.push_back(worst);
        }
    }
    if (blocks.size() < 4) return 0;
    return percentile(blocks, 0.10);
}

void tone_and_colour(const cv::Mat& bgr8, AnalysisMeasures& m) {
    cv::Mat small = bgr8;
    const int side = std::max(bgr8.cols, bgr8.rows);
    if (side > kToneSide) {
        const double f = static_cast<double>(kToneSide) / side;
        cv::resize(bgr8, small, cv::Size(), f, f, cv::INTER_AREA);
    }
    // Dark channel (He et al. 2009): the minimum over the channels and a patch; haze lifts it.
    cv::Mat minc;
    std::vector<cv::Mat> planes;
    cv::split(small, planes);
    minc = cv::min(cv::min(planes[0], planes[1]), planes[2]);
    const int patch = std::max(3, std::min(small.cols, small.rows) / 32) | 1;
    cv::Mat dark;
    cv::erode(minc, dark, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(patch, patch)));
    std::vector<float> dv(dark.begin<uint8_t>(), dark.end<uint8_t>());
    m.dark_channel = percentile(dv, 0.5) / 255.0;
    cv::Mat grey;
    cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
    // The airlight: the brightness of the photo where the dark channel is highest (top 0.1 %).
    const double top = percentile(dv, 0.999);
    const cv::Scalar air = cv::mean(grey, dark >= top);
    m.airlight = air[0] / 255.0;
    std::vector<float> lv(grey.begin<uint8_t>(), grey.end<uint8_t>());
    m.luma_median = percentile(lv, 0.5) / 255.0;
    m.luma_p99 = percentile(lv, 0.99) / 255.0;
    m.luma_p1 = percentile(lv, 0.01) / 255.0;
    cv::Mat lab;
    cv::cvtColor(small, lab, cv::COLOR_BGR2Lab);
    std::vector<cv::Mat> labp;
    cv::split(lab, labp);
    cv::Mat a, b;
    labp[1].convertTo(a, CV_32F, 1.0, -128.0);
    labp[2].convertTo(b, CV_32F, 1.0, -128.0);
    const double ma = cv::mean(a)[0];
    const double mb = cv::mean(b)[0];
    // A cast shifts even the photo's most neutral pixels; a colourful scene keeps them grey.
    cv::Mat c0;
    cv::magnitude(a, b, c0);
    std::vector<float> cv0(c0.begin<float>(), c0.end<float>());
    const double quiet = percentile(cv0, 0.25);
    const cv::Mat neutral = c0 <= quiet;
    m.cast = std::hypot(cv::mean(a, neutral)[0], cv::mean(b, neutral)[0]);
    cv::Mat da = a - ma;
    cv::Mat db = b - mb;
    cv::Mat chroma;
    cv::magnitude(da, db, chroma);
    m.chroma_mean = cv::mean(chroma)[0];
}

int count_text(const cv::Mat& bgr8, const AnalysisOptions& options, ModelCache* models) {
    const ModelStatus s = find_model(kTextDetectorId);
    if (s.state != ModelState::Installed) return -1;
    OpContext ctx;
    ctx.device = options.device;
    ctx.models = models;
    // One pass at 960 px on the long side (no coarse pass, no tiling): the analysis only counts
    // regions, and a 12-MP photo must be analysed in seconds (docs/PERFORMANCE.md).
    TextDetectOptions o;
    o.max_side = 960;
    o.min_side = 640;
    o.coarse_side = 0;
    o.tile = 992;
    // Captions and date stamps, not the signs and labels of the scene: level lines in the outer
    // bands of the frame (the bottom quarter, the top sixth), where cameras and albums put them.
    int count = 0;
    for (const TextBox& b : detect_text(bgr8, ctx, o)) {
        cv::Point2f pts[4];
        b.box.points(pts);
        float x0 = pts[0].x, x1 = pts[0].x, y0 = pts[0].y, y1 = pts[0].y;
        for (const auto& p : pts) {
            x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
        }
        const bool level = (x1 - x0) > 1.5f * (y1 - y0);
        const float cy = 0.5f * (y0 + y1) / static_cast<float>(bgr8.rows);
        if (level && (cy > 0.75f || cy < 1.0f / 6.0f)) ++count;
    }
    return count;
}

}  // namespace

AnalysisMeasures measure_photo(const cv::Mat& pixels, int file_jpeg_quality, const AnalysisOptions& options,
                               ModelCache* models) {
    AnalysisMeasures m;
    const cv::Mat bgr8 = to_bgr8(pixels);
    m.width = bgr8.cols;
    m.height = bgr8.rows;
    m.file_jpeg_quality = file_jpeg_quality;
    const cv::Mat crop = measure_crop(bgr8);
    cv::Mat grey;
    cv::cvtColor(crop, grey, cv::COLOR_BGR2GRAY);
    std::tie(m.noise_raw, m.noise_median) = noise_sigma_of(crop);
    m.blockiness = blockiness_of(grey);
    m.pixel_jpeg_quality = quality_from_blockiness(m.blockiness);
    // Under a JPEG the quietest blocks were flattened: the median block, scaled back.
    const double q = effective_jpeg_quality(m);
    m.noise_sigma = q < 92 ? std::max(m.noise_raw, m.noise_median * noise_gain_under_jpeg(q)) : m.noise_raw;
    // Noise reads as detail: smooth it away first, then take the prefilter's share out again.
    // At most 2 px: beyond, the metric hardly changes with the blur (the table is flat there).
    m.blur_prefilter = m.noise_sigma > 3 ? std::clamp(m.noise_sigma / 8.0, 1.0, 2.0) : 0.0;
    m.blur_metric = blur_metric_of(grey, m.blur_prefilter);
    const double total = blur_sigma_from_metric(m.blur_metric);
    m.blur_sigma = std::sqrt(std::max(0.0, total * total - m.blur_prefilter * m.blur_prefilter));
    tone_and_colour(bgr8, m);
    m.text_regions = options.text ? count_text(bgr8, options, models) : -1;
    return m;
}

}  // namespace restora
