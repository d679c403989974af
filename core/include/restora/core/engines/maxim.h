#pragma once
// Running the imported MAXIM networks (CVPR 2022): tiled, or as one whole-photo pass whose edit is
// carried to full resolution (tone_transfer.h).
#include <string>

#include <opencv2/core.hpp>

#include "restora/core/operation.h"

namespace restora {

// A MAXIM model over `region` of the image through the tiled runner (also denoise model=maxim):
// tiles padded by mirroring to a multiple of 64 with 64 px of context, blended with feathered
// seams; progress and cancel per tile; alpha carried unchanged.
OpResult run_maxim_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                          const cv::Rect& region);

// For the networks that set the whole photo's tone (retouch, enhance-lowlight): a photo larger
// than the tile runs as one call on a copy at the tile's size and the edit is carried to full
// resolution; the pass is kept (PassCache, model_cache.h) so that previews of other parts of
// the photo and Apply after them only carry it. input_noise: add_sensor_noise first (0: none).
OpResult run_whole_photo_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                                const cv::Rect& region, double input_noise);
// Whether run_whole_photo_region would find its pass already kept.
bool whole_photo_pass_cached(const cv::Mat& image, const std::string& model_id, const OpContext& ctx);

// The image with Gaussian noise of standard deviation `sigma` (in [0,1] units) added to its colour
// channels (8 or 16 bits; alpha unchanged). The noise at a pixel is a fixed function of its place
// in the photo, so a region computes exactly the pixels of the whole and a replay is identical.
cv::Mat add_sensor_noise(const cv::Mat& image, double sigma);

}  // namespace restora
