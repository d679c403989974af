#pragma once
// The learned shadow-removal network, after "Leveraging Inpainting for Single-Image Shadow
// Removal" (Li et al., ICCV 2023): two encoders look at the same region in two ways -- one sees
// the shadowed image with the mask, the other sees the image with the masked pixels removed (the
// inpainting view, which knows only the lit surroundings) -- and adaptive fusion blocks mix them
// with learned per-pixel, per-channel weights before a shared FFC body and decoder. Both encoders,
// the body and the decoder have the inpainting network's shapes, so they start from its weights.
//
// The decoder has two heads: the inpainting head (a colour) and a relighting head (a per-pixel,
// per-channel log gain applied to the shadowed pixels, which keeps their texture), mixed by a
// learned per-pixel weight, and never darker than the input (a shadow only takes light away).
// Pixels outside the mask are returned unchanged.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

#include "restora/models/inpaint_net.h"

namespace restora {

// sigmoid(conv(cat(a, b))) * cat(a, b), then a conv down to `out` channels (k x k kernels: 3
// at the bottleneck as in the paper, 1 on the skips, where full-resolution 3x3 convolutions on
// both views would triple the cost on a CPU).
struct AdaptiveFusionImpl : torch::nn::Module {
    AdaptiveFusionImpl(int in_each, int out, int k);
    torch::Tensor forward(const torch::Tensor& a, const torch::Tensor& b);
    torch::nn::Conv2d gate{nullptr}, mix{nullptr};
};
TORCH_MODULE(AdaptiveFusion);

struct ShadowEncoderImpl : torch::nn::Module {
    explicit ShadowEncoderImpl(int base);
    // Features at 1, 1/2 and 1/4 resolution.
    std::vector<torch::Tensor> forward(const torch::Tensor& x);
    torch::nn::Conv2d in_conv{nullptr}, down1{nullptr}, down2{nullptr};
};
TORCH_MODULE(ShadowEncoder);

struct ShadowNetImpl : torch::nn::Module {
    explicit ShadowNetImpl(int base = 32, int blocks = 4);
    // image: [B,3,H,W] in [0,1]; mask: [B,1,H,W], 1 = shadow (painted, may be loose). H, W
    // multiples of 4. Returns the shadow-free image (unchanged outside the mask).
    torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& mask);
    // Copies every tensor of the inpainting network whose name and shape match (both encoders
    // get the inpainting encoder); returns how many tensors were copied.
    int init_from_inpaint(InpaintNet& inpaint);
    int base;
    ShadowEncoder enc_shadow{nullptr}, enc_inpaint{nullptr};
    AdaptiveFusion fuse0{nullptr}, fuse1{nullptr}, fuse2{nullptr};
    torch::nn::ModuleList body;
    torch::nn::ConvTranspose2d up1{nullptr}, up2{nullptr};
    torch::nn::Conv2d eq1{nullptr}, eq2{nullptr}, out_conv{nullptr}, relight{nullptr};
};
TORCH_MODULE(ShadowNet);

// Weights in Restora's weight-file format; `half` stores the values rounded to fp16.
void save_shadow_net(ShadowNet& net, const std::filesystem::path& file, const std::map<std::string, std::string>& meta,
                     bool half = false);
ShadowNet load_shadow_net(const std::filesystem::path& file, torch::Device device);

}  // namespace restora
