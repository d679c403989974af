// erase-text: finds text with the PP-OCRv4 detector (or takes the user's mask), then fills it.
//   model=learned  Restora's text-erasure network (erase-text-v3: refines and gates OpenCV Telea's fill, two passes)
//   model=inpaint  the inpainting engine (inpaint model=learned) on the text mask
//   detect=auto    detect when no mask is given; true: detected regions united with the mask;
//                  false: the mask is required
// No text found: the output equals the input, with a warning (ARCHITECTURE.md).
// The learned eraser works per text region: connected parts of the mask (merged when closer than
// kMergeGap) are cut out with context, run through the network at no more than kWorkingArea
// pixels (never enlarged), scaled back, and written into the masked pixels only.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "restora/core/engines/inpaint.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/text_detect.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

constexpr const char* kEraserId = "erase-text-v3";
constexpr int kMergeGap = 16;            // mask parts closer than this run as one region
constexpr int kWorkingArea = 256 * 256;  // network input area; larger regions are shrunk to it
constexpr int kMinContext = 24;          // px of known pixels around a region (at least its short side)

// The guide on a float RGB crop in [0,1], through 8 bits as in training.
cv::Mat telea_guide(const cv::Mat& rgb, const cv::Mat& mask8) {
    cv::Mat u8, out;
    rgb.convertTo(u8, CV_8U, 255.0);
    eraser_guide(u8, mask8).convertTo(out, CV_32F, 1.0 / 255.0);
    return out;
}

// guide: the classical fill for a guided network (empty otherwise).
cv::Mat run_eraser(const MaskedNetwork& network, const cv::Mat& rgb, const cv::Mat& mask, const cv::Mat& guide) {
    const cv::Mat in = rgb.isContinuous() ? rgb : rgb.clone();
    const cv::Mat m = mask.isContinuous() ? mask : mask.clone();
    const cv::Mat g = guide.empty() || guide.isContinuous() ? guide : guide.clone();
    cv::Mat out(in.size(), CV_32FC3);
    network.run(in.cols, in.rows, in.ptr<float>(), m.ptr<float>(), out.ptr<float>(),
                g.empty() ? nullptr : g.ptr<float>());
    return out;
}

// Bounding boxes of the mask's regions: parts closer than kMergeGap share a region.
std::vector<cv::Rect> mask_regions(const cv::Mat& mask) {
    cv::Mat joined;
    cv::dilate(mask, joined, cv::getStructuringElement(cv::MORPH_RECT, {kMergeGap + 1, kMergeGap + 1}));
    cv::Mat labels;
    const int n = cv::connectedComponents(joined, labels, 8, CV_32S);
    std::vector<cv::Rect> boxes(static_cast<size_t>(std::max(0, n - 1)));
    std::vector<bool> seen(boxes.size(), false);
    for (int y = 0; y < mask.rows; ++y) {
        const uint8_t* m = mask.ptr<uint8_t>(y);
        const int* l = labels.ptr<int>(y);
        for (int x = 0; x < mask.cols; ++x) {
            if (m[x] == 0) continue;
            const size_t k = static_cast<size_t>(l[x] - 1);
            boxes[k] = seen[k] ? (boxes[k] | cv::Rect(x, y, 1, 1)) : cv::Rect(x, y, 1, 1);
            seen[k] = true;
        }
    }
    std::vector<cv::Rect> out;
    for (size_t k = 0; k < boxes.size(); ++k)
        if (seen[k]) out.push_back(boxes[k]);
    return out;
}

