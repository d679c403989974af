#pragma once
// Masks (ARCHITECTURE.md): any image the loader reads, the size of the input after EXIF
// orientation; selected where grey > half of full scale, or where alpha is, when the colour is
// constant. White = the pixels to fill / erase / relight.
#include <filesystem>

#include <opencv2/core.hpp>

namespace restora {

// Converts decoded pixels (BGR/BGRA, 8/16-bit) into a CV_8U 0/255 mask.
cv::Mat binarize_mask(const cv::Mat& pixels);
// Loads and checks the size; throws Error(Input) naming both sizes.
cv::Mat load_mask(const std::filesystem::path& path, cv::Size expected);

}  // namespace restora
