// remove-damage: finds scratches, dust, hairs, creases and small tears on old photos (or takes the
// user's mask) and fills them with the thin-structure fill (engines/damage.h).
//   detect=auto   detect when no mask is given; true: detected damage united with the mask;
//                 false: the mask is required (erase-text's conventions)
//   sensitivity   the detector's: higher finds fainter damage, and more false alarms
//   grain         how much of the photo's own grain the fill gets (0: a smooth fill)
// Only masked pixels change; everything else stays bit-identical. No damage found: the output
// equals the input, with a warning.
#include <opencv2/imgproc.hpp>

#include "restora/core/engines/damage.h"
#include "restora/core/ops.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

class RemoveDamage : public Operation {
  public:
    RemoveDamage() {
        ParamSpec sensitivity = number_param(
            "sensitivity", "Sensitivity", 0, 1, 0.05, kDefaultDamageSensitivity,
            "How faint a scratch or speck may be and still be found; higher also takes more grain and texture "
            "for damage");
        sensitivity.low_label = "Fewer";
        sensitivity.high_label = "More";
        ParamSpec grain = number_param("grain", "Grain", 0, 1, 0.05, 1,
                                       "Film grain in the repaired pixels, matched to the photo's own around each "
                                       "repair: 1 as much as the photo has, 0 a smooth fill");
        grain.low_label = "Smooth";
        grain.high_label = "Matched";
        info_ = {"remove-damage",
                 1,
                 "Remove damage",
                 "Old photos: finds scratches, dust, hairs, creases and small tears, or uses your mask, and fills "
                 "them with the photo's own grain.",
                 MaskUse::Optional,
                 {choice_param("detect", "Find damage", {"auto", "true", "false"}, "auto",
                               "auto: detect when no mask is painted; true: detected damage plus your mask; false: "
                               "only your mask"),
                  sensitivity, grain}};
    }
    const OperationInfo& info() const override { return info_; }

    OperationHints hints() const override {
        return {"Detect damage",
                "Find scratches, dust, hairs and creases and add them to the mask (the Sensitivity slider decides "
                "how faint); then add or erase strokes before Apply",
                "damaged area"};
    }

    DetectedMask detect_mask(const cv::Mat& image, const Params& p, const OpContext& ctx) const override {
        DetectedMask d;
        d.mask = detect_damage(image, p.number("sensitivity"), ctx.job);
        cv::Mat labels;
        d.regions = std::max(0, cv::connectedComponents(d.mask, labels, 8, CV_32S) - 1);
        return d;
    }

    CostModel cost(const Params& /*p*/) const override {
        CostModel c;
        c.seconds_per_mp = 0.15;  // detection and fill: 1.3 s for a 12-MP scan on 2 cores (docs/PERFORMANCE.md)
        c.image_bytes_factor = 8.0;
        return c;
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        const std::string detect = p.text("detect");
        const bool has_mask = !mask.empty() && cv::countNonZero(mask) > 0;
        if (detect == "false" && !has_mask) {
            throw Error(ErrorKind::Usage, "remove-damage with detect=false needs a mask (--mask) of the damage");
        }
        if (!mask.empty() && mask.size() != image.size()) {
            throw Error(ErrorKind::Usage, "the mask must have the image's size");
        }
        cv::Mat m = mask.empty() ? cv::Mat(image.size(), CV_8U, cv::Scalar(0)) : mask.clone();
        OpResult r;
        ProgressStage progress(ctx.job, 0, 100);
        if (detect == "true" || (detect == "auto" && !has_mask)) {
            const DetectedMask d = detect_mask(image, p, ctx);
            cv::bitwise_or(m, d.mask, m);
            r.warnings.push_back(std::to_string(d.regions) + " damaged area(s) found");
        }
        progress.update(0.5);
        if (cv::countNonZero(m) == 0) {
            r.pixels = image.clone();
            r.warnings.push_back("no damage found; the image is unchanged");
            return r;
        }
        r.pixels = fill_damage(image, m, p.number("grain"), ctx.job);
        progress.update(1.0);
        return r;
    }

  private:
    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_remove_damage() { return std::make_unique<RemoveDamage>(); }

}  // namespace restora
