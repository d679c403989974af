#pragma once
// MATLAB-compatible bicubic downscaling (imresize with antialiasing, a = -0.5, symmetric border),
// the degradation that super-resolution benchmarks use to make their low-resolution inputs.
#include <opencv2/core.hpp>

namespace restora {

// Downscales an 8/16-bit BGR(A) image by an integer factor; sizes are rounded up as MATLAB does.
cv::Mat matlab_bicubic_downscale(const cv::Mat& image, int factor);

}  // namespace restora
