#pragma once
// OpenCV algorithms tile by tile, for classical operations (the networks tile through the models
// layer's runner).
#include <functional>

#include <opencv2/core.hpp>

#include "restora/models/job.h"

namespace restora {

// Runs fn on each tile (read with `context` pixels of mirrored border context) and assembles the
// cores. Exact for algorithms whose reach is at most `context`. Cancel and progress per tile.
// tile == 0: fn runs once on the whole image.
// With a non-empty `region`, only the tiles touching it run and the result covers the region.
cv::Mat apply_tiled(const cv::Mat& src, int tile, int context, const std::function<cv::Mat(const cv::Mat&)>& fn,
                    const JobControl& job, const cv::Rect& region = cv::Rect());

// The pixels of rect (x, y, w, h), mirrored (reflect-101) where it leaves the image.
cv::Mat extract_mirrored(const cv::Mat& src, int x, int y, int w, int h);

}  // namespace restora
