#pragma once
// A network's colour and tone edit computed on a small copy of the photo and carried to full
// resolution as a local affine colour model: out(x) = A(x) in(x) + b(x), with A 3x3 and b fitted
// on the small pair in windows of (2r+1)^2 pixels by ridge regression, averaged over the windows
// that cover each pixel, and interpolated bilinearly (the colour guided filter of He, Sun and
// Tang, "Guided Image Filtering", ECCV 2010, used as a transfer). Every output pixel is a function
// of the full-resolution input pixel and the small pair only, so a region computes exactly the
// pixels of the whole photo there.
#include <opencv2/core.hpp>

#include "restora/models/job.h"

namespace restora {

struct ToneModel {
    cv::Size full;              // the photo the model applies to
    std::vector<cv::Mat> maps;  // 12 CV_32F maps at the small size: A row by row (9), then b (3)
};

// The size of the small copy for a photo and a tile: the photo's own size when the tile is 0 or
// the photo fits it, else the photo scaled so that its longer side is the tile.
cv::Size tone_pass_size(cv::Size photo, int tile);

// small_in, small_out: the same size, 3 or 4 channels (alpha ignored), 8/16-bit or float in [0,1].
ToneModel fit_tone_model(const cv::Mat& small_in, const cv::Mat& small_out, cv::Size full, int radius = 2,
                         double eps = 1e-4);

// The region of `image` (8/16-bit, 3 or 4 channels, model.full in size) with the model applied,
// in the image's type; alpha unchanged. Cancel is checked every 64 rows.
cv::Mat apply_tone_model(const ToneModel& model, const cv::Mat& image, const cv::Rect& region,
                         const JobControl& job = {});

}  // namespace restora
