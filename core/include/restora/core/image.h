#pragma once
// Pixels as the core keeps them: OpenCV BGR or BGRA, 8 or 16 bits per channel, at the source's
// bit depth. Float exists only per tile while a model works.
#include <opencv2/core.hpp>

#include "restora/models/pixel_view.h"
#include "restora/models/tile_plan.h"

namespace restora {

inline int bit_depth(const cv::Mat& m) { return m.depth() == CV_16U ? 16 : 8; }
inline bool has_alpha(const cv::Mat& m) { return m.channels() == 4; }

// A view of a BGR(A) 8/16-bit or float matrix for the model layer.
PixelView pixel_view(const cv::Mat& m);

// The one conversion between OpenCV's rectangle and the models layer's (tiling::Rect, which
// RunOptions::region and the tile plans use).
inline tiling::Rect to_rect(const cv::Rect& r) { return {r.x, r.y, r.width, r.height}; }
inline cv::Rect to_cv(const tiling::Rect& r) { return {r.x, r.y, r.w, r.h}; }

// Copies the alpha channel of `src` (resized to `dst`'s size when they differ) into `dst`.
void carry_alpha(const cv::Mat& src, cv::Mat& dst);

}  // namespace restora
