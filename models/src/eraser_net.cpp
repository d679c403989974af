#include "restora/models/eraser_net.h"

#include <cstring>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/module_weights.h"
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
    net->in_conv =
        net->replace_module("in_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(kEraserInputs, base, 5).padding(2)));
    if (guided) {
        net->out_conv =
            net->replace_module("out_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(base, 4, 3).padding(1)));
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
    append_parameters(c, *e.net);
    save_weight_file_atomically(file, c);
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
    // Initialisation from the inpainting network: its 4 input channels, the eraser's 6 new ones at
    // 0; a guided eraser's gate channel starts constant (zero weights, bias gate_bias).
    const ParameterAdapter from_inpaint_weights = [&](const std::string& name, torch::Tensor& param,
                                                      const torch::Tensor& t) {
        if (name == "in_conv.weight" && t.size(1) == 4) {
            param.zero_();
            param.narrow(1, 0, 4).copy_(t);
            return true;
        }
        if (e.guided && name.rfind("out_conv.", 0) == 0 && t.size(0) == 3) {
            param.zero_();
            param.narrow(0, 0, 3).copy_(t);
            if (name == "out_conv.bias") param[3].fill_(init.gate_bias);
            return true;
        }
        return false;
    };
    load_parameters(*e.net, c, file.string(), from_inpaint ? from_inpaint_weights : ParameterAdapter{});
    e.net->to(device);
    e.net->eval();
    return e;
}

}  // namespace restora
