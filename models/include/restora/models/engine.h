#pragma once
// The torch-free face of the model layer: core and app include this, never <torch/...>, so they
// compile fast and know nothing of tensors. Models are created for one device and run through
// the tiled runner.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "restora/models/job.h"
#include "restora/models/pixel_view.h"
#include "restora/models/tile_plan.h"

namespace restora {

enum class DeviceKind { Auto, Cpu, Cuda };

// "auto" | "cpu" | "cuda"; anything else is a usage error.
DeviceKind parse_device(const std::string& text);
bool cuda_available();
// Throws a usage error when CUDA is requested but this libtorch has none.
std::string resolve_device_name(DeviceKind kind);
// Intra-op threads = core count (Debian's libtorch defaults to one), the allocator set to keep
// freed blocks for reuse, and cuDNN's benchmark mode off unless RESTORA_CUDNN_BENCHMARK=1 (CUDA;
// see device.cpp). Idempotent.
void configure_threads(int threads = 0);
// Hands the allocator's free memory back to the system; after each job.
void release_free_memory();
// The allocator setting of configure_threads, for a program's first line, before any thread
// starts: a process whose networks run on another thread than main() (the desktop app's worker)
// needs it then. glibc gives each thread an arena of its own, and those map every block above
// 64 MiB afresh and unmap it on free, whatever the settings, so all threads share the main heap
// (M_ARENA_MAX=1), which keeps freed blocks. Idempotent; RESTORA_SYSTEM_MALLOC=1 skips it.
void keep_freed_memory_for_reuse();
std::string torch_version();

// Measured throughput of a 3x3, 64->64 channel convolution on 256x256 (GFLOP/s): the kernel
// the imported networks are made of; used for job estimates and benchmarks.
double measure_conv_gflops(DeviceKind device);

struct ModelTraits {
    std::string id;
    int scale = 1;     // output pixels per input pixel
    int multiple = 1;  // input sides must be a multiple of this (padded by mirroring)
    int context = 16;  // border context (input pixels) that makes tiles match a whole-image run
    // Whether tiles also read context (mirrored) beyond the photo's own edges. MAXIM does not: its
    // raw call, the original runtime's computation, has none there, and a photo within one tile then
    // gets exactly that call instead of one 128 px larger each way.
    bool border_context = true;
};

class ImageModel {
  public:
    virtual ~ImageModel() = default;
    [[nodiscard]] virtual const ModelTraits& traits() const = 0;
    [[nodiscard]] virtual std::string device_name() const = 0;
};

// Bicubic resampling on libtorch (the baseline upscaler, no weights).
std::unique_ptr<ImageModel> make_bicubic_upscaler(int scale, DeviceKind device);

// A layer-graph model from a Restora weight file (imported ESRGAN/RDN/RRDN). Throws
// Error(Processing) naming the file when it is missing or damaged.
std::unique_ptr<ImageModel> load_graph_model(const std::filesystem::path& file, DeviceKind device);

// The same-size clean-up (`clean-up`): `network` (an xN super-resolution model, shared, with its
// precision) followed by an average of its result, clipped to [0,1], over N x N blocks, so the
// output has the input's size. Through the tiled runner only a tile's xN output ever exists, so
// memory stays that of the input (models/src/same_size_model.cpp).
std::unique_ptr<ImageModel> make_same_size_model(std::shared_ptr<ImageModel> network);

// An imported TF.js graph model (MAXIM): NHWC graph executed on libtorch, shape arithmetic cached
// per input size. Sides must be multiples of the model's `multiple` (64).
std::unique_ptr<ImageModel> load_tf_graph_model(const std::filesystem::path& file, DeviceKind device);

// A network that maps an image to per-pixel maps of the same size (the text detector's
// probability map). Input: planar [3][h][w] float, already normalised as the model's meta says
// (input_mean / input_std / input_order); h and w multiples of multiple(). Returns the number of
// output channels; output receives planar [c][h][w].
class MapNetwork {
  public:
    virtual ~MapNetwork() = default;
    [[nodiscard]] virtual int multiple() const = 0;
    [[nodiscard]] virtual const std::map<std::string, std::string>& meta() const = 0;
    virtual int run(int w, int h, const float* input, std::vector<float>& output) = 0;
};

// An imported ONNX graph (restora-cli models import ppocr-det-v4). Throws Error(Processing)
// naming the file when it is missing or damaged.
std::unique_ptr<MapNetwork> load_onnx_graph(const std::filesystem::path& file, DeviceKind device);

// The networks that take an image and a mask, loaded once for many calls (one per mask region):
// the learned inpainting network (inpaint-ffc-v1), shadow removal (shadow-fusion-v1, 1 = shadow)
// and text erasure (erase-text-v3, 1 = text; the result after all refinement passes). rgb is
// w x h x 3 float in [0,1] (HWC), mask w x h with 1 = the area to change, sides multiples of 4; out
// receives the w x h x 3 result. One thread at a time. Throws Error(Processing) naming the file
// when the weights are missing or damaged.
enum class MaskedTask { Inpaint, RemoveShadow, EraseText };

class MaskedNetwork {
  public:
    MaskedNetwork(MaskedTask task, const std::filesystem::path& weights, DeviceKind device);
    ~MaskedNetwork();
    MaskedNetwork(const MaskedNetwork&) = delete;
    MaskedNetwork& operator=(const MaskedNetwork&) = delete;
    // guide: w x h x 3, a classical fill of the mask, for networks that take one (needs_guide()).
    void run(int w, int h, const float* rgb, const float* mask, float* out, const float* guide = nullptr) const;
    bool needs_guide() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};
// A tunable network (tunable_net.h; `upscale model=tunable`) loaded once. fold(p) mixes every
// layer's kernels for the operating point p (one weight per training objective, on the simplex)
// into an ordinary model that runs as fast as the plain network; the result is independent of
// this object and may run on another thread.
class TunableNetwork {
  public:
    TunableNetwork(const std::filesystem::path& weights, DeviceKind device);
    ~TunableNetwork();
    TunableNetwork(const TunableNetwork&) = delete;
    TunableNetwork& operator=(const TunableNetwork&) = delete;
    [[nodiscard]] int objectives() const;
    [[nodiscard]] std::unique_ptr<ImageModel> fold(const std::vector<double>& p) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The floating-point type a model computes in: F16 (CUDA only), F32 (the default), F64 (a check
// that every operator follows the chosen type; imported TF.js graphs only) or BF16 (the CPU: the
// imported super-resolution graphs run in bfloat16 throughout, the MAXIM graphs run their
// convolutions and matrix products in bfloat16 and the rest in float32; about 2x and 1.4-2x
// faster on a CPU with native bfloat16, 53-69 dB from float32, docs/PERFORMANCE.md). Returns
// whether it is now in effect; switching back to F32 restores the float32 results exactly.
enum class Precision { F16, F32, F64, BF16 };
bool set_precision(ImageModel& model, Precision precision);

// Whether this CPU has native bfloat16 arithmetic (AVX512-BF16 or AMX-BF16), where libtorch's
// oneDNN kernels run bfloat16 convolutions and matrix products more than twice as fast as float32
// (docs/PERFORMANCE.md). Elsewhere bfloat16 is emulated, slowly.
bool cpu_has_native_bf16();
// The precision the user's choice means on a device: "fp32"; "bf16" (the CPU only: on CUDA a
// usage error); "fp16" (CUDA only: on the CPU a usage error); "auto" = fp16 on CUDA, bf16 on a CPU
// with native bfloat16, else fp32: the fastest arithmetic whose results stay within about one
// 8-bit level of float32 (docs/PERFORMANCE.md, "float16 on CUDA", "bfloat16 on the CPU"). Anything
// else is a usage error.
Precision resolve_precision(const std::string& choice, DeviceKind device);
// "fp32", "bf16", "fp16", "fp64": the names the history and the CLI use.
std::string precision_name(Precision precision);
// "fp32" -> F32, "bf16" -> BF16, "fp16" -> F16 (the names a history records); anything else is a
// processing error (a history written by a build that knows more precisions).
Precision parse_precision_name(const std::string& name);

// A rectangle of input pixels (w = 0: the whole image): the tile planner's rectangle, the one
// rectangle type across the models layer's interface (core converts with to_rect/to_cv, image.h).
using Region = tiling::Rect;

struct RunOptions {
    int tile = 512;     // core tile side in input pixels; 0 = one raw call on the whole image
    int context = -1;   // -1 = the model's own context
    int feather = -1;   // -1 = half the context
    int min_tile = 32;  // smallest side an out-of-memory retry may split a region to
    // Preview = Apply: only the tiles of the whole-image plan that touch `region` run, and `out`
    // holds just region x scale, with exactly the values a whole-image run gives there.
    Region region;
};

struct RunStats {
    int tiles = 0;
    int oom_splits = 0;  // regions re-split after an out-of-memory error
};

// Runs the model over `in` (RGB from the first three channels) and writes RGB into the first
// three channels of `out`, which must be scale times the size of `in`. Values are clamped to the
// output's range. Cancel is checked and progress reported once per tile.
RunStats run_tiled(ImageModel& model, const PixelView& in, const PixelView& out, const RunOptions& options,
                   const JobControl& job);

}  // namespace restora
