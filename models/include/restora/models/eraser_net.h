#pragma once
// The text-erasure network (erase-text-v1): the FFC inpainting network (inpaint_net.h) applied
// recurrently in the spirit of DeepEraser. Unlike inpainting, the network also sees the text
// (the background between glyphs and inside loose boxes is real evidence), and the same weights
// refine their own output `passes` times. Each pass reads 10 channels: the image with the mask
// zeroed (as the inpainting network), the mask, the original pixels inside the mask (text
// visible) and the previous pass's estimate inside the mask (zero on the first pass). The last
// six input channels start at zero weight, so an initialisation from inpaint-ffc-v1 begins
// exactly at the inpainting engine and training only adds what the text and the estimate tell.
//
// Guided variant (erase-text-v3, meta guide=telea): the caller also gives a classical fill of
// the mask (OpenCV Telea, computed by restora-prep-text for training and by the operation at run
// time). It is the first pass's estimate, and the output convolution has a fourth channel, a
// per-pixel gate g: fill = g * network + (1 - g) * guide. Thin strokes over smooth backgrounds,
// where diffusion is near-perfect, can take the guide; textured and large regions the network.
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
    bool guided = false;  // takes a classical fill (guide) and gates between it and its own
};

// How a new eraser is made from an inpaint-ffc file (ignored for erase-text-ffc files).
struct EraserInit {
    int passes = 2;
    bool guided = false;
    float gate_bias = 0.0F;  // initial gate logit: 0 = half network, half guide
};

constexpr int kEraserInputs = 10;

// One refinement pass: image [B,3,H,W] in [0,1] with the text, estimate [B,3,H,W] (zeros on
// the first pass), mask [B,1,H,W] with 1 = text; H, W multiples of 4. Returns the composite.
// guide: the classical fill [B,3,H,W] for a guided network, undefined otherwise.
torch::Tensor eraser_pass(const EraserNet& e, const torch::Tensor& image, const torch::Tensor& estimate,
                          const torch::Tensor& mask, const torch::Tensor& guide = {});
// All passes; returns every pass's composite (the last is the result). A guided network needs
// `guide` (throws Error(Processing) without it); it is also the first pass's estimate.
std::vector<torch::Tensor> eraser_forward(EraserNet& e, const torch::Tensor& image, const torch::Tensor& mask,
                                          const torch::Tensor& guide = {});

void save_eraser_net(EraserNet& e, const std::filesystem::path& file, const std::map<std::string, std::string>& meta);
// Loads an erase-text-ffc file; an inpaint-ffc file (the initialisation) loads as `init` says.
EraserNet load_eraser_net(const std::filesystem::path& file, torch::Device device, const EraserInit& init = {});

}  // namespace restora
