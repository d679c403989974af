#pragma once
// The inpainting engine behind inpaint (and erase-text model=inpaint, remove-shadow's benchmarks).
#include <opencv2/core.hpp>

#include "restora/core/operation.h"

namespace restora {

// The learned inpainting network's weight id.
inline constexpr const char* kInpaintModelId = "inpaint-ffc-v1";

// `model=` learned, patchmatch, telea map onto the first, third and fourth; LearnedNoRefinement
// (the network's upscaled fill alone) exists for the benchmarks.
// Each mask region (connected components, merged when close) is filled on its own crop; the
// result covers `region` and equals that crop of the full run.
enum class InpaintMethod { Learned, LearnedNoRefinement, PatchMatch, Telea };
OpResult run_inpaint(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                     const cv::Rect& region);

}  // namespace restora
