// remove-shadow: relights the region under a painted shadow mask. Two methods:
//  - learned: the two-view fusion network (models/include/restora/models/shadow_net.h, after Li
//    et al., ICCV 2023) on a crop with context around the grown mask;
//  - relight: classical. A per-channel illumination ratio is measured between lit pixels in a
//    ring just outside the mask and shadowed pixels just inside the mask's core (locally, so it
//    follows the surface along the edge), and the shadow is multiplied by that ratio; a matte
//    from the smoothed brightness (between the local lit and shadow levels) blends the ratio
//    across the penumbra, so soft and hard edges both fade out.
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

}  // namespace

cv::Mat grow_mask(const cv::Mat& mask, int grow) {
    const cv::Mat selected = mask > 0;
    if (grow <= 0) return selected;
    cv::Mat d;
    cv::distanceTransform(~selected, d, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    return d <= grow;
}

namespace {

// Normalised convolution: the Gaussian-weighted mean of `values` over the pixels where
// `weight` is 1, with `fallback` where no such pixels are near. Computed at a resolution where
// sigma is 4 px (the result is smooth), so a large shadow on a large photo stays fast.
cv::Mat local_mean(const cv::Mat& values, const cv::Mat& weight, double sigma, double fallback) {
    const double f = std::min(1.0, 4.0 / sigma);
    cv::Mat vw = values.mul(weight);
    cv::Mat w = weight;
    if (f < 1.0) {
        const cv::Size small(std::max(1, static_cast<int>(std::lround(values.cols * f))),
                             std::max(1, static_cast<int>(std::lround(values.rows * f))));
        cv::resize(vw, vw, small, 0, 0, cv::INTER_AREA);
        cv::resize(w, w, small, 0, 0, cv::INTER_AREA);
    }
    cv::Mat num, den;
    cv::GaussianBlur(vw, num, cv::Size(), sigma * f);
    cv::GaussianBlur(w, den, cv::Size(), sigma * f);
    constexpr double kEps = 1e-3;
    cv::Mat r = (num + kEps * fallback) / (den + kEps);
    if (f < 1.0) cv::resize(r, r, values.size(), 0, 0, cv::INTER_LINEAR);
    return r;
}

// Euclidean distance of every pixel to the nearest pixel outside `mask` (0 outside it).
cv::Mat depth_in(const cv::Mat& mask) {
    cv::Mat d;
    cv::distanceTransform(mask, d, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    return d;
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

// The classical method on a float BGR crop. `mask` (crop-sized, 0/255) is the grown mask: the
// whole shadow is inside it, the painted part is mostly shadow and the outer `grow` pixels (and
// some of the painted edge) are lit. Nothing here thresholds brightness globally: textures have
// dark and bright parts in and out of the shadow, and a global split mistakes one for the other.
cv::Mat relight(const cv::Mat& bgr, const cv::Mat& mask, int grow) {
    const cv::Rect box = cv::boundingRect(mask);
    const double extent = std::max(box.width, box.height);
    // Constants tuned on the held-out synthetic set (docs/QUALITY.md), not on the tests.
    const double rim = grow + std::max(3.0, extent * 0.12);  // holds the true edge (painted loosely)
    const double band = std::max(4.0, extent * 0.06);        // width of the sampled bands
    const double sigma = std::max(8.0, extent * 0.5);        // locality of the ratio along the edge
    constexpr float kFloor = 1.0F / 1024;

    cv::Mat logc;
    cv::log(cv::max(bgr, kFloor), logc);
    std::vector<cv::Mat> logs;
    cv::split(logc, logs);
    cv::Mat lum;
    cv::cvtColor(bgr, lum, cv::COLOR_BGR2GRAY);
    auto log_blur = [&](double s) {
        cv::Mat b;
        cv::GaussianBlur(lum, b, cv::Size(), s);
        cv::log(cv::max(b, kFloor), b);
        return b;
    };
    const cv::Mat log_fine = log_blur(1.5);    // brightness for the penumbra
    const cv::Mat log_coarse = log_blur(4.0);  // brightness with less texture, for the core

    // Lit: a ring just outside the mask. Shadowed: the outer band of the mask's core (the mask
    // shrunk past the rim that may still be lit).
    const cv::Mat outside = depth_in(~mask), inside = depth_in(mask);
    const cv::Mat lit_band = (outside > 2) & (outside <= 2 + band);
    double deepest = 0;
    cv::minMaxLoc(inside, nullptr, &deepest);
    const double r = std::min(rim, deepest * 0.5);  // a thin mask keeps half its depth as core
    const cv::Mat core = inside > r;
    const cv::Mat shadow_band = core & (inside <= r + band);
    if (cv::countNonZero(lit_band) == 0 || cv::countNonZero(shadow_band) == 0) return bgr.clone();

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
    const cv::Mat lit_level = local_mean(log_fine, lit_w, sigma, median_of(log_fine, lit_band));
    const cv::Mat shadow_level = local_mean(log_fine, shadow_w, sigma, median_of(log_fine, shadow_band));
    const cv::Mat depth = cv::max(lit_level - shadow_level, 0.05);

    // Matte: how far each pixel's brightness sits from the local lit level towards the local
    // shadow level. Fine-scale everywhere (penumbrae keep their shape); in the core also the
    // coarse, texture-averaged version, stretched, so bright texture inside the shadow is relit too.
    cv::Mat matte = cv::min(cv::max((lit_level - log_fine) / depth, 0.0), 1.0);
    const cv::Mat coarse = cv::min(cv::max((lit_level - log_coarse) / depth * 1.2 - 0.1, 0.0), 1.0);
    const cv::Mat in_core = cv::max(matte, coarse);
    in_core.copyTo(matte, core);
    cv::GaussianBlur(matte, matte, cv::Size(), 2.0);
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
    return integer_param("grow", "Grow mask", 0, 200, 8, "px",
                         "Pixels added around the painted mask, so a roughly painted soft edge is covered");
}

class RemoveShadow : public Operation {
  public:
    RemoveShadow() {
        info_ = {"remove-shadow",
                 1,
                 "Remove shadow",
                 "Relight a cast shadow painted with the mask (white = the shadow, roughly).",
                 MaskUse::Required,
                 {choice_param("model", "Method", {"learned", "relight"}, "learned",
                               "learned: Restora's two-view fusion network (shadow-fusion-v1), initialised "
                               "from the inpainting network; relight: classical per-channel illumination "
                               "ratio measured across the shadow's edge (no weights)"),
                  grow_param()}};
    }
    const OperationInfo& info() const override { return info_; }

    std::vector<std::string> networks(const Params& p) const override {
        if (p.text("model") == "learned") return {kShadowModelId};
        return {};
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
        const cv::Mat grown = grow_mask(mask, grow);
        const cv::Rect box = cv::boundingRect(grown);
        // Context: the lit surroundings the ratio (relight) and the inpainting view (learned) read.
        const int margin = std::max(32, std::max(box.width, box.height) / 2);
        const cv::Rect crop =
            cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
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
            result = run_learned(*load_masked_network(MaskedTask::RemoveShadow, st.path, ctx), bgr, m);
        } else {
            result = relight(bgr, m, grow);
        }
        progress.update(0.9);
        ctx.job.cancel.throw_if_requested();
        paste_in_mask(from_float_bgr(result, image.depth()), image, crop, m, r.pixels);
        progress.update(1.0);
        return r;
    }

  private:
    // Larger crops run scaled down to this side and their per-pixel gain is upsampled, so the
    // photo's own texture is kept at full detail. 128 px is the scale the network was trained
    // at; measured against 192, 256 and 512 in docs/QUALITY.md.
    static constexpr int kWorkingSide = 128;

    static cv::Mat run_learned(const MaskedNetwork& network, const cv::Mat& bgr, const cv::Mat& mask) {
        const double f = std::min(1.0, static_cast<double>(kWorkingSide) / std::max(bgr.cols, bgr.rows));
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
        network.run(rgb.cols, rgb.rows, rgb.ptr<float>(), mf.ptr<float>(), out.ptr<float>());
        cv::Mat y;
        cv::cvtColor(out(cv::Rect(0, 0, w, h)), y, cv::COLOR_RGB2BGR);
        if (f >= 1.0) return y;
        // Scaled down: carry the network's per-pixel gain back to full resolution, so the photo's
        // own texture under the shadow is kept at its full detail.
        // The gain of near-black pixels is ill-defined: a soft floor and a cap (1..4, a shadow
        // that keeps under 1/4 of the light is beyond what the network was trained on) keep a
        // dark full-resolution pixel from being multiplied into a saturated speck.
        constexpr float kEps = 0.02F;
        cv::Mat gain = (y + kEps) / (small + kEps);
        gain = cv::min(cv::max(gain, 1.0), 4.0);
        cv::resize(gain, gain, bgr.size(), 0, 0, cv::INTER_LINEAR);
        return cv::min(bgr.mul(gain), 1.0);
    }

    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_remove_shadow() { return std::make_unique<RemoveShadow>(); }

}  // namespace restora
