#pragma once
// TIFF decoding through libtiff's RGBA interface (core-private): the fallback for TIFFs that
// OpenCV 4.6 refuses although they are valid (8-bit uncompressed tiled TIFFs fail in its
// TIFFReadRGBATile path).
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora {

// Decodes a TIFF held in memory to 8-bit BGR, or BGRA when it has an alpha channel. Throws
// Error(Input) naming `name` with libtiff's reason when it cannot.
cv::Mat decode_tiff_rgba(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace restora
