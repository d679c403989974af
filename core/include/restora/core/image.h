#pragma once
// Pixels as the core keeps them: OpenCV BGR or BGRA, 8 or 16 bits per channel, at the source's
// bit depth. Float exists only per tile while a model works.
#include <opencv2/core.hpp>

#include "restora/models/pixel_view.h"

namespace restora {

inline int bit_depth(const cv::Mat& m) { return m.depth() == CV_16U ? 16 : 8; }
inline bool has_alpha(const cv::Mat& m) { return m.channels() == 4; }

// A view of a BGR(A) 8/16-bit or float matrix for the model layer.
PixelView pixel_view(const cv::Mat& m);

// Copies the alpha channel of `src` (resized to `dst`'s size when they differ) into `dst`.
void carry_alpha(const cv::Mat& src, cv::Mat& dst);

}  // namespace restora
