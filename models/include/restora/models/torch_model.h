#pragma once
// libtorch side of ImageModel, for model implementations and tests (core never includes this).
#include <torch/torch.h>

#include <functional>
#include <utility>

#include "restora/models/engine.h"

namespace restora {

torch::Device to_torch_device(DeviceKind kind);

class TorchImageModel : public ImageModel {
  public:
    TorchImageModel(ModelTraits traits, torch::Device device) : traits_(std::move(traits)), device_(device) {}
    [[nodiscard]] const ModelTraits& traits() const override { return traits_; }
    [[nodiscard]] std::string device_name() const override { return device_.str(); }
    [[nodiscard]] torch::Device device() const { return device_; }
    // x: [1,3,h,w] float32 in [0,1] on device(); returns [1,3,h*scale,w*scale].
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;
    // Switches the weights to float16 (CUDA only; explicit casts, no autocast, so the same code
    // runs on libtorch 1.13 and 2.x). Returns false when the model cannot.
    virtual bool set_half(bool /*half*/) { return false; }
    // The computation's floating-point type (kFloat16, kFloat32, kFloat64); false when unsupported.
    virtual bool set_float_type(torch::ScalarType type) {
        if (type == torch::kFloat32) return set_half(false);
        if (type == torch::kFloat16) return set_half(true);
        return false;
    }

  private:
    ModelTraits traits_;
    torch::Device device_;
};

// Wraps a function as a model: for tests and simple resamplers.
class FunctionModel : public TorchImageModel {
  public:
    using Fn = std::function<torch::Tensor(const torch::Tensor&)>;
    FunctionModel(ModelTraits traits, torch::Device device, Fn fn)
        : TorchImageModel(std::move(traits), device), fn_(std::move(fn)) {}
    torch::Tensor forward(const torch::Tensor& x) override { return fn_(x); }

  private:
    Fn fn_;
};

// True for the allocator's out-of-memory errors (CUDA and CPU, libtorch 1.13 and 2.x).
bool is_out_of_memory(const std::exception& e);

}  // namespace restora
