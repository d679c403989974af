#pragma once
// Built-in operations and the helper that runs OpenCV algorithms tile by tile.
#include <functional>

#include <opencv2/core.hpp>

#include "restora/core/registry.h"

namespace restora {

void register_builtin_operations(Registry& registry);
// erase-text (core/src/ops/text.cpp).
void register_text_operations(Registry& registry);
// The guided text eraser's classical fill (erase-text-v2 and later): OpenCV Telea, radius 5, on an
// 8-bit 3-channel image with mask8 (255 = text). restora-prep-text stores it for training and
// erase-text computes it at run time, so the two cannot drift apart.
cv::Mat eraser_guide(const cv::Mat& image8, const cv::Mat& mask8);
// deblur, derain, dehaze, enhance-lowlight, retouch (core/src/ops/maxim.cpp).
void register_maxim_operations(Registry& registry);
// The image with Gaussian noise of standard deviation `sigma` (in [0,1] units) added to its colour
// channels (8 or 16 bits; alpha unchanged). The noise at a pixel is a fixed function of its place
// in the photo, so a region computes exactly the pixels of the whole and a replay is identical.
cv::Mat add_sensor_noise(const cv::Mat& image, double sigma);
// The operations whose network sets the whole photo's tone (retouch, enhance-lowlight): a photo
// larger than the tile runs as one call on a copy at the tile's size, and the edit is carried to
// full resolution (tone_transfer.h); estimates count that one call.
bool carries_whole_photo_pass(const std::string& op_id);
// A MAXIM model over `region` of the image through the tiled runner (also denoise model=maxim).
OpResult run_maxim_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                          const cv::Rect& region);

// The inpaint operation's engine: `model=` learned, patchmatch, telea map onto the first, third and
// fourth; LearnedNoRefinement (the network's upscaled fill alone) exists for the benchmarks.
// Each mask region (connected components, merged when close) is filled on its own crop; the
// result covers `region` and equals that crop of the full run.
enum class InpaintMethod { Learned, LearnedNoRefinement, PatchMatch, Telea };
OpResult run_inpaint(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                     const cv::Rect& region);
// remove-shadow (ops/shadow.cpp).
void register_shadow_operations(Registry& registry);
// remove-shadow's grown mask: 255 where a pixel is within `grow` px (Euclidean) of the mask.
cv::Mat grow_mask(const cv::Mat& mask, int grow);

// Runs fn on each tile (read with `context` pixels of mirrored border context) and assembles the
// cores. Exact for algorithms whose reach is at most `context`. Cancel and progress per tile.
// tile == 0: fn runs once on the whole image.
// With a non-empty `region`, only the tiles touching it run and the result covers the region.
cv::Mat apply_tiled(const cv::Mat& src, int tile, int context,
                    const std::function<cv::Mat(const cv::Mat&)>& fn, const JobControl& job,
                    const cv::Rect& region = cv::Rect());

// The pixels of rect (x, y, w, h), mirrored (reflect-101) where it leaves the image.
cv::Mat extract_mirrored(const cv::Mat& src, int x, int y, int w, int h);

}  // namespace restora