// One region through the eraser; writes its masked pixels into `out` (alpha kept). Reads the
// current `out`, so a region sees the regions erased before it as context.
void erase_region(const MaskedNetwork& network, const cv::Mat& mask, const cv::Rect& box, cv::Mat& out) {
    const int margin = std::max(kMinContext, std::min(box.width, box.height));
    const cv::Rect crop = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
                          cv::Rect(0, 0, out.cols, out.rows);
    const double f = std::min(1.0, std::sqrt(static_cast<double>(kWorkingArea) / crop.area()));
    cv::Mat rgb;
    cv::cvtColor(out(crop), rgb, out.channels() == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
    rgb.convertTo(rgb, CV_32F, out.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    cv::Mat m = mask(crop).clone();
    if (f < 1.0) {
        const cv::Size small(std::max(4, static_cast<int>(std::lround(crop.width * f))),
                             std::max(4, static_cast<int>(std::lround(crop.height * f))));
        cv::resize(rgb, rgb, small, 0, 0, cv::INTER_AREA);
        cv::resize(m, m, small, 0, 0, cv::INTER_AREA);
    }
    m = m > 0;  // any covered pixel counts as text
    // Mirror-pad to multiples of 4 (the network's two stride-2 levels); cropped off afterwards.
    const int pw = (4 - rgb.cols % 4) % 4, ph = (4 - rgb.rows % 4) % 4;
    cv::copyMakeBorder(rgb, rgb, 0, ph, 0, pw, cv::BORDER_REFLECT);
    cv::copyMakeBorder(m, m, 0, ph, 0, pw, cv::BORDER_REFLECT);
    cv::Mat mf;
    m.convertTo(mf, CV_32F, 1.0 / 255.0);
    const cv::Mat guide = network.needs_guide() ? telea_guide(rgb, m) : cv::Mat();
    cv::Mat fill = run_eraser(network, rgb, mf, guide)(cv::Rect(0, 0, rgb.cols - pw, rgb.rows - ph));
    if (f < 1.0) cv::resize(fill, fill, crop.size(), 0, 0, cv::INTER_CUBIC);
    cv::Mat bgr;
    cv::cvtColor(fill, bgr, cv::COLOR_RGB2BGR);
    bgr.convertTo(bgr, out.depth(), out.depth() == CV_16U ? 65535.0 : 255.0);  // rounds and saturates
    if (out.channels() == 4) {
        cv::Mat alpha;
        cv::extractChannel(out(crop), alpha, 3);
        cv::cvtColor(bgr, bgr, cv::COLOR_BGR2BGRA);
        cv::insertChannel(alpha, bgr, 3);
    }
    // Only this region's masked pixels change: everything else stays bit-identical.
    cv::Mat region_mask(crop.size(), CV_8U, cv::Scalar(0));
    const cv::Rect inner = box - crop.tl();
    mask(crop)(inner).copyTo(region_mask(inner));
    bgr.copyTo(out(crop), region_mask);
}

class EraseText : public Operation {
  public:
    EraseText() {
        info_ = {"erase-text",
                 1,
                 "Erase text",
                 "Remove captions, date stamps, watermarks and signs: finds the text or uses your mask, then fills it.",
                 MaskUse::Optional,
                 {choice_param("model", "Method", {"learned", "inpaint"}, "learned",
                               "learned: Restora's text-erasure network (erase-text-v3); inpaint: the inpainting "
                               "engine on the text mask"),
                  choice_param("detect", "Find text", {"auto", "true", "false"}, "auto",
                               "auto: detect when no mask is painted; true: detected text plus your mask; false: "
                               "only your mask")}};
    }
    const OperationInfo& info() const override { return info_; }

    OperationHints hints() const override {
        return {"Detect text",
                "Find captions, dates, signs and watermarks and add them to the mask (T); "
                "then add or erase strokes before Apply",
                "text region"};
    }

    DetectedMask detect_mask(const cv::Mat& image, const Params& /*params*/, const OpContext& ctx) const override {
        const std::vector<TextBox> boxes = detect_text(image, ctx);
        return {text_mask(image.size(), boxes, kTextMaskGrow, kTextMaskGrowFraction), static_cast<int>(boxes.size())};
    }

    // Every network a run may need: the detector runs with detect=true, and with detect=auto when
    // no mask is painted.
    std::vector<std::string> networks(const Params& p) const override {
        std::vector<std::string> ids = {p.text("model") == "learned" ? kEraserId : kInpaintModelId};
        if (p.text("detect") != "false") ids.emplace_back(kTextDetectorId);
        return ids;
    }

    // What a run needs whatever the mask: the detector for detect=auto is reported when the run
    // finds no mask, the inpainting network by the inpainting engine.
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
            cv::bitwise_or(m, text_mask(image.size(), boxes, kTextMaskGrow, kTextMaskGrowFraction), m);
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
            r = run_inpaint(image, m, InpaintMethod::Learned, ctx, cv::Rect(0, 0, image.cols, image.rows));
        } else {
            const ModelStatus st = require_model(kEraserId);
            r.model_id = st.entry.id;
            r.model_sha256 = st.entry.sha256;
            r.pixels = image.clone();
            const std::vector<cv::Rect> regions = mask_regions(m);
            const std::shared_ptr<MaskedNetwork> network = load_masked_network(MaskedTask::EraseText, st.path, ctx);
            ProgressStage progress(ctx.job, 0, 100);
            for (size_t i = 0; i < regions.size(); ++i) {
                ctx.job.cancel.throw_if_requested();
                erase_region(*network, m, regions[i], r.pixels);
                progress.update(static_cast<double>(i + 1) / regions.size());
            }
        }
        for (auto& n : notes) r.warnings.insert(r.warnings.begin(), n);
        return r;
    }

  private:
    OperationInfo info_;
};

}  // namespace

cv::Mat eraser_guide(const cv::Mat& image8, const cv::Mat& mask8) {
    constexpr int kGuideRadius = 5;
    cv::Mat filled;
    cv::inpaint(image8, mask8, filled, kGuideRadius, cv::INPAINT_TELEA);
    return filled;
}

std::unique_ptr<Operation> make_erase_text() { return std::make_unique<EraseText>(); }

}  // namespace restora
