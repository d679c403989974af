#pragma once
// The engines operations share, and the helpers tools and tests call directly. The operations
// themselves are reached through the registry (registry.h).
#include <opencv2/core.hpp>

#include "restora/core/engines/inpaint.h"
#include "restora/core/engines/maxim.h"
#include "restora/core/engines/tiling.h"
#include "restora/core/registry.h"

namespace restora {

// The guided text eraser's classical fill (erase-text-v2 and later): OpenCV Telea, radius 5, on an
// 8-bit 3-channel image with mask8 (255 = text). restora-prep-text stores it for training and
// erase-text computes it at run time, so the two cannot drift apart.
cv::Mat eraser_guide(const cv::Mat& image8, const cv::Mat& mask8);
// remove-shadow's grown mask: 255 where a pixel is within `grow` px (Euclidean) of the mask.
cv::Mat grow_mask(const cv::Mat& mask, int grow);

}  // namespace restora
