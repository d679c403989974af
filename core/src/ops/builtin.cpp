// The first operations, real without trained weights: bicubic upscaling through the libtorch
// tiled runner, non-local-means denoising and Telea inpainting (OpenCV).
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

// Continuous RGB float (HWC) and mask (1 = hole) through the learned network.
cv::Mat run_inpaint_network(const std::filesystem::path& weights, DeviceKind device, const cv::Mat& rgb,
                            const cv::Mat& mask) {
    const cv::Mat in = rgb.isContinuous() ? rgb : rgb.clone();
    const cv::Mat m = mask.isContinuous() ? mask : mask.clone();
    cv::Mat out(in.size(), CV_32FC3);
    restora::run_inpaint_network(weights, device, in.cols, in.rows, in.ptr<float>(), m.ptr<float>(), out.ptr<float>());
    return out;
}

class Upscale : public Operation {
public:
    Upscale() {
        info_ = {"upscale", 1, "Upscale", "Enlarge the photo by 2, 3, 4 or 8 times.",
                 MaskUse::None,
                 {choice_param("scale", "Scale", {"2", "3", "4", "8"}, "4",
                               "Output size as a multiple of the input size", "x"),
                  choice_param("model", "Model", {"thick", "medium", "slim", "bicubic"}, "thick",
                               "thick: RRDN, 7.3M parameters, best and slowest; medium: RDN "
                               "0.7M; slim: RDN 0.2M, fastest; bicubic: classical resampling "
                               "(no weights)")}};
    }
    const OperationInfo& info() const override { return info_; }
    cv::Size output_size(cv::Size in, const Params& p) const override {
        const int s = p.integer("scale");
        return {in.width * s, in.height * s};
    }
    void check_available(const Params& p) const override {
        if (p.text("model") != "bicubic") require_model(sr_model_id(p.text("model"), p.integer("scale")));
    }
    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p,
                 const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        const int s = p.integer("scale");
        OpResult r;
        std::shared_ptr<ImageModel> model;
        if (p.text("model") == "bicubic") {
            model = make_bicubic_upscaler(s, ctx.device);
            r.model_id = "bicubic";
        } else {
            const ModelStatus m = require_model(sr_model_id(p.text("model"), s));
            model = ctx.models != nullptr ? ctx.models->graph_model(m.path.string(), ctx.device)
                                          : std::shared_ptr<ImageModel>(load_graph_model(m.path, ctx.device));
            r.model_id = m.entry.id;
            r.model_sha256 = m.entry.sha256;
        }
        cv::Mat out(region.height * s, region.width * s, image.type());
        RunOptions o;
        o.tile = ctx.tile;
        o.region = {region.x, region.y, region.width, region.height};
        run_tiled(*model, pixel_view(image), pixel_view(out), o, ctx.job);
        if (image.channels() == 4) {
            // Alpha is resized whole and then cropped, so a region matches the full result.
            cv::Mat alpha;
            cv::extractChannel(image, alpha, 3);
            cv::resize(alpha, alpha, {image.cols * s, image.rows * s}, 0, 0, cv::INTER_CUBIC);
            cv::insertChannel(alpha(cv::Rect(region.x * s, region.y * s, region.width * s, region.height * s)).clone(),
                              out, 3);
        }
        r.pixels = out;
        return r;
    }

private:
    OperationInfo info_;
};

class Denoise : public Operation {
public:
    Denoise() {
        info_ = {"denoise", 1, "Denoise", "Remove sensor noise and grain.", MaskUse::None,
                 {choice_param("model", "Method", {"nlmeans"}, "nlmeans",
                               "nlmeans: OpenCV non-local means (no weights needed)"),
                  number_param("strength", "Strength", 0, 1, 0.05, 0.5,
                               "How much noise to remove; higher also removes fine detail")}};
    }
    const OperationInfo& info() const override { return info_; }

