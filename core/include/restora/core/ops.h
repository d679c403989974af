#pragma once
// Built-in operations and the helper that runs OpenCV algorithms tile by tile.
#include <functional>

#include <opencv2/core.hpp>

#include "restora/core/registry.h"

namespace restora {

void register_builtin_operations(Registry& registry);
// remove-shadow (ops/shadow.cpp).
void register_shadow_operations(Registry& registry);
// remove-shadow's grown mask: 255 where a pixel is within `grow` px (Euclidean) of the mask.
cv::Mat grow_mask(const cv::Mat& mask, int grow);

// Runs fn on each tile (read with `context` pixels of mirrored border context) and assembles the
// cores. Exact for algorithms whose reach is at most `context`. Cancel and progress per tile.
// tile == 0: fn runs once on the whole image.
// With a non-empty `region`, only the tiles touching it run and the result covers the region.
cv::Mat apply_tiled(const cv::Mat& src, int tile, int context,
                    const std::function<cv::Mat(const cv::Mat&)>& fn, const JobControl& job,
                    const cv::Rect& region = cv::Rect());

// The pixels of rect (x, y, w, h), mirrored (reflect-101) where it leaves the image.
cv::Mat extract_mirrored(const cv::Mat& src, int x, int y, int w, int h);

}  // namespace restora
