// The MAXIM tools (CVPR 2022; Google's Apache-2.0 checkpoints packaged by @upscalerjs, imported
// from their TF.js graph models): deblur, derain, dehaze (outdoor | indoor), enhance-lowlight and
// retouch, one class with a weight id per setting. They run through engines/maxim.h; denoise
// model=maxim (ops/denoise.cpp) runs the same engine.
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "restora/core/engines/maxim.h"
#include "restora/core/model_store.h"
#include "restora/core/operation.h"

namespace restora {

namespace {

// MAXIM's low-light network learned on LOL, whose dark photos all carry sensor noise, and it
// fails on dark photos without any: smooth or JPEG-compressed ones (phones denoise before they
// store), and 8-bit darkening's flat steps. There it keeps the photo dark and turns the 8x8 JPEG
// blocks and the steps into coloured streaks (the original runtime does the same:
// MaximTfjsParityDark). One 8-bit level of noise puts such a photo back where the network
// learned, and it removes that noise with the rest; 2 and 3 levels grey the result (measured in
// docs/QUALITY.md, "Low light without sensor noise").
constexpr double kLowLightInputNoise = 1.0 / 255.0;

class MaximOp : public Operation {
  public:
    // models: the weight id for each value of the `variant` parameter, or one entry under "" for
    // an operation without variants.
    // whole_photo_tone: the edit is one tone for the whole photo (run_whole_photo_region).
    // input_noise: sensor-like noise added to the network's input first (enhance-lowlight; with
    // whole_photo_tone), add_sensor_noise.
    MaximOp(OperationInfo info, std::map<std::string, std::string> models, bool whole_photo_tone = false,
            double input_noise = 0)
        : info_(std::move(info)),
          models_(std::move(models)),
          whole_photo_tone_(whole_photo_tone),
          input_noise_(input_noise) {}
    const OperationInfo& info() const override { return info_; }
    std::vector<std::string> networks(const Params& p) const override { return {model(p)}; }
    CostModel cost(const Params& p) const override {
        CostModel c;
        c.network = model(p);
        c.maxim_tiles = true;
        c.whole_photo_pass = whole_photo_tone_;
        return c;
    }
    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        if (whole_photo_tone_) return run_whole_photo_region(image, model(p), ctx, region, input_noise_);
        return run_maxim_region(image, model(p), ctx, region);
    }
    bool has_cached_pass(const cv::Mat& image, const Params& p, const OpContext& ctx) const override {
        return whole_photo_tone_ && whole_photo_pass_cached(image, model(p), ctx);
    }

  private:
    [[nodiscard]] std::string model(const Params& p) const {
        return models_.size() == 1 ? models_.begin()->second : models_.at(p.text("variant"));
    }
    OperationInfo info_;
    std::map<std::string, std::string> models_;
    bool whole_photo_tone_;
    double input_noise_;
};

}  // namespace

std::unique_ptr<Operation> make_deblur() {
    return std::make_unique<MaximOp>(OperationInfo{"deblur",
                                                   1,
                                                   "Deblur",
                                                   "Remove camera shake and motion blur (MAXIM-3S, trained on GoPro).",
                                                   MaskUse::None,
                                                   {}},
                                     std::map<std::string, std::string>{{"", "maxim-deblurring"}});
}

std::unique_ptr<Operation> make_derain() {
    return std::make_unique<MaximOp>(
        OperationInfo{"derain", 1, "Derain", "Remove rain streaks (MAXIM-2S, trained on Rain13k).", MaskUse::None, {}},
        std::map<std::string, std::string>{{"", "maxim-deraining"}});
}

std::unique_ptr<Operation> make_dehaze() {
    return std::make_unique<MaximOp>(
        OperationInfo{"dehaze",
                      1,
                      "Dehaze",
                      "Remove haze and fog (MAXIM-2S, trained on RESIDE SOTS).",
                      MaskUse::None,
                      {choice_param("variant", "Scene", {"outdoor", "indoor"}, "outdoor",
                                    "outdoor: landscapes and streets; indoor: rooms")}},
        std::map<std::string, std::string>{{"outdoor", "maxim-dehazing-outdoor"}, {"indoor", "maxim-dehazing-indoor"}});
}

std::unique_ptr<Operation> make_enhance_lowlight() {
    return std::make_unique<MaximOp>(
        // Version 2: one 8-bit level of sensor-like noise is added to the input first
        // (kLowLightInputNoise), and a photo larger than the tile is brightened whole at the
        // tile's size and carried over as retouch is; version 1 tiled the photo as it was.
        OperationInfo{"enhance-lowlight",
                      2,
                      "Enhance low light",
                      "Brighten dark, underexposed photos and their noise (MAXIM-2S, trained on LOL).",
                      MaskUse::None,
                      {}},
        std::map<std::string, std::string>{{"", "maxim-enhancement"}}, true, kLowLightInputNoise);
}

std::unique_ptr<Operation> make_retouch() {
    return std::make_unique<MaximOp>(
        // Version 2: photos larger than the tile are retouched whole at the tile's size and carried
        // to full resolution (run_whole_photo_region); version 1 tiled them.
        OperationInfo{"retouch",
                      2,
                      "Retouch",
                      "Expert-style colour and tone retouching (MAXIM-2S, trained on MIT-Adobe FiveK).",
                      MaskUse::None,
                      {}},
        std::map<std::string, std::string>{{"", "maxim-retouching"}}, true);
}

}  // namespace restora
