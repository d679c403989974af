#include "restora/models/inpaint_net.h"

#include <cstring>

#include "restora/models/errors.h"
#include "restora/models/module_weights.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace nn = torch::nn;

FourierUnitImpl::FourierUnitImpl(int c) {
    conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(2 * c, 2 * c, 1)));
}

torch::Tensor FourierUnitImpl::forward(const torch::Tensor& x) {
    const int64_t h = x.size(2);
    const int64_t w = x.size(3);
    // cuFFT's half precision needs power-of-two sizes: the transform always runs in float32.
    const torch::Tensor xf = x.to(torch::kFloat32);
    torch::Tensor f = torch::fft::rfft2(xf, c10::nullopt, {-2, -1}, "ortho");
    torch::Tensor ri = torch::cat({torch::real(f), torch::imag(f)}, 1);
    ri = torch::relu(conv->forward(ri));
    const auto halves = ri.chunk(2, 1);
    torch::Tensor y = torch::fft::irfft2(torch::complex(halves[0].contiguous(), halves[1].contiguous()),
                                         std::vector<int64_t>{h, w}, {-2, -1}, "ortho");
    return y.to(x.scalar_type());
}

FfcBlockImpl::FfcBlockImpl(int c) {
    local1 = register_module("local1", nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)));
    local2 = register_module("local2", nn::Conv2d(nn::Conv2dOptions(c, c, 3).padding(1)));
    global = register_module("global", FourierUnit(c));
}

torch::Tensor FfcBlockImpl::forward(const torch::Tensor& x) {
    torch::Tensor l = local2->forward(torch::relu(local1->forward(x)));
    return x + l + global->forward(x);
}

InpaintNetImpl::InpaintNetImpl(int b, int blocks) : base(b) {
    in_conv = register_module("in_conv", nn::Conv2d(nn::Conv2dOptions(4, b, 5).padding(2)));
    down1 = register_module("down1", nn::Conv2d(nn::Conv2dOptions(b, 2 * b, 4).stride(2).padding(1)));
    down2 = register_module("down2", nn::Conv2d(nn::Conv2dOptions(2 * b, 4 * b, 4).stride(2).padding(1)));
    body = register_module("body", nn::ModuleList());
    for (int i = 0; i < blocks; ++i) body->push_back(FfcBlock(4 * b));
    up1 = register_module("up1", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4 * b, 2 * b, 4).stride(2).padding(1)));
    eq1 = register_module("eq1", nn::Conv2d(nn::Conv2dOptions(4 * b, 2 * b, 3).padding(1)));
    up2 = register_module("up2", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2 * b, b, 4).stride(2).padding(1)));
    eq2 = register_module("eq2", nn::Conv2d(nn::Conv2dOptions(2 * b, b, 3).padding(1)));
    out_conv = register_module("out_conv", nn::Conv2d(nn::Conv2dOptions(b, 3, 3).padding(1)));
}

torch::Tensor InpaintNetImpl::forward(const torch::Tensor& image, const torch::Tensor& mask) {
    const torch::Tensor known = image * (1 - mask);
    torch::Tensor t0 = torch::relu(in_conv->forward(torch::cat({known, mask}, 1)));  // texture
    torch::Tensor t1 = torch::relu(down1->forward(t0));
    torch::Tensor s = torch::relu(down2->forward(t1));  // structure
    for (const auto& blk : *body) s = blk->as<FfcBlock>()->forward(s);
    // Decoder: structure upsampled, fused with the texture skip (equalised by a conv).
    torch::Tensor d1 = torch::relu(up1->forward(s));
    d1 = torch::relu(eq1->forward(torch::cat({d1, t1}, 1)));
    torch::Tensor d0 = torch::relu(up2->forward(d1));
    d0 = torch::relu(eq2->forward(torch::cat({d0, t0}, 1)));
    const torch::Tensor fill = torch::sigmoid(out_conv->forward(d0));
    return known + fill * mask;
}

void save_inpaint_net(InpaintNet& net, const std::filesystem::path& file,
                      const std::map<std::string, std::string>& meta) {
    WeightFileContents c;
    c.meta = meta;
    c.meta["arch"] = "inpaint-ffc";
    c.meta["base"] = std::to_string(net->base);
    c.meta["blocks"] = std::to_string(net->body->size());
    append_parameters(c, *net);
    save_weight_file_atomically(file, c);
}

InpaintNet load_inpaint_net(const std::filesystem::path& file, torch::Device device) {
    WeightFileContents c = load_weight_file(file);
    if (c.meta["arch"] != "inpaint-ffc")
        throw Error(ErrorKind::Processing, file.string() + " is not an inpainting network");
    InpaintNet net(std::stoi(c.meta["base"]), std::stoi(c.meta["blocks"]));
    load_parameters(*net, c, file.string());
    net->to(device);
    net->eval();
    return net;
}

}  // namespace restora
