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
};

struct TextDetectOptions {
    double threshold = 0.3;      // probability that marks a text kernel pixel
    double box_threshold = 0.6;  // mean probability a box needs
    double unclip_ratio = 1.5;   // DB's offset: area * ratio / perimeter
    int max_side = 2560;         // detection resolution: the photo's long side, at most this
    int min_side = 960;          // ... and at least this (small photos are enlarged up to 4x)
    int tile = 960;              // network tile side at detection resolution (multiple of 32)
    int coarse_side = 960;       // the whole-image pass for large text (0: none)
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

// CV_8U 0/255 mask of the boxes, grown by `grow` pixels.
cv::Mat text_mask(cv::Size size, const std::vector<TextBox>& boxes, int grow);

}  // namespace restora
