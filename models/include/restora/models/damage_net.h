#pragma once
// The old-photo damage detector network (damage-unet): a small U-Net, three levels (base, 2x, 4x
// channels) and a bottleneck at 1/8 size, that maps an RGB photo in [0,1] to one logit per pixel
// (damage: scratches, dust, hairs, creases, small tears). Trained by restora-train-damage on
// restora-prep-damage's synthetic sets (docs/TRAINING.md).
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <string>

namespace restora {

struct DamageUNetImpl : torch::nn::Module {
    explicit DamageUNetImpl(int base = 16);
    // x: [B,3,H,W] in [0,1], H and W multiples of 8. Returns logits [B,1,H,W].
    torch::Tensor forward(const torch::Tensor& x);
    int base;
    torch::nn::Sequential enc1{nullptr}, enc2{nullptr}, enc3{nullptr}, mid{nullptr}, dec3{nullptr}, dec2{nullptr},
        dec1{nullptr};
    torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(DamageUNet);

void save_damage_net(DamageUNet& net, const std::filesystem::path& file,
                     const std::map<std::string, std::string>& meta);
// Throws Error(Processing) when the file is not a damage-unet.
DamageUNet load_damage_net(const std::filesystem::path& file, torch::Device device);

}  // namespace restora
