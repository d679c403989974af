#pragma once
// Loaded networks kept for reuse, and the helpers operations load them through.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/tone_transfer.h"
#include "restora/models/engine.h"

namespace restora {

struct OpContext;  // operation.h

// The last whole-photo pass (retouch, enhance-lowlight: engines/maxim.h), so that the previews of
// other parts of the same photo, and Apply after them, only carry it (the pass costs seconds to
// minutes on a CPU, carrying it a fraction of a second). One entry, keyed by the photo's pixels (a
// hash of every byte), the model, the tile, the device and the precision. Unlike the networks it
// is shared by every run of the process and thread-safe: the desktop's window asks
// Operation::has_cached_pass while its worker fills it.
class PassCache {
  public:
    struct Key {
        uint64_t pixels = 0;
        int rows = 0;
        int cols = 0;
        int type = 0;
        std::string model;
        int tile = 0;
        DeviceKind device = DeviceKind::Auto;
        Precision precision = Precision::F32;
        bool operator==(const Key&) const = default;
    };
    struct Pass {
        ToneModel tone;
        // What the run reports beside its pixels (OpResult's fields).
        std::string model_id;
        std::string model_sha256;
        std::string precision;
        std::vector<std::string> warnings;
    };
    static Key key_of(const cv::Mat& image, const std::string& model, int tile, DeviceKind device, Precision precision);
    std::optional<Pass> find(const Key& k);
    void store(const Key& k, const Pass& pass);

  private:
    std::mutex mutex_;
    std::optional<std::pair<Key, Pass>> entry_;
};

// Loaded models kept for reuse by one thread (the GUI's worker, a CLI batch): weights are read
// and moved to the device once. Not thread-safe by design: one owner, one thread.
class ModelCache {
  public:
    // The model in `file` on `device`, loading it on first use.
    std::shared_ptr<ImageModel> graph_model(const std::string& file, DeviceKind device,
                                            Precision precision = Precision::F32);
    // An imported ONNX graph (the text detector), loaded on first use.
    std::shared_ptr<MapNetwork> map_network(const std::string& file, DeviceKind device);
    // An image + mask network (inpainting, shadow removal, text erasure), loaded on first use.
    std::shared_ptr<MaskedNetwork> masked_network(MaskedTask task, const std::string& file, DeviceKind device);
    // A tunable network (upscale model=tunable): raw kernels kept, folded per operating point.
    std::shared_ptr<TunableNetwork> tunable_network(const std::string& file, DeviceKind device);
    // The whole-photo pass cache, one per process (see PassCache).
    static PassCache& passes();
    void clear() {
        tunable_.clear();
        models_.clear();
        maps_.clear();
        masked_.clear();
    }

  private:
    std::map<std::tuple<std::string, DeviceKind, Precision>, std::shared_ptr<ImageModel>> models_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<MapNetwork>> maps_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<MaskedNetwork>> masked_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<TunableNetwork>> tunable_;
};

// The device's tile, unless the user chose one: 1024 px on CUDA, 512 on the CPU. On a GPU one
// large call beats small tiles, each of which carries 64 px of context on every side; on the CPU,
// 512 keeps the working memory of the x4 upscalers under a gigabyte (docs/PERFORMANCE.md). The
// runner halves a tile that runs out of memory. default_tile_for (estimate.h) refines it per
// operation: MAXIM takes 1024 on the CPU too when the machine's memory allows.
int default_tile(DeviceKind device);

// Networks loaded through ctx.models when the context has a cache, else for this run only.
std::shared_ptr<MaskedNetwork> load_masked_network(MaskedTask task, const std::filesystem::path& file,
                                                   const OpContext& ctx);
std::shared_ptr<TunableNetwork> load_tunable_network(const std::filesystem::path& file, const OpContext& ctx);
// An imported network (load_graph_model_in) on ctx.device in ctx.precision.
std::shared_ptr<ImageModel> load_graph_network(const std::filesystem::path& file, const OpContext& ctx);
// An imported network (load_graph_model) computing in `precision`; throws Error(Usage) where it
// cannot (bfloat16 on CUDA).
std::shared_ptr<ImageModel> load_graph_model_in(const std::filesystem::path& file, DeviceKind device,
                                                Precision precision);
// Switches a loaded network to `precision`; throws Error(Usage) where it cannot.
void use_precision(ImageModel& model, Precision precision);
// OpResult::precision for a network that ran in `precision`: empty for float32.
std::string precision_used(Precision precision);

}  // namespace restora
