#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "restora/models/runtime_options.h"
#include "restora/models/torch_model.h"

namespace restora {

DeviceKind parse_device(const std::string& text) {
    if (text == "auto") return DeviceKind::Auto;
    if (text == "cpu") return DeviceKind::Cpu;
    if (text == "cuda") return DeviceKind::Cuda;
    throw Error(ErrorKind::Usage, "unknown device '" + text + "' (use auto, cpu or cuda)");
}

bool cuda_available() { return torch::cuda::is_available(); }

torch::Device to_torch_device(DeviceKind kind) {
    switch (kind) {
        case DeviceKind::Cpu:
            return torch::kCPU;
        case DeviceKind::Cuda:
            if (!cuda_available()) {
                throw Error(ErrorKind::Usage,
                            "--device cuda: this build of libtorch sees no CUDA device; use "
                            "--device cpu or auto");
            }
            return torch::kCUDA;
        case DeviceKind::Auto:
            break;
    }
    return cuda_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

std::string resolve_device_name(DeviceKind kind) { return to_torch_device(kind).str(); }

bool cpu_has_native_bf16() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool native = [] {  // asked per request and per status-bar refresh; the CPU stays
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512bf16") != 0 || __builtin_cpu_supports("amx-bf16") != 0;
    }();
    return native;
#else
    return false;
#endif
}

Precision resolve_precision(const std::string& choice, DeviceKind device) {
    if (choice == "fp32") return Precision::F32;
    const bool cuda = to_torch_device(device).is_cuda();
    if (choice == "bf16") {
        if (cuda) throw Error(ErrorKind::Usage, "--precision bf16 is for the CPU; on CUDA use fp16, fp32 or auto");
        return Precision::BF16;
    }
    if (choice == "fp16") {
        if (!cuda) throw Error(ErrorKind::Usage, "--precision fp16 is for CUDA; on the CPU use bf16, fp32 or auto");
        return Precision::F16;
    }
    if (choice == "auto") {
        if (cuda) return Precision::F16;
        return cpu_has_native_bf16() ? Precision::BF16 : Precision::F32;
    }
    throw Error(ErrorKind::Usage, "unknown precision '" + choice + "' (use auto, fp32, bf16 or fp16)");
}

std::string precision_name(Precision precision) {
    switch (precision) {
        case Precision::F16:
            return "fp16";
        case Precision::F32:
            return "fp32";
        case Precision::F64:
            return "fp64";
        case Precision::BF16:
            return "bf16";
    }
    return "fp32";
}

Precision parse_precision_name(const std::string& name) {
    if (name == "fp32") return Precision::F32;
    if (name == "bf16") return Precision::BF16;
    if (name == "fp16") return Precision::F16;
    throw Error(ErrorKind::Processing,
                "the history names precision '" + name + "', which this build lacks (fp32, bf16, fp16)");
}

// glibc serves each allocation above its mmap threshold (32 MiB at most) with a fresh mapping and
// unmaps it on free, so every large activation of a network page-faults in zeroed pages again.
// That kernel work was a large share of a MAXIM run's CPU time; kept in the heap, freed blocks
// are reused instead (docs/PERFORMANCE.md). The memory goes back to the system after each job
// (release_free_memory). A thread's own arena ignores M_MMAP_MAX for blocks above its 64-MiB heap
// size, hence one arena (the desktop app's worker thread). RESTORA_SYSTEM_MALLOC=1 keeps glibc's
// defaults, for comparisons.
void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        if (runtime_options().system_malloc) return;
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, INT_MAX);
    });
#endif
}

void release_free_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

void configure_threads(int threads) {
    keep_freed_memory_for_reuse();
    const int n = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    if (torch::get_num_threads() != n) torch::set_num_threads(n);
    // cuDNN's benchmark mode times its algorithms for each new convolution shape and keeps the
    // fastest: opt-in (RESTORA_CUDNN_BENCHMARK=1), for batches of same-sized photos. Once warm it
    // helps only some networks, while the first call of each new shape pays seconds for the
    // search (docs/PERFORMANCE.md), and the app's previews change shape with every pan and zoom.
    static const bool benchmark = runtime_options().cudnn_benchmark;
    at::globalContext().setBenchmarkCuDNN(benchmark);
}

std::string torch_version() {
#ifdef TORCH_VERSION
    return TORCH_VERSION;
#else
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH);
#endif
}

double measure_conv_gflops(DeviceKind kind) {
    const torch::Device device = to_torch_device(kind);
    c10::InferenceMode guard;
    torch::Tensor x = torch::rand({1, 64, 256, 256}).to(device);
    torch::Tensor w = torch::rand({64, 64, 3, 3}).to(device);
    torch::Tensor y = torch::conv2d(x, w, {}, 1, 1);  // warm-up
    if (device.is_cuda()) torch::cuda::synchronize();
    // The fastest of several trials: the desktop app measures while it decodes and draws the
    // photo, and one 3-call timing there read 79 GFLOP/s where the benchmark reads 185 (estimates
    // 2.3x too long).
    const int reps = device.is_cuda() ? 50 : 1;
    double best = 0;
    for (int trial = 0; trial < 6; ++trial) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r) y = torch::conv2d(x, w, {}, 1, 1);
        if (device.is_cuda()) torch::cuda::synchronize();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, 2.0 * 64 * 64 * 9 * 256 * 256 * reps / secs / 1e9);
    }
    return best;
}

bool is_out_of_memory(const std::exception& e) {
    const std::string what = e.what();
    return what.find("out of memory") != std::string::npos ||
           what.find("DefaultCPUAllocator: can't allocate memory") != std::string::npos;
}

namespace {

class BicubicUpscaler : public TorchImageModel {
  public:
    BicubicUpscaler(int scale, torch::Device device) : TorchImageModel(ModelTraits{"bicubic", scale, 1, 4}, device) {}
    torch::Tensor forward(const torch::Tensor& x) override {
        const int s = traits().scale;
        namespace F = torch::nn::functional;
        return F::interpolate(x, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{x.size(2) * s, x.size(3) * s})
                                     .mode(torch::kBicubic)
                                     .align_corners(false));
    }
};

}  // namespace

std::unique_ptr<ImageModel> make_bicubic_upscaler(int scale, DeviceKind device) {
    if (scale < 1 || scale > 16) throw Error(ErrorKind::Usage, "scale must be in 1..16");
    return std::make_unique<BicubicUpscaler>(scale, to_torch_device(device));
}

}  // namespace restora
