#pragma once
// The text-erasure network (erase-text-v1): the FFC inpainting network (inpaint_net.h) applied
// recurrently in the spirit of DeepEraser. Unlike inpainting, the network also sees the text
// (the background between glyphs and inside loose boxes is real evidence), and the same weights
// refine their own output `passes` times. Each pass reads 10 channels: the image with the mask
// zeroed (as the inpainting network), the mask, the original pixels inside the mask (text
// visible) and the previous pass's estimate inside the mask (zero on the first pass). The last
// six input channels start at zero weight, so an initialisation from inpaint-ffc-v1 begins
// exactly at the inpainting engine and training only adds what the text and the estimate tell.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "restora/models/inpaint_net.h"

namespace restora {

struct EraserNet {
    InpaintNet net{nullptr};
    int passes = 2;
};

constexpr int kEraserInputs = 10;

// One refinement pass: image [B,3,H,W] in [0,1] with the text, estimate [B,3,H,W] (zeros on
// the first pass), mask [B,1,H,W] with 1 = text; H, W multiples of 4. Returns the composite.
torch::Tensor eraser_pass(InpaintNetImpl& net, const torch::Tensor& image, const torch::Tensor& estimate,
                          const torch::Tensor& mask);
// All passes; returns every pass's composite (the last is the result).
std::vector<torch::Tensor> eraser_forward(EraserNet& e, const torch::Tensor& image, const torch::Tensor& mask);

void save_eraser_net(EraserNet& e, const std::filesystem::path& file, const std::map<std::string, std::string>& meta);
// Loads an erase-text-ffc file; an inpaint-ffc file (the initialisation) loads with `passes`.
EraserNet load_eraser_net(const std::filesystem::path& file, torch::Device device, int passes = 2);

}  // namespace restora
