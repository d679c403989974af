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

// How the learned fill is made; the defaults are what `model=learned` does (docs/QUALITY.md,
// "Inpainting"). The benchmarks vary them.
struct LearnedFillOptions {
    bool flip_average = true;    // average the network's fill of the crop and of its mirror image
    double refine_below = 0.25;  // PatchMatch refinement only when the network ran below this scale
    double telea_weight = 0.0;   // share of Telea's fill mixed into the network's (0: none)
    double margin = 0.5;         // context around the hole's box, in units of its larger side
    int working_side = 128;      // the network's input side at most
    // The network's fill guides PatchMatch at the pyramid levels from log2(1/scale) + guide_octaves
    // (0 = the level at the network's own resolution) up to the coarsest.
    int guide_octaves = -1;
    double guide_weight = 0.3;
    bool sharp_refinement = true;  // the refinement ends with a copy, not a vote (PatchMatchOptions::copy_last)
};
OpResult run_inpaint(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                     const cv::Rect& region, const LearnedFillOptions& learned);

}  // namespace restora
