// inpaint: fills the masked region from its surroundings (the engine: engines/inpaint.cpp).
#include "restora/core/engines/inpaint.h"
#include "restora/core/operation.h"

namespace restora {

namespace {

class Inpaint : public Operation {
  public:
    Inpaint() {
        // Version 2: per-region crops, seam correction, PatchMatch refinement of the learned fill
        // (version-1 histories replay to different pixels, so replay refuses them by name).
        // Version 3: the network's fill averaged with its mirrored fill; PatchMatch refinement only
        // where the network ran below 1/4 of the photo's resolution, ending with a copy instead of
        // a vote and a lighter guide (docs/QUALITY.md, "Independent mask set").
        info_ = {"inpaint",
                 3,
                 "Inpaint",
                 "Fill the masked region from its surroundings.",
                 MaskUse::Required,
                 {choice_param("model", "Method", {"learned", "patchmatch", "telea"}, "learned",
                               "learned: Restora's Fourier-convolution network (inpaint-ffc-v1) for the "
                               "structure, refined by PatchMatch for texture where the hole is large "
                               "for the network; "
                               "patchmatch: copies texture from around the hole (no weights); "
                               "telea: fast marching fill, smooth (OpenCV, no weights)")}};
    }
    const OperationInfo& info() const override { return info_; }

    std::vector<std::string> networks(const Params& p) const override {
        if (p.text("model") == "learned") return {kInpaintModelId};
        return {};
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }

    // Every mask region is filled on its own crop, so a region of the output needs only the mask
    // regions whose holes touch it, each computed exactly as in the full run (Preview = Apply).
    OpResult run_region(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        const std::string& model = p.text("model");
        const InpaintMethod method = model == "learned"      ? InpaintMethod::Learned
                                     : model == "patchmatch" ? InpaintMethod::PatchMatch
                                                             : InpaintMethod::Telea;
        return run_inpaint(image, mask, method, ctx, region);
    }

  private:
    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_inpaint() { return std::make_unique<Inpaint>(); }

}  // namespace restora
