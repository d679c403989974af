#pragma once
// Text detection with the imported PP-OCRv4 detector (DB network): the probability map over the
// whole photo (tiled at a detection resolution, plus a coarse whole-image pass for large text),
// then DB post-processing: threshold, contours, box score, unclip (polygon offset with Clipper),
// rotated boxes in photo coordinates. The mask helper fills the boxes and grows them a little.
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/registry.h"

namespace restora {

struct TextBox {
    cv::RotatedRect box;  // photo pixels
    float score = 0;      // mean probability inside the detected kernel
    float peak = 0;       // highest probability inside the detected kernel
};

// What the photo shows inside a candidate box (text_detect_verify.cpp): the box straightened into
// a strip of kStripHeight rows, split into ink and background by Otsu's threshold.
struct TextEvidence {
    float long_side = 0, short_side = 0;  // photo pixels
    float contrast = 0;                   // |ink mean - background mean|, 8-bit levels
    float separation = 0;                 // contrast / pooled standard deviation of the two classes
    float ink_share = 0;                  // ink pixels / strip pixels
    float stroke = 0;                     // ink stroke width / strip height
    int glyphs = 0;                       // ink components at least a quarter of the strip high
    float recheck = 0;  // the detector again on the box alone, its short side at kRecheckSide: mean probability
                        // along the box's middle line
};

struct TextDetectOptions {
    double threshold = 0.3;      // probability that marks a text kernel pixel
    double box_threshold = 0.6;  // mean probability a box needs
    double unclip_ratio = 1.5;   // DB's offset: area * ratio / perimeter
    int max_side = 2560;         // detection resolution: the photo's long side, at most this
    int min_side = 960;          // ... and at least this (small photos are enlarged up to 4x)
    int tile = 960;              // network tile side at detection resolution (multiple of 32)
    int coarse_side = 960;       // the whole-image pass for large text (0: none)
    bool verify = true;          // drop candidates that the detector does not confirm (looks_like_text)
    int border = 32;             // px of replicated border around the photo, so text touching its edge has context
};

// The detector's input: BGR planes normalised with the model's mean and std (PaddleOCR's).
std::vector<float> text_detector_input(const cv::Mat& bgr8);

// Probability map (CV_32F, photo size) from the detector in `weights`.
cv::Mat text_probability_map(const cv::Mat& image, const std::filesystem::path& weights, const OpContext& ctx,
                             const TextDetectOptions& options = {});

// DB post-processing of a probability map; boxes scaled by `scale` (map -> photo pixels).
std::vector<TextBox> text_boxes_from_map(const cv::Mat& map, const TextDetectOptions& options = {}, double scale = 1.0);

// Both: throws Error(Processing) naming the restoring command when the detector is missing.
std::vector<TextBox> detect_text(const cv::Mat& image, const OpContext& ctx, const TextDetectOptions& options = {});

// The candidate box straightened into a CV_8U strip (the long side horizontal, 32 rows).
cv::Mat text_strip(const cv::Mat& grey8, const cv::RotatedRect& box);

// What the photo (8-bit grey) shows inside a candidate box.
TextEvidence text_evidence(const cv::Mat& grey8, const cv::RotatedRect& box);

// The rule that keeps a candidate as text (measured: docs/QUALITY.md, "Text detection").
bool looks_like_text(const TextBox& box, const TextEvidence& evidence);

// Every candidate of the detector with its evidence, before the check (for measurements).
struct TextCandidate {
    TextBox box;
    TextEvidence evidence;
    bool text = false;  // looks_like_text
};
std::vector<TextCandidate> text_candidates(const cv::Mat& image, const OpContext& ctx,
                                           const TextDetectOptions& options = {});

// How erase-text (and the GUI's "Detect text") grow the detected boxes into its mask: by
// kTextMaskGrowFraction of a box's short side (the text's height: outlines, shadows, the ends of a
// line), at least kTextMaskGrow px (docs/QUALITY.md, "Text detection").
inline constexpr int kTextMaskGrow = 4;
inline constexpr double kTextMaskGrowFraction = 0.25;

// CV_8U 0/255 mask of the boxes, each grown by `grow` pixels or by `grow_fraction` of its short
// side (the text's height), whichever is more.
cv::Mat text_mask(cv::Size size, const std::vector<TextBox>& boxes, int grow, double grow_fraction = 0.0);

}  // namespace restora
