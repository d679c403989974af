#pragma once
// The learned inpainting network: a small encoder-decoder whose bottleneck blocks pair a local
// 3x3 branch with a global Fourier branch (LaMa's fast Fourier convolution: a 1x1 convolution in
// the frequency domain sees the whole image), and a structure/texture split in the spirit of the
// mutual encoder-decoder paper: the decoder is fed both the deep (structure) features and the
// shallow (texture) skip features, re-weighted per channel (feature equalisation).
// Input: image in [0,1] with the hole zeroed, and the mask (1 = hole); output: the composite.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace restora {

struct FourierUnitImpl : torch::nn::Module {
    explicit FourierUnitImpl(int channels);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(FourierUnit);

struct FfcBlockImpl : torch::nn::Module {
    explicit FfcBlockImpl(int channels);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d local1{nullptr};
    torch::nn::Conv2d local2{nullptr};
    FourierUnit global{nullptr};
};
TORCH_MODULE(FfcBlock);

struct InpaintNetImpl : torch::nn::Module {
    explicit InpaintNetImpl(int base = 32, int blocks = 4);
    // image: [B,3,H,W] in [0,1]; mask: [B,1,H,W], 1 = hole. H and W multiples of 4.
    torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& mask);
    int base;
    torch::nn::Conv2d in_conv{nullptr}, down1{nullptr}, down2{nullptr};
    torch::nn::ModuleList body;
    torch::nn::ConvTranspose2d up1{nullptr}, up2{nullptr};
    torch::nn::Conv2d eq1{nullptr}, eq2{nullptr}, out_conv{nullptr};
};
TORCH_MODULE(InpaintNet);

// Weights in Restora's weight-file format (loads in libtorch 1.13 and 2.x alike).
void save_inpaint_net(InpaintNet& net, const std::filesystem::path& file,
                      const std::map<std::string, std::string>& meta);
InpaintNet load_inpaint_net(const std::filesystem::path& file, torch::Device device);

}  // namespace restora
