// A super-resolution network followed by an area average back to the input's size: the same-size
// clean-up (engine.h, make_same_size_model). Fused into one model so the tiled runner handles it
// like any other (context, borders, regions, out-of-memory splits) and only a tile's xN output
// ever exists.
#include <torch/torch.h>

#include "restora/models/errors.h"
#include "restora/models/torch_model.h"

namespace restora {

namespace {

class SameSizeModel : public TorchImageModel {
  public:
    SameSizeModel(std::shared_ptr<ImageModel> network, TorchImageModel& torch_net, ModelTraits traits)
        : TorchImageModel(std::move(traits), torch_net.device()), network_(std::move(network)), net_(torch_net) {}

    torch::Tensor forward(const torch::Tensor& x) override {
        const int s = net_.traits().scale;
        // The xN result as it would be written (clipped to [0,1]), averaged over s x s blocks: an
        // exact area downscale by the integer factor (what cv::INTER_AREA computes), in float32.
        const torch::Tensor y = net_.forward(x).to(torch::kFloat32).clamp(0.0, 1.0);
        return torch::avg_pool2d(y, {s, s}, {s, s});
    }
    bool set_half(bool half) override { return net_.set_half(half); }
    bool set_float_type(torch::ScalarType type) override { return net_.set_float_type(type); }

  private:
    std::shared_ptr<ImageModel> network_;  // keeps net_ alive
    TorchImageModel& net_;
};

}  // namespace

std::unique_ptr<ImageModel> make_same_size_model(std::shared_ptr<ImageModel> network) {
    auto* net = dynamic_cast<TorchImageModel*>(network.get());
    if (net == nullptr) throw Error(ErrorKind::Processing, "not a libtorch model");
    ModelTraits t = net->traits();
    t.scale = 1;
    return std::make_unique<SameSizeModel>(std::move(network), *net, std::move(t));
}

}  // namespace restora
