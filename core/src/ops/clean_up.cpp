// clean-up: the same-size clean-up of a poor photo (noise, blur, JPEG artefacts) with Real-ESRGAN's
// networks: x4, then an area average back to the input's size. An operation of its own rather than
// `upscale scale=1`: it changes no size, so a user looks for it among the restoration tools, and
// upscale's other models have no meaning at scale 1. The average is fused into the network's tile
// calls (make_same_size_model), so memory stays that of the input, not of a 16x intermediate.
#include "restora/core/image.h"
#include "restora/core/model_cache.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/operation.h"

namespace restora {

namespace {

class CleanUp : public Operation {
  public:
    CleanUp() {
        info_ = {"clean-up",
                 1,
                 "Clean up",
                 "Remove noise, blur and JPEG artefacts from a poor photo without changing its size (Real-ESRGAN "
                 "enlarges it x4, then it is shrunk back).",
                 MaskUse::None,
                 {choice_param("model", "Model", {"realesrgan", "realesrgan-fast"}, "realesrgan",
                               "realesrgan: Real-ESRGAN x4plus, for real photos, slow (on a CPU minutes per "
                               "megapixel); realesrgan-fast: its compact network, about 10x faster, slightly "
                               "flatter.")}};
    }
    const OperationInfo& info() const override { return info_; }
    static const char* network_id(const Params& p) {
        return p.text("model") == "realesrgan-fast" ? kRealEsrganFastId : kRealEsrganId;
    }
    std::vector<std::string> networks(const Params& p) const override { return {network_id(p)}; }
    CostModel cost(const Params& p) const override {
        CostModel c;
        c.network = network_id(p);
        return c;
    }
    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        const ModelStatus m = require_model(network_id(p));
        const std::unique_ptr<ImageModel> model = make_same_size_model(load_graph_network(m.path, ctx));
        OpResult r;
        r.precision = precision_used(ctx.precision);
        r.model_id = m.entry.id;
        r.model_sha256 = m.entry.sha256;
        cv::Mat out = image(region).clone();  // alpha, if any, stays as it is
        RunOptions o;
        o.tile = ctx.tile;
        o.region = to_rect(region);
        run_tiled(*model, pixel_view(image), pixel_view(out), o, ctx.job);
        r.pixels = out;
        return r;
    }

  private:
    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_clean_up() { return std::make_unique<CleanUp>(); }

}  // namespace restora
