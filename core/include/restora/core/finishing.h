#pragma once
// What every operation offers on top of its own parameters (the registry adds it to each one):
// `amount` (0..1) blends the result with the input, and an operation that takes no mask of its
// own and keeps the photo's size can be limited to a mask whose edge is feathered over `feather`
// pixels inside it. Pixels the weight leaves at 0 are copied from the input, bit for bit.
#include <memory>

#include <opencv2/core.hpp>

#include "restora/core/operation.h"

namespace restora {

// The registry's wrapper: the operation's schema plus `amount` (and `feather` with an optional
// mask for operations that had none), its run and run_region followed by the blend, and on a
// grey photo (is_monochrome) the projection of the result back to grey.
std::unique_ptr<Operation> with_finishing(std::unique_ptr<Operation> op);

// A grey photo: no pixel's colour channels differ by more than 2 levels (8-bit; 514 at 16 bits).
// The wrapper gives every operation's result on such a photo back in grey: pixels the operation
// changed get their luma in all three channels, unchanged pixels stay bit-identical.
bool is_monochrome(const cv::Mat& image);

// How much of the result each pixel takes (CV_32F, 0..1): 0 outside the mask, rising linearly
// with the Euclidean distance from the mask's edge to 1 at `feather` pixels inside it. feather 0:
// the mask itself. mask: CV_8U, nonzero = selected.
cv::Mat feather_weights(const cv::Mat& mask, int feather);

// input + weight x amount x (result - input), per pixel and channel, rounded to the input's depth;
// pixels whose weight is 0 are the input's exactly, and weight 1 with amount 1 gives the result
// exactly. weight: CV_32F of the image's size, or empty for 1 everywhere. Same size and type.
cv::Mat blend_result(const cv::Mat& input, const cv::Mat& result, const cv::Mat& weight, double amount);

}  // namespace restora
