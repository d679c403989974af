#include "restora/models/shadow_net.h"

#include <cstring>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/module_weights.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace nn = torch::nn;

AdaptiveFusionImpl::AdaptiveFusionImpl(int in_each, int out, int k) {
    gate = register_module("gate", nn::Conv2d(nn::Conv2dOptions(2 * in_each, 2 * in_each, k).padding(k / 2)));
    mix = register_module("mix", nn::Conv2d(nn::Conv2dOptions(2 * in_each, out, k).padding(k / 2)));
}

torch::Tensor AdaptiveFusionImpl::forward(const torch::Tensor& a, const torch::Tensor& b) {
    const torch::Tensor both = torch::cat({a, b}, 1);
    return torch::relu(mix->forward(torch::sigmoid(gate->forward(both)) * both));
}

ShadowEncoderImpl::ShadowEncoderImpl(int b) {
    in_conv = register_module("in_conv", nn::Conv2d(nn::Conv2dOptions(4, b, 5).padding(2)));
    down1 = register_module("down1", nn::Conv2d(nn::Conv2dOptions(b, 2 * b, 4).stride(2).padding(1)));
    down2 = register_module("down2", nn::Conv2d(nn::Conv2dOptions(2 * b, 4 * b, 4).stride(2).padding(1)));
}

std::vector<torch::Tensor> ShadowEncoderImpl::forward(const torch::Tensor& x) {
    torch::Tensor t0 = torch::relu(in_conv->forward(x));
    torch::Tensor t1 = torch::relu(down1->forward(t0));
    torch::Tensor s = torch::relu(down2->forward(t1));
    return {t0, t1, s};
}

ShadowNetImpl::ShadowNetImpl(int b, int blocks) : base(b) {
    enc_shadow = register_module("enc_shadow", ShadowEncoder(b));
    enc_inpaint = register_module("enc_inpaint", ShadowEncoder(b));
    fuse0 = register_module("fuse0", AdaptiveFusion(b, b, 1));
    fuse1 = register_module("fuse1", AdaptiveFusion(2 * b, 2 * b, 1));
    fuse2 = register_module("fuse2", AdaptiveFusion(4 * b, 4 * b, 3));
    body = register_module("body", nn::ModuleList());
    for (int i = 0; i < blocks; ++i) body->push_back(FfcBlock(4 * b));
    up1 = register_module("up1", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4 * b, 2 * b, 4).stride(2).padding(1)));
    eq1 = register_module("eq1", nn::Conv2d(nn::Conv2dOptions(4 * b, 2 * b, 3).padding(1)));
    up2 = register_module("up2", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2 * b, b, 4).stride(2).padding(1)));
    eq2 = register_module("eq2", nn::Conv2d(nn::Conv2dOptions(2 * b, b, 3).padding(1)));
    out_conv = register_module("out_conv", nn::Conv2d(nn::Conv2dOptions(b, 3, 3).padding(1)));
    relight = register_module("relight", nn::Conv2d(nn::Conv2dOptions(b, 4, 3).padding(1)));
    // The relighting head starts as "no change, trust the relit pixels": zero log gain, and a
    // mixing weight of sigmoid(-2) = 0.12 for the inpainting colour.
    torch::NoGradGuard ng;
    relight->weight.zero_();
    relight->bias.zero_();
    relight->bias[3] = -2.0;
}

torch::Tensor ShadowNetImpl::forward(const torch::Tensor& image, const torch::Tensor& mask) {
    const auto s = enc_shadow->forward(torch::cat({image, mask}, 1));
    const auto i = enc_inpaint->forward(torch::cat({image * (1 - mask), mask}, 1));
    const torch::Tensor f0 = fuse0->forward(s[0], i[0]);
    const torch::Tensor f1 = fuse1->forward(s[1], i[1]);
    torch::Tensor x = fuse2->forward(s[2], i[2]);
    for (const auto& blk : *body) x = blk->as<FfcBlock>()->forward(x);
    torch::Tensor d1 = torch::relu(up1->forward(x));
    d1 = torch::relu(eq1->forward(torch::cat({d1, f1}, 1)));
    torch::Tensor d0 = torch::relu(up2->forward(d1));
    d0 = torch::relu(eq2->forward(torch::cat({d0, f0}, 1)));
    const torch::Tensor colour = torch::sigmoid(out_conv->forward(d0));
    const torch::Tensor r = relight->forward(d0);
    const torch::Tensor gain = torch::exp(r.narrow(1, 0, 3).clamp(-1.0, 3.0));
    const torch::Tensor relit = (image * gain).clamp(0.0, 1.0);
    const torch::Tensor a = torch::sigmoid(r.narrow(1, 3, 1));
    // A shadow only takes light away: the shadow-free value is never darker than the shadowed
    // one, so anything darker is an error that this bound removes.
    const torch::Tensor fixed = torch::max(a * colour + (1 - a) * relit, image);
    return image * (1 - mask) + fixed * mask;
}

int ShadowNetImpl::init_from_inpaint(InpaintNet& inpaint) {
    auto mine = named_parameters();
    torch::NoGradGuard ng;
    int copied = 0;
    for (const auto& p : inpaint->named_parameters()) {
        const std::string& n = p.key();
        std::vector<std::string> targets;
        if (n.rfind("in_conv.", 0) == 0 || n.rfind("down1.", 0) == 0 || n.rfind("down2.", 0) == 0) {
            targets = {"enc_shadow." + n, "enc_inpaint." + n};
        } else {
            targets = {n};
        }
        for (const auto& t : targets) {
            torch::Tensor* dst = mine.find(t);
            if (dst != nullptr && dst->sizes() == p.value().sizes()) {
                dst->copy_(p.value());
                ++copied;
            }
        }
    }
    return copied;
}

void save_shadow_net(ShadowNet& net, const std::filesystem::path& file, const std::map<std::string, std::string>& meta,
                     bool half) {
    WeightFileContents c;
    c.meta = meta;
    c.meta["arch"] = "shadow-fusion";
    c.meta["base"] = std::to_string(net->base);
    c.meta["blocks"] = std::to_string(net->body->size());
    if (half) c.meta["storage"] = "f16";
    append_parameters(c, *net);
    save_weight_file_atomically(file, c);
}

ShadowNet load_shadow_net(const std::filesystem::path& file, torch::Device device) {
    WeightFileContents c = load_weight_file(file);
    if (c.meta["arch"] != "shadow-fusion") {
        throw Error(ErrorKind::Processing, file.string() + " is not a shadow-removal network");
    }
    ShadowNet net(std::stoi(c.meta["base"]), std::stoi(c.meta["blocks"]));
    load_parameters(*net, c, file.string());
    net->to(device);
    net->eval();
    return net;
}

}  // namespace restora
