// erase-text: finds text with the PP-OCRv4 detector (or takes the user's mask), then fills it.
//   model=learned  Restora's text-erasure network (erase-text-v1)
//   model=inpaint  the inpainting engine (inpaint model=learned) on the text mask
//   detect=auto    detect when no mask is given; true: detected regions united with the mask;
//                  false: the mask is required
// No text found: the output equals the input, with a warning (ARCHITECTURE.md).
#include <opencv2/imgproc.hpp>

#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/text_detect.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

constexpr const char* kEraserId = "erase-text-v1";
constexpr int kGrow = 4;  // px around detected boxes: anti-aliasing, outlines and soft shadows

class EraseText : public Operation {
public:
    EraseText() {
        info_ = {"erase-text", 1, "Erase text",
                 "Remove captions, date stamps, watermarks and signs: finds the text or uses your mask, then fills it.",
                 MaskUse::Optional,
                 {choice_param("model", "Method", {"learned", "inpaint"}, "learned",
                               "learned: Restora's text-erasure network (erase-text-v1); inpaint: the inpainting "
                               "engine on the text mask"),
                  choice_param("detect", "Find text", {"auto", "true", "false"}, "auto",
                               "auto: detect when no mask is painted; true: detected text plus your mask; false: "
                               "only your mask")}};
    }
    const OperationInfo& info() const override { return info_; }

    void check_available(const Params& p) const override {
        if (p.text("model") == "learned") require_model(kEraserId);
        if (p.text("detect") == "true") require_model(kTextDetectorId);
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        const std::string detect = p.text("detect");
        const bool has_mask = !mask.empty() && cv::countNonZero(mask) > 0;
        if (detect == "false" && !has_mask) {
            throw Error(ErrorKind::Usage, "erase-text with detect=false needs a mask (--mask) of the text to remove");
        }
        if (!mask.empty() && mask.size() != image.size()) {
            throw Error(ErrorKind::Usage, "the mask must have the image's size");
        }
        cv::Mat m = mask.empty() ? cv::Mat(image.size(), CV_8U, cv::Scalar(0)) : mask.clone();
        std::vector<std::string> notes;
        if (detect == "true" || (detect == "auto" && !has_mask)) {
            const std::vector<TextBox> boxes = detect_text(image, ctx);
            cv::bitwise_or(m, text_mask(image.size(), boxes, kGrow), m);
            notes.push_back(std::to_string(boxes.size()) + " text region(s) found");
        }
        if (cv::countNonZero(m) == 0) {
            OpResult r;
            r.pixels = image.clone();
            r.warnings.push_back("no text found; the image is unchanged");
            return r;
        }
        OpResult r;
        if (p.text("model") == "inpaint") {
            const Operation& inpaint = Registry::instance().get("inpaint");
            r = inpaint.run(image, m, inpaint.resolve({{"model", "learned"}}), ctx);
        } else {
            require_model(kEraserId);  // trained eraser: see models/weights
            throw Error(ErrorKind::Processing, "the text-erasure network is not available");
        }
        for (auto& n : notes) r.warnings.insert(r.warnings.begin(), n);
        return r;
    }

private:
    OperationInfo info_;
};

}  // namespace

void register_text_operations(Registry& registry) { registry.add(std::make_unique<EraseText>()); }

}  // namespace restora
