#pragma once
// The tunable denoiser's JPEG axis as training defines it (restora-train-tunable --jpeg-axis):
// J = 0 is an uncompressed photo, J = 1 a JPEG of quality 30, and a JPEG of quality q sits at
// J = (95 - q) / 65. The operation's default from a file's quality starts from the weights'
// calibration and falls back to this mapping.
#include <algorithm>
#include <cmath>

namespace restora {

inline constexpr double kJpegQualityAtZero = 95;
inline constexpr double kJpegQualityAtOne = 30;

// The quality that training compresses at for axis position j in [0, 1].
inline int jpeg_quality_at(double j) {
    return static_cast<int>(std::lround(kJpegQualityAtZero - (kJpegQualityAtZero - kJpegQualityAtOne) * j));
}

// The axis position of a JPEG of quality q (0 from quality 95 up, 1 at 30 and below).
inline double jpeg_axis_of(double quality) {
    return std::clamp((kJpegQualityAtZero - quality) / (kJpegQualityAtZero - kJpegQualityAtOne), 0.0, 1.0);
}

}  // namespace restora
