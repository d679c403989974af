#include "restora/models/eraser_net.h"

#include <cstring>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

torch::Tensor eraser_pass(const EraserNet& e, const torch::Tensor& image, const torch::Tensor& estimate,
                          const torch::Tensor& mask, const torch::Tensor& guide) {
    // The layers of InpaintNetImpl::forward with the wider input (eraser_net.h).
    InpaintNetImpl& n = *e.net.ptr();
    const torch::Tensor known = image * (1 - mask);
    torch::Tensor t0 = torch::relu(n.in_conv->forward(torch::cat({known, mask, image * mask, estimate * mask}, 1)));
    torch::Tensor t1 = torch::relu(n.down1->forward(t0));
    torch::Tensor s = torch::relu(n.down2->forward(t1));
    for (const auto& blk : *n.body) s = blk->as<FfcBlock>()->forward(s);
    torch::Tensor d1 = torch::relu(n.up1->forward(s));
    d1 = torch::relu(n.eq1->forward(torch::cat({d1, t1}, 1)));
    torch::Tensor d0 = torch::relu(n.up2->forward(d1));
    d0 = torch::relu(n.eq2->forward(torch::cat({d0, t0}, 1)));
    const torch::Tensor o = n.out_conv->forward(d0);
    if (!e.guided) return known + torch::sigmoid(o) * mask;
    const torch::Tensor g = torch::sigmoid(o.narrow(1, 3, 1));
    const torch::Tensor fill = g * torch::sigmoid(o.narrow(1, 0, 3)) + (1 - g) * guide;
    return known + fill * mask;
}

std::vector<torch::Tensor> eraser_forward(EraserNet& e, const torch::Tensor& image, const torch::Tensor& mask,
                                          const torch::Tensor& guide) {
    if (e.guided && !guide.defined()) throw Error(ErrorKind::Processing, "the guided eraser needs a classical fill");
    std::vector<torch::Tensor> outs;
    torch::Tensor estimate = e.guided ? guide : torch::zeros_like(image);
    for (int k = 0; k < e.passes; ++k) {
        estimate = eraser_pass(e, image, estimate, mask, e.guided ? guide : torch::Tensor());
        outs.push_back(estimate);
    }
    return outs;
}

namespace {

// The inpainting network with the eraser's 10-channel input convolution (and, guided, a fourth
// output channel: the gate).
InpaintNet make_eraser_body(int base, int blocks, bool guided) {
    InpaintNet net(base, blocks);
    net->in_conv = net->replace_module(
        "in_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(kEraserInputs, base, 5).padding(2)));
    if (guided) {
        net->out_conv = net->replace_module("out_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(base, 4, 3).padding(1)));
    }
    return net;
}

}  // namespace

void save_eraser_net(EraserNet& e, const std::filesystem::path& file, const std::map<std::string, std::string>& meta) {
    WeightFileContents c;
    c.meta = meta;
    c.meta["arch"] = "erase-text-ffc";
    c.meta["base"] = std::to_string(e.net->base);
    c.meta["blocks"] = std::to_string(e.net->body->size());
    c.meta["passes"] = std::to_string(e.passes);
    if (e.guided) c.meta["guide"] = "telea";
    for (const auto& p : e.net->named_parameters()) {
        const torch::Tensor t = p.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
        RawTensor r;
        r.name = p.key();
        r.shape = t.sizes().vec();
        r.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
        c.tensors.push_back(std::move(r));
    }
    const std::filesystem::path tmp = file.string() + ".tmp";
    save_weight_file(tmp, c);
    std::filesystem::rename(tmp, file);
}

EraserNet load_eraser_net(const std::filesystem::path& file, torch::Device device, const EraserInit& init) {
    WeightFileContents c = load_weight_file(file);
    const std::string arch = c.meta["arch"];
    if (arch != "erase-text-ffc" && arch != "inpaint-ffc") {
        throw Error(ErrorKind::Processing, file.string() + " is not a text-erasure network");
    }
    EraserNet e;
    const bool from_inpaint = arch == "inpaint-ffc";
    e.guided = from_inpaint ? init.guided : c.meta["guide"] == "telea";
    if (!from_inpaint && !c.meta["guide"].empty() && !e.guided) {
        throw Error(ErrorKind::Processing, file.string() + ": unknown eraser guide '" + c.meta["guide"] + "'");
    }
    e.net = make_eraser_body(std::stoi(c.meta["base"]), std::stoi(c.meta["blocks"]), e.guided);
    e.passes = from_inpaint ? init.passes : std::stoi(c.meta["passes"]);
    std::map<std::string, RawTensor*> by_name;
    for (auto& t : c.tensors) by_name[t.name] = &t;
    torch::NoGradGuard ng;
    for (auto& p : e.net->named_parameters()) {
        auto it = by_name.find(p.key());
        if (it == by_name.end()) throw Error(ErrorKind::Processing, file.string() + " lacks " + p.key());
        const torch::Tensor t = torch::from_blob(it->second->values.data(), it->second->shape, torch::kFloat32);
        if (from_inpaint && p.key() == "in_conv.weight" && t.size(1) == 4) {
            // Initialisation: the inpainting network's 4 input channels, the eraser's 6 new ones at 0.
            p.value().zero_();
            p.value().narrow(1, 0, 4).copy_(t);
            continue;
        }
        if (from_inpaint && e.guided && p.key().rfind("out_conv.", 0) == 0 && t.size(0) == 3) {
            // The gate channel starts constant (zero weights, bias gate_bias).
            p.value().zero_();
            p.value().narrow(0, 0, 3).copy_(t);
            if (p.key() == "out_conv.bias") p.value()[3].fill_(init.gate_bias);
            continue;
        }
        if (t.sizes() != p.value().sizes()) throw Error(ErrorKind::Processing, file.string() + ": wrong shape of " + p.key());
        p.value().copy_(t);
    }
    e.net->to(device);
    e.net->eval();
    return e;
}

}  // namespace restora
