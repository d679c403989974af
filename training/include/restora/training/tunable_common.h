#pragma once
// Pieces shared by the tunable-network trainers (train_tunable.cpp: SR; train_tunable_denoise.cpp).
#include <torch/torch.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <cstdio>
#include <filesystem>
#include <map>

#include "restora/models/errors.h"
#include "restora/models/tunable_net.h"
#include "restora/models/weight_file.h"
#include "restora/training/shard.h"

namespace restora::tunable_train {

namespace nn = torch::nn;

// PatchGAN discriminator; forward returns the intermediate features and the logits last.
struct DiscriminatorImpl : nn::Module {
    nn::Conv2d c1{nullptr}, c2{nullptr}, c3{nullptr}, c4{nullptr};
    DiscriminatorImpl() {
        c1 = register_module("c1", nn::Conv2d(nn::Conv2dOptions(3, 32, 4).stride(2).padding(1)));
        c2 = register_module("c2", nn::Conv2d(nn::Conv2dOptions(32, 64, 4).stride(2).padding(1)));
        c3 = register_module("c3", nn::Conv2d(nn::Conv2dOptions(64, 128, 3).padding(1)));
        c4 = register_module("c4", nn::Conv2d(nn::Conv2dOptions(128, 1, 3).padding(1)));
    }
    std::vector<torch::Tensor> forward(const torch::Tensor& x) {
        std::vector<torch::Tensor> f;
        f.push_back(torch::leaky_relu(c1->forward(x * 2 - 1), 0.2));
        f.push_back(torch::leaky_relu(c2->forward(f.back()), 0.2));
        f.push_back(torch::leaky_relu(c3->forward(f.back()), 0.2));
        f.push_back(c4->forward(f.back()));
        return f;
    }
};
TORCH_MODULE(Discriminator);

inline torch::Tensor amplitude_l1(const torch::Tensor& a, const torch::Tensor& b) {
    return (torch::fft::rfft2(a, c10::nullopt, {-2, -1}, "ortho").abs() -
            torch::fft::rfft2(b, c10::nullopt, {-2, -1}, "ortho").abs())
        .abs()
        .mean();
}

// BT.601 luma of [N,3,H,W] RGB, keeping the channel dimension.
inline torch::Tensor luma(const torch::Tensor& rgb) {
    return rgb.narrow(1, 0, 1) * 0.299 + rgb.narrow(1, 1, 1) * 0.587 + rgb.narrow(1, 2, 1) * 0.114;
}

inline double gradient_energy(const torch::Tensor& t) {
    const torch::Tensor dx = t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1);
    const torch::Tensor dy = t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1);
    return (dx.pow(2).mean() + dy.pow(2).mean()).item<double>();
}

// The generator's adversarial and feature-matching terms against `real` (the discriminator's own
// weights get no gradient from them).
struct AdversarialTerms {
    torch::Tensor adv, fm;
};
inline AdversarialTerms adversarial_terms(Discriminator& disc, const torch::Tensor& fake, const torch::Tensor& real) {
    for (auto& q : disc->parameters()) q.set_requires_grad(false);
    const auto ff = disc->forward(fake);
    std::vector<torch::Tensor> fr;
    {
        torch::NoGradGuard ng;
        fr = disc->forward(real);
    }
    AdversarialTerms t{torch::softplus(-ff.back()).mean(), torch::zeros({}, fake.options())};
    for (size_t k = 0; k + 1 < ff.size(); ++k) t.fm = t.fm + (ff[k] - fr[k]).abs().mean();
    for (auto& q : disc->parameters()) q.set_requires_grad(true);
    return t;
}

// One discriminator step: real vs the (detached) fake. Returns its loss.
inline torch::Tensor discriminator_step(Discriminator& disc, torch::optim::Optimizer& opt, const torch::Tensor& real,
                                        const torch::Tensor& fake) {
    const torch::Tensor loss = torch::softplus(-disc->forward(real).back()).mean() +
                               torch::softplus(disc->forward(fake.detach()).back()).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    return loss;
}

// L1 between 4x4 means: the perception objectives keep low frequencies and colour faithful.
inline torch::Tensor low_pass_l1(const torch::Tensor& a, const torch::Tensor& b) {
    return (torch::avg_pool2d(a, 4) - torch::avg_pool2d(b, 4)).abs().mean();
}

// Checkpoint: DIR/checkpoint.rsw (weights, `extra` in the meta) and DIR/optimizer.pt (Adam moments
// of generator and discriminator, discriminator weights), each through a temp file and rename.
inline void save_state(TunableGraphNet& net, const std::map<std::string, std::string>& extra,
                       const std::filesystem::path& dir, torch::optim::Optimizer& g, torch::optim::Optimizer& d,
                       Discriminator& disc) {
    const std::filesystem::path ckpt = dir / "checkpoint.rsw";
    save_weight_file(ckpt.string() + ".tmp", net->to_weight_file(extra));
    std::filesystem::rename(ckpt.string() + ".tmp", ckpt);
    torch::serialize::OutputArchive ar, ga, da, dm;
    g.save(ga);
    d.save(da);
    disc->save(dm);
    ar.write("g", ga);
    ar.write("d", da);
    ar.write("dnet", dm);
    const std::filesystem::path opt = dir / "optimizer.pt";
    ar.save_to(opt.string() + ".tmp");
    std::filesystem::rename(opt.string() + ".tmp", opt);
}

// Restores what save_state wrote, when it is there; a mismatch only costs the moments.
inline void restore_state(const std::filesystem::path& dir, torch::optim::Optimizer& g, torch::optim::Optimizer& d,
                          Discriminator& disc) {
    const std::filesystem::path opt = dir / "optimizer.pt";
    if (!std::filesystem::exists(opt)) return;
    try {
        torch::serialize::InputArchive ar, ga, da, dm;
        ar.load_from(opt.string());
        ar.read("g", ga);
        ar.read("d", da);
        ar.read("dnet", dm);
        g.load(ga);
        d.load(da);
        disc->load(dm);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "optimizer state not restored (%s); continuing with fresh moments\n", e.what());
    }
}

}  // namespace restora::tunable_train