    // Filter strength h in 8-bit units, quadratic so the slider has room at the light end:
    // 0.5 gives h = 8 (noise of sigma about 15), 0.7 gives 13.8 (sigma 25), 1.0 gives 26
    // (sigma 50); measured in docs/QUALITY.md.
    static float filter_h(double strength) {
        return static_cast<float>(2.0 + 24.0 * strength * strength);
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p,
                 const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        const float h = filter_h(p.number("strength"));
        cv::Mat bgr = image;
        if (image.channels() == 4) cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
        // Search window 21, patch 7: a pixel depends on pixels at most 13 away.
        constexpr int kContext = 16;
        auto filter = [h](const cv::Mat& tile) {
            cv::Mat out;
            if (tile.depth() == CV_8U) {
                cv::fastNlMeansDenoisingColored(tile, out, h, h, 7, 21);
                return out;
            }
            cv::Mat ycc;
            cv::cvtColor(tile, ycc, cv::COLOR_BGR2YCrCb);
            std::vector<cv::Mat> planes;
            cv::split(ycc, planes);
            for (cv::Mat& plane : planes) {
                cv::Mat d;
                cv::fastNlMeansDenoising(plane, d, std::vector<float>{h * 257.0F}, 7, 21, cv::NORM_L1);
                plane = d;
            }
            cv::merge(planes, ycc);
            cv::cvtColor(ycc, out, cv::COLOR_YCrCb2BGR);
            return out;
        };
        cv::Mat out = apply_tiled(bgr, ctx.tile == 0 ? 0 : std::max(ctx.tile, 64), kContext, filter, ctx.job, region);
        if (image.channels() == 4) {
            cv::cvtColor(out, out, cv::COLOR_BGR2BGRA);
            carry_alpha(image(region), out);
        }
        OpResult r;
        r.pixels = out;
        return r;
    }

private:
    OperationInfo info_;
};

class Inpaint : public Operation {
public:
    Inpaint() {
        info_ = {"inpaint", 1, "Inpaint", "Fill the masked region from its surroundings.",
                 MaskUse::Required,
                 {choice_param("model", "Method", {"learned", "telea"}, "learned",
                               "learned: Restora's Fourier-convolution network (inpaint-ffc-v1); "
                               "telea: fast marching fill (OpenCV, no weights)")}};
    }
    const OperationInfo& info() const override { return info_; }

    void check_available(const Params& p) const override {
        if (p.text("model") == "learned") require_model(kLearnedId);
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p,
                 const OpContext& ctx) const override {
        if (mask.empty() || mask.size() != image.size()) {
            throw Error(ErrorKind::Usage, "inpaint needs a mask the size of the image (--mask)");
        }
        OpResult r;
        r.pixels = image.clone();
        const cv::Rect box = cv::boundingRect(mask);
        if (box.area() == 0) {
            r.warnings.push_back("the mask selects no pixels; the image is unchanged");
            return r;
        }
        if (p.text("model") == "learned") {
            run_learned(image, mask, box, ctx, r);
        } else {
            run_telea(image, mask, box, ctx, r);
        }
        return r;
    }

private:
    // Writes the BGR fill of `crop` into the masked pixels of `out`, keeping the image's alpha.
    static void paste_masked(const cv::Mat& fill_bgr, const cv::Mat& image, const cv::Rect& crop, const cv::Mat& mask,
                             cv::Mat& out) {
        cv::Mat fill = fill_bgr;
        if (image.channels() == 4) {
            cv::cvtColor(fill_bgr, fill, cv::COLOR_BGR2BGRA);
            cv::Mat alpha;
            cv::extractChannel(image(crop), alpha, 3);
            cv::insertChannel(alpha, fill, 3);
        }
        fill.copyTo(out(crop), mask);
    }

