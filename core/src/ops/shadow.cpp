// remove-shadow: relights the region under a painted shadow mask. Two methods:
//  - learned: the two-view fusion network (models/include/restora/models/shadow_net.h, after Li
//    et al., ICCV 2023) on a crop with context around the grown mask;
//  - relight: classical. The shadow inside the mask is segmented by brightness, a per-channel
//    illumination ratio is measured between lit pixels just outside the shadow's edge and
//    shadowed pixels just inside it (locally, so it follows the surface along the edge), and the
//    shadow is multiplied by that ratio; across the penumbra the ratio is blended by a matte
//    estimated from the smoothed brightness, so soft and hard edges both fade out.
// Only pixels inside the grown mask change; everything else stays bit-identical.
#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

constexpr const char* kShadowModelId = "shadow-fusion-v1";

// Writes the BGR result of `crop` into the pixels of `out` selected by `mask` (crop-sized),
// keeping the image's alpha.
void paste_in_mask(const cv::Mat& result_bgr, const cv::Mat& image, const cv::Rect& crop, const cv::Mat& mask,
                   cv::Mat& out) {
    cv::Mat res = result_bgr;
    if (image.channels() == 4) {
        cv::cvtColor(result_bgr, res, cv::COLOR_BGR2BGRA);
        cv::Mat alpha;
        cv::extractChannel(image(crop), alpha, 3);
        cv::insertChannel(alpha, res, 3);
    }
    res.copyTo(out(crop), mask);
}

// BGR float in [0,1] of an 8/16-bit BGR(A) crop.
cv::Mat to_float_bgr(const cv::Mat& crop) {
    cv::Mat bgr;
    if (crop.channels() == 4) {
        cv::cvtColor(crop, bgr, cv::COLOR_BGRA2BGR);
    } else {
        bgr = crop;
    }
    cv::Mat f;
    bgr.convertTo(f, CV_32F, crop.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    return f;
}

cv::Mat from_float_bgr(const cv::Mat& f, int depth) {
    cv::Mat out;
    f.convertTo(out, depth, depth == CV_16U ? 65535.0 : 255.0);
    return out;
}

cv::Mat disc(int radius) {
    return cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * radius + 1, 2 * radius + 1});
}

// Normalised convolution: the Gaussian-weighted mean of `values` over the pixels where
// `weight` is 1, with `fallback` where no such pixels are near.
cv::Mat local_mean(const cv::Mat& values, const cv::Mat& weight, double sigma, double fallback) {
    cv::Mat num, den;
    cv::GaussianBlur(values.mul(weight), num, cv::Size(), sigma);
    cv::GaussianBlur(weight, den, cv::Size(), sigma);
    constexpr double kEps = 1e-3;
    return (num + kEps * fallback) / (den + kEps);
}

