// MaskedNetwork (engine.h): the image + mask networks behind one torch-free interface, loaded once.
#include <cstring>
#include <functional>

#include "restora/models/engine.h"
#include "restora/models/eraser_net.h"
#include "restora/models/errors.h"
#include "restora/models/inpaint_net.h"
#include "restora/models/shadow_net.h"
#include "restora/models/torch_model.h"

namespace restora {

struct MaskedNetwork::Impl {
    torch::Device device{torch::kCPU};
    bool needs_guide = false;
    // image, mask, guide (undefined unless needs_guide)
    std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&)> forward;
};

MaskedNetwork::MaskedNetwork(MaskedTask task, const std::filesystem::path& weights, DeviceKind device)
    : impl_(std::make_unique<Impl>()) {
    impl_->device = to_torch_device(device);
    const torch::Device dev = impl_->device;
    switch (task) {
        case MaskedTask::Inpaint: {
            InpaintNet net = load_inpaint_net(weights, dev);
            impl_->forward = [net](const torch::Tensor& x, const torch::Tensor& m, const torch::Tensor&) mutable {
                return net->forward(x, m);
            };
            break;
        }
        case MaskedTask::RemoveShadow: {
            ShadowNet net = load_shadow_net(weights, dev);
            impl_->forward = [net](const torch::Tensor& x, const torch::Tensor& m, const torch::Tensor&) mutable {
                return net->forward(x, m);
            };
            break;
        }
        case MaskedTask::EraseText: {
            EraserNet net = load_eraser_net(weights, dev);
            impl_->needs_guide = net.guided;
            impl_->forward = [net](const torch::Tensor& x, const torch::Tensor& m, const torch::Tensor& g) mutable {
                return eraser_forward(net, x, m, g).back();
            };
            break;
        }
    }
}

MaskedNetwork::~MaskedNetwork() = default;

bool MaskedNetwork::needs_guide() const { return impl_->needs_guide; }

void MaskedNetwork::run(int w, int h, const float* rgb, const float* mask, float* out, const float* guide) const {
    if (w % 4 != 0 || h % 4 != 0) throw Error(ErrorKind::Processing, "network input sides must be multiples of 4");
    if (impl_->needs_guide && guide == nullptr)
        throw Error(ErrorKind::Processing, "this network needs a classical fill");
    // Small inputs: one CPU thread is as fast, and OpenMP workers left spinning after it would
    // take the core that the PatchMatch refinement runs on next.
    struct OneThread {
        int before = torch::get_num_threads();
        explicit OneThread(bool on) {
            if (!on) before = 0;
            if (before > 1) torch::set_num_threads(1);
        }
        ~OneThread() {
            if (before > 1) torch::set_num_threads(before);
        }
    } one_thread(impl_->device.is_cpu() && w * h <= 256 * 256);
    c10::InferenceMode guard;
    const torch::Tensor x = torch::from_blob(const_cast<float*>(rgb), {1, h, w, 3}, torch::kFloat32)
                                .permute({0, 3, 1, 2})
                                .to(impl_->device);
    const torch::Tensor m = torch::from_blob(const_cast<float*>(mask), {1, 1, h, w}, torch::kFloat32).to(impl_->device);
    torch::Tensor g;
    if (impl_->needs_guide) {
        g = torch::from_blob(const_cast<float*>(guide), {1, h, w, 3}, torch::kFloat32)
                .permute({0, 3, 1, 2})
                .to(impl_->device);
    }
    const torch::Tensor y = impl_->forward(x, m, g).permute({0, 2, 3, 1}).contiguous().to(torch::kCPU);
    std::memcpy(out, y.data_ptr<float>(), sizeof(float) * static_cast<size_t>(w) * h * 3);
}

}  // namespace restora
