#pragma once
// JPEG decoding through libjpeg directly (core-private): OpenCV's decoder ignores libjpeg's
// corruption warnings and fills what it could not decode with grey. Here a warning that means
// invented pixels is an error.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora {

// Decodes a JPEG held in memory to 8-bit BGR (colour, CMYK and YCCK) or 8-bit grey. Throws
// Error(Input) naming `name` when libjpeg fails or warns that the data is corrupt (a bad Huffman
// code, a premature end of a segment or of the file, lost synchronisation, an inconsistent
// progression, scan data left over once the image is decoded). Warnings that leave every pixel
// decoded (stray bytes between header segments or a few before a marker, an unknown JFIF
// revision or Adobe transform, a bad ICC marker) are accepted.
cv::Mat decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace restora