double median_of(const cv::Mat& values, const cv::Mat& where) {
    std::vector<float> v;
    for (int y = 0; y < values.rows; ++y) {
        for (int x = 0; x < values.cols; ++x) {
            if (where.at<uint8_t>(y, x) != 0) v.push_back(values.at<float>(y, x));
        }
    }
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

// Otsu's threshold on float values at the selected pixels (64 bins).
double otsu(const cv::Mat& values, const cv::Mat& where) {
    double lo = 1e9, hi = -1e9;
    cv::minMaxLoc(values, &lo, &hi, nullptr, nullptr, where);
    if (!(hi > lo)) return lo;
    constexpr int kBins = 64;
    std::vector<double> hist(kBins, 0);
    double total = 0;
    for (int y = 0; y < values.rows; ++y) {
        for (int x = 0; x < values.cols; ++x) {
            if (where.at<uint8_t>(y, x) == 0) continue;
            const int b = std::min(kBins - 1, static_cast<int>((values.at<float>(y, x) - lo) / (hi - lo) * kBins));
            hist[b] += 1;
            total += 1;
        }
    }
    double sum_all = 0;
    for (int b = 0; b < kBins; ++b) sum_all += b * hist[b];
    double w0 = 0, sum0 = 0, best = -1;
    int best_bin = kBins / 2;
    for (int b = 0; b < kBins - 1; ++b) {
        w0 += hist[b];
        sum0 += b * hist[b];
        const double w1 = total - w0;
        if (w0 == 0 || w1 == 0) continue;
        const double m0 = sum0 / w0, m1 = (sum_all - sum0) / w1;
        const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (between > best) {
            best = between;
            best_bin = b;
        }
    }
    return lo + (best_bin + 1) * (hi - lo) / kBins;
}

// The classical method on a float BGR crop; `mask` (crop-sized, 0/255) is the grown mask.
cv::Mat relight(const cv::Mat& bgr, const cv::Mat& mask) {
    const cv::Rect box = cv::boundingRect(mask);
    const double extent = std::max(box.width, box.height);
    const int edge = std::max(2, static_cast<int>(std::lround(extent * 0.02)));   // skipped around the edge
    const int band = std::max(4, static_cast<int>(std::lround(extent * 0.06)));   // sampled beyond that
    const double sigma = std::max(6.0, extent * 0.12);                            // locality of the ratio
    constexpr float kFloor = 1.0F / 1024;

    cv::Mat logc;
    cv::log(cv::max(bgr, kFloor), logc);
    std::vector<cv::Mat> logs;
    cv::split(logc, logs);
    cv::Mat lum;
    cv::cvtColor(bgr, lum, cv::COLOR_BGR2GRAY);
    cv::Mat loglum;
    cv::GaussianBlur(lum, loglum, cv::Size(), 1.5);  // texture matters less than illumination here
    cv::log(cv::max(loglum, kFloor), loglum);

    // Shadow inside the mask: the darker mode of the mask plus a lit ring around it.
    cv::Mat ring;
    cv::dilate(mask, ring, disc(edge + band));
    cv::Mat near_ring;
    cv::dilate(mask, near_ring, disc(edge));
    ring &= ~near_ring;
    const double threshold = otsu(loglum, mask | ring);
    cv::Mat shadow = (loglum < threshold) & mask;
    cv::morphologyEx(shadow, shadow, cv::MORPH_OPEN, disc(1));
    cv::morphologyEx(shadow, shadow, cv::MORPH_CLOSE, disc(2));
    if (cv::countNonZero(shadow) == 0) return bgr.clone();

    // Lit band just outside the shadow's edge, shadowed band just inside it.
    cv::Mat grown_in, grown_out, lit_band, shadow_band;
    cv::dilate(shadow, grown_in, disc(edge));
    cv::dilate(shadow, grown_out, disc(edge + band));
    lit_band = grown_out & ~grown_in & (loglum >= threshold);
    cv::Mat core_in, core_out;
    cv::erode(shadow, core_in, disc(edge));
    cv::erode(shadow, core_out, disc(edge + band));
    shadow_band = core_in & ~core_out;
    if (cv::countNonZero(shadow_band) == 0) shadow_band = shadow.clone();
    if (cv::countNonZero(lit_band) == 0) lit_band = ring & (loglum >= threshold);
    if (cv::countNonZero(lit_band) == 0) return bgr.clone();

    cv::Mat lit_w, shadow_w;
    lit_band.convertTo(lit_w, CV_32F, 1.0 / 255);
    shadow_band.convertTo(shadow_w, CV_32F, 1.0 / 255);
    // Per-channel log ratio, matched by position along the edge, global medians as the fallback.
    std::vector<cv::Mat> log_ratio(3);
    for (int c = 0; c < 3; ++c) {
        const double lit_med = median_of(logs[c], lit_band);
        const double shadow_med = median_of(logs[c], shadow_band);
        log_ratio[c] = local_mean(logs[c], lit_w, sigma, lit_med) - local_mean(logs[c], shadow_w, sigma, shadow_med);
        log_ratio[c] = cv::max(log_ratio[c], 0.0);  // a shadow only ever darkens
    }
    const cv::Mat lit_level = local_mean(loglum, lit_w, sigma, median_of(loglum, lit_band));
    const cv::Mat shadow_level = local_mean(loglum, shadow_w, sigma, median_of(loglum, shadow_band));

    // Matte: 1 deep in the shadow, 0 in the light; across the penumbra from the brightness
    // between the local shadow and lit levels.
    cv::Mat matte = (lit_level - loglum) / cv::max(lit_level - shadow_level, 0.05);
    matte = cv::min(cv::max(matte, 0.0), 1.0);
    cv::Mat deep, near;
    cv::erode(shadow, deep, disc(2 * edge + band));
    cv::dilate(shadow, near, disc(2 * edge + band));
    matte.setTo(1.0, deep);
    matte.setTo(0.0, ~near);
    cv::GaussianBlur(matte, matte, cv::Size(), 1.0);
    cv::Mat m;
    mask.convertTo(m, CV_32F, 1.0 / 255);
    matte = matte.mul(m);

    std::vector<cv::Mat> planes;
    cv::split(bgr, planes);
    for (int c = 0; c < 3; ++c) {
        cv::Mat gain;
        cv::exp(log_ratio[c].mul(matte), gain);
        planes[c] = cv::min(planes[c].mul(gain), 1.0);
    }
    cv::Mat out;
    cv::merge(planes, out);
    return out;
}

ParamSpec grow_param() {
    ParamSpec p;
    p.key = "grow";
    p.label = "Grow mask";
    p.kind = ParamKind::Integer;
    p.min = 0;
    p.max = 200;
    p.step = 1;
    p.def = 8;
    p.unit = "px";
    p.help = "Pixels added around the painted mask, so a roughly painted soft edge is covered";
    return p;
}

class RemoveShadow : public Operation {
public:
    RemoveShadow() {
        info_ = {"remove-shadow", 1, "Remove shadow",
                 "Relight a cast shadow painted with the mask (white = the shadow, roughly).",
                 MaskUse::Required,
                 {choice_param("model", "Method", {"learned", "relight"}, "learned",
                               "learned: Restora's two-view fusion network (shadow-fusion-v1), initialised "
                               "from the inpainting network; relight: classical per-channel illumination "
                               "ratio measured across the shadow's edge (no weights)"),
                  grow_param()}};
    }
    const OperationInfo& info() const override { return info_; }

    void check_available(const Params& p) const override {
        if (p.text("model") == "learned") require_model(kShadowModelId);
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        if (mask.empty() || mask.size() != image.size()) {
            throw Error(ErrorKind::Usage, "remove-shadow needs a mask the size of the image (--mask)");
        }
        OpResult r;
        r.pixels = image.clone();
        if (cv::countNonZero(mask) == 0) {
            r.warnings.push_back("the mask selects no pixels; the image is unchanged");
            return r;
        }
        ctx.job.cancel.throw_if_requested();
        ProgressStage progress(ctx.job, 0, 100);
        progress.update(0);
        const int grow = p.integer("grow");
        cv::Mat grown = mask > 0;
        if (grow > 0) cv::dilate(grown, grown, disc(grow));
        const cv::Rect box = cv::boundingRect(grown);
        // Context: the lit surroundings the ratio (relight) and the inpainting view (learned) read.
        const int margin = std::max(32, std::max(box.width, box.height) / 2);
        const cv::Rect crop = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
                              cv::Rect(0, 0, image.cols, image.rows);
        const cv::Mat bgr = to_float_bgr(image(crop));
        const cv::Mat m = grown(crop);
        progress.update(0.1);
        ctx.job.cancel.throw_if_requested();
        cv::Mat result;
        if (p.text("model") == "learned") {
            const ModelStatus st = require_model(kShadowModelId);
            r.model_id = st.entry.id;
            r.model_sha256 = st.entry.sha256;
            result = run_learned(st.path, ctx.device, bgr, m);
        } else {
            result = relight(bgr, m);
        }
        progress.update(0.9);
        ctx.job.cancel.throw_if_requested();
        paste_in_mask(from_float_bgr(result, image.depth()), image, crop, m, r.pixels);
        progress.update(1.0);
        return r;
    }

private:
    static constexpr int kMaxSide = 512;  // larger crops run scaled down; their gain is upsampled

    static cv::Mat run_learned(const std::filesystem::path& weights, DeviceKind device, const cv::Mat& bgr,
                               const cv::Mat& mask) {
        const double f = std::min(1.0, static_cast<double>(kMaxSide) / std::max(bgr.cols, bgr.rows));
        // The network needs sides that are multiples of 4: pad by mirroring, then crop back.
        const int w = std::max(4, static_cast<int>(std::lround(bgr.cols * f)));
        const int h = std::max(4, static_cast<int>(std::lround(bgr.rows * f)));
        cv::Mat small = bgr, small_mask = mask;
        if (f < 1.0) {
            cv::resize(bgr, small, {w, h}, 0, 0, cv::INTER_AREA);
            cv::resize(mask, small_mask, {w, h}, 0, 0, cv::INTER_AREA);
            small_mask = small_mask > 0;
        }
        const int pw = (4 - w % 4) % 4, ph = (4 - h % 4) % 4;
        cv::Mat rgb, mf;
        cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
        cv::copyMakeBorder(rgb, rgb, 0, ph, 0, pw, cv::BORDER_REFLECT_101);
        cv::copyMakeBorder(small_mask, mf, 0, ph, 0, pw, cv::BORDER_REFLECT_101);
        mf.convertTo(mf, CV_32F, 1.0 / 255);
        if (!rgb.isContinuous()) rgb = rgb.clone();
        cv::Mat out(rgb.size(), CV_32FC3);
        run_shadow_network(weights, device, rgb.cols, rgb.rows, rgb.ptr<float>(), mf.ptr<float>(), out.ptr<float>());
        cv::Mat y;
        cv::cvtColor(out(cv::Rect(0, 0, w, h)), y, cv::COLOR_RGB2BGR);
        if (f >= 1.0) return y;
        // Scaled down: carry the network's per-pixel gain back to full resolution, so the photo's
        // own texture under the shadow is kept at its full detail.
        constexpr float kEps = 1.0F / 255;
        cv::Mat gain = (y + kEps) / (small + kEps);
        cv::resize(gain, gain, bgr.size(), 0, 0, cv::INTER_LINEAR);
        return cv::min(bgr.mul(gain), 1.0);
    }

    OperationInfo info_;
};

}  // namespace

void register_shadow_operations(Registry& registry) { registry.add(std::make_unique<RemoveShadow>()); }

}  // namespace restora