    static void run_telea(const cv::Mat& image, const cv::Mat& mask, const cv::Rect& box, const OpContext& ctx,
                          OpResult& r) {
        ctx.job.cancel.throw_if_requested();
        ProgressStage progress(ctx.job, 0, 100);
        progress.update(0);
        constexpr int kRadius = 5;
        constexpr int kMargin = 3 * kRadius + 8;  // the fill reads known pixels within its radius
        const cv::Rect crop = cv::Rect(box.x - kMargin, box.y - kMargin, box.width + 2 * kMargin,
                                       box.height + 2 * kMargin) &
                              cv::Rect(0, 0, image.cols, image.rows);
        cv::Mat bgr;
        if (image.channels() == 4) {
            cv::cvtColor(image(crop), bgr, cv::COLOR_BGRA2BGR);
        } else {
            bgr = image(crop).clone();
        }
        const cv::Mat m = mask(crop);
        cv::Mat filled;
        if (bgr.depth() == CV_8U) {
            cv::inpaint(bgr, m, filled, kRadius, cv::INPAINT_TELEA);
        } else {
            std::vector<cv::Mat> planes;
            cv::split(bgr, planes);
            for (cv::Mat& plane : planes) {
                cv::Mat d;
                cv::inpaint(plane, m, d, kRadius, cv::INPAINT_TELEA);
                plane = d;
            }
            cv::merge(planes, filled);
        }
        // Only masked pixels change: everything else stays bit-identical.
        paste_masked(filled, image, crop, m, r.pixels);
        progress.update(1.0);
    }

    static constexpr const char* kLearnedId = "inpaint-ffc-v1";
    static constexpr int kWorkingSide = 128;  // the training crop size: measured best (docs/QUALITY.md)

    // The mask's bounding box with generous context runs through the network at up to
    // kWorkingSide px; the fill is scaled back and written into the masked pixels only.
    static void run_learned(const cv::Mat& image, const cv::Mat& mask, const cv::Rect& box, const OpContext& ctx,
                            OpResult& r) {
        const ModelStatus m = require_model(kLearnedId);
        r.model_id = m.entry.id;
        r.model_sha256 = m.entry.sha256;
        ctx.job.cancel.throw_if_requested();
        ProgressStage progress(ctx.job, 0, 100);
        progress.update(0);
        const int margin = std::max(32, std::max(box.width, box.height) / 2);
        const cv::Rect crop = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
                              cv::Rect(0, 0, image.cols, image.rows);
        const double f = std::min(1.0, static_cast<double>(kWorkingSide) / std::max(crop.width, crop.height));
        const int w = std::max(4, static_cast<int>(std::lround(crop.width * f)) / 4 * 4);
        const int h = std::max(4, static_cast<int>(std::lround(crop.height * f)) / 4 * 4);
        cv::Mat rgb;
        cv::cvtColor(image(crop), rgb, image.channels() == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
        rgb.convertTo(rgb, CV_32F, image.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
        cv::Mat small_rgb;
        cv::resize(rgb, small_rgb, {w, h}, 0, 0, cv::INTER_AREA);
        cv::Mat small_mask;
        cv::resize(mask(crop), small_mask, {w, h}, 0, 0, cv::INTER_AREA);
        small_mask = small_mask > 0;  // any covered pixel counts as hole
        small_mask.convertTo(small_mask, CV_32F, 1.0 / 255.0);
        const cv::Mat fill = run_inpaint_network(m.path, ctx.device, small_rgb, small_mask);  // RGB float
        progress.update(0.8);
        cv::Mat up;
        cv::resize(fill, up, crop.size(), 0, 0, cv::INTER_CUBIC);
        cv::Mat out_bgr;
        cv::cvtColor(up, out_bgr, cv::COLOR_RGB2BGR);
        out_bgr.convertTo(out_bgr, image.depth(), image.depth() == CV_16U ? 65535.0 : 255.0);
        paste_masked(out_bgr, image, crop, mask(crop), r.pixels);  // only masked pixels change
        progress.update(1.0);
    }

    OperationInfo info_;
};

}  // namespace

void register_builtin_operations(Registry& registry) {
    registry.add(std::make_unique<Upscale>());
    registry.add(std::make_unique<Denoise>());
    registry.add(std::make_unique<Inpaint>());
    register_shadow_operations(registry);
}

}  // namespace restora
