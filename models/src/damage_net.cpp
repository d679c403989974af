#include "restora/models/damage_net.h"

#include <cstring>

#include "restora/models/errors.h"
#include "restora/models/module_weights.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace {

torch::nn::Sequential block(int in, int out) {
    namespace nn = torch::nn;
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)),
                          nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1)),
                          nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)),
                          nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1)));
}

}  // namespace

DamageUNetImpl::DamageUNetImpl(int b) : base(b) {
    enc1 = register_module("enc1", block(3, b));
    enc2 = register_module("enc2", block(b, 2 * b));
    enc3 = register_module("enc3", block(2 * b, 4 * b));
    mid = register_module("mid", block(4 * b, 4 * b));
    dec3 = register_module("dec3", block(8 * b, 2 * b));
    dec2 = register_module("dec2", block(4 * b, b));
    dec1 = register_module("dec1", block(2 * b, b));
    head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(b, 1, 1)));
}

torch::Tensor DamageUNetImpl::forward(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    auto pool = [](const torch::Tensor& t) { return F::max_pool2d(t, F::MaxPool2dFuncOptions(2)); };
    auto up = [](const torch::Tensor& t) {
        return F::interpolate(
            t, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}).mode(torch::kNearest));
    };
    const torch::Tensor e1 = enc1->forward(x - 0.5);
    const torch::Tensor e2 = enc2->forward(pool(e1));
    const torch::Tensor e3 = enc3->forward(pool(e2));
    const torch::Tensor m = mid->forward(pool(e3));
    const torch::Tensor d3 = dec3->forward(torch::cat({up(m), e3}, 1));
    const torch::Tensor d2 = dec2->forward(torch::cat({up(d3), e2}, 1));
    const torch::Tensor d1 = dec1->forward(torch::cat({up(d2), e1}, 1));
    return head->forward(d1);
}

void save_damage_net(DamageUNet& net, const std::filesystem::path& file,
                     const std::map<std::string, std::string>& meta) {
    WeightFileContents c;
    c.meta = meta;
    c.meta["arch"] = "damage-unet";
    c.meta["base"] = std::to_string(net->base);
    append_parameters(c, *net);
    save_weight_file_atomically(file, c);
}

DamageUNet load_damage_net(const std::filesystem::path& file, torch::Device device) {
    WeightFileContents c = load_weight_file(file);
    if (c.meta["arch"] != "damage-unet") {
        throw Error(ErrorKind::Processing, file.string() + " is not a damage detector network (damage-unet)");
    }
    DamageUNet net(std::stoi(c.meta["base"]));
    load_parameters(*net, c, file.string());
    net->to(device);
    net->eval();
    return net;
}

}  // namespace restora

#include "restora/models/damage_network.h"
#include "restora/models/torch_model.h"

namespace restora {

struct DamageNetwork::Impl {
    DamageUNet net{nullptr};
    torch::Device device{torch::kCPU};
};

DamageNetwork::DamageNetwork(const std::filesystem::path& weights, DeviceKind device)
    : impl_(std::make_unique<Impl>()) {
    impl_->device = to_torch_device(device);
    impl_->net = load_damage_net(weights, impl_->device);
}

DamageNetwork::~DamageNetwork() = default;

void DamageNetwork::run(int w, int h, const float* rgb, float* prob) const {
    if (w % 8 != 0 || h % 8 != 0)
        throw Error(ErrorKind::Processing, "damage network input sides must be multiples of 8");
    c10::InferenceMode guard;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(rgb), {1, h, w, 3}, torch::kFloat32)
                                .permute({0, 3, 1, 2})
                                .to(impl_->device);
    const torch::Tensor p = torch::sigmoid(impl_->net->forward(x)).to(torch::kCPU).contiguous();
    std::memcpy(prob, p.data_ptr<float>(), sizeof(float) * static_cast<size_t>(w) * h);
}

}  // namespace restora
