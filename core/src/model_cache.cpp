#include "restora/core/model_cache.h"

#include <algorithm>
#include <cstring>

#include "restora/core/operation.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

uint64_t fingerprint(const cv::Mat& image) {
    uint64_t h = 0x243F6A8885A308D3ULL;
    const size_t row_bytes = image.cols * image.elemSize();
    for (int y = 0; y < image.rows; ++y) {
        const uchar* p = image.ptr(y);
        size_t i = 0;
        for (; i + 8 <= row_bytes; i += 8) {
            uint64_t w = 0;
            std::memcpy(&w, p + i, 8);
            h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
            h ^= h >> 29;
        }
        for (; i < row_bytes; ++i) h = (h ^ p[i]) * 0x100000001B3ULL;
    }
    return splitmix64(h);
}

// Runs a loader; anything but Restora's own errors (a damaged file whose sha256 the manifest
// records: std::bad_alloc, libtorch's shape errors, parse errors) becomes an error naming the
// weight file instead of the photo.
template <class Load>
auto loading(const std::string& file, Load&& load) -> decltype(load()) {
    try {
        return load();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        std::string why = e.what();
        why = why.substr(0, std::min(why.find('\n'), size_t{200}));
        throw Error(ErrorKind::Processing, "weight file " + file + " is damaged or not a network this build reads (" +
                                               why + "); reinstall it (restora-cli models lists where it came from)");
    }
}

}  // namespace

PassCache::Key PassCache::key_of(const cv::Mat& image, const std::string& model, int tile, DeviceKind device,
                                 Precision precision) {
    return {fingerprint(image), image.rows, image.cols, image.type(), model, tile, device, precision};
}

std::optional<PassCache::Pass> PassCache::find(const Key& k) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!entry_ || !(entry_->first == k)) return std::nullopt;
    return entry_->second;
}

void PassCache::store(const Key& k, const Pass& pass) {
    const std::lock_guard<std::mutex> lock(mutex_);
    entry_.emplace(k, pass);
}

PassCache& ModelCache::passes() {
    static PassCache cache;
    return cache;
}

int default_tile(DeviceKind device) {
    const bool cuda = device == DeviceKind::Cuda || (device == DeviceKind::Auto && cuda_available());
    return cuda ? 1024 : 512;
}

std::shared_ptr<ImageModel> ModelCache::graph_model(const std::string& file, DeviceKind device, Precision precision) {
    auto& slot = models_[{file, device, precision}];
    if (!slot) slot = loading(file, [&] { return load_graph_model_in(file, device, precision); });
    return slot;
}

std::shared_ptr<ImageModel> load_graph_model_in(const std::filesystem::path& file, DeviceKind device,
                                                Precision precision) {
    std::shared_ptr<ImageModel> model(load_graph_model(file, device));
    use_precision(*model, precision);
    return model;
}

void use_precision(ImageModel& model, Precision precision) {
    if (precision != Precision::F32 && !set_precision(model, precision)) {
        throw Error(ErrorKind::Usage, model.traits().id + " cannot run in " + precision_name(precision) + " on " +
                                          model.device_name() + "; use --precision fp32");
    }
}

std::string precision_used(Precision precision) { return precision == Precision::F32 ? "" : precision_name(precision); }

std::shared_ptr<MapNetwork> ModelCache::map_network(const std::string& file, DeviceKind device) {
    auto& slot = maps_[{file, device}];
    if (!slot) slot = loading(file, [&] { return std::shared_ptr<MapNetwork>(load_onnx_graph(file, device)); });
    return slot;
}

std::shared_ptr<TunableNetwork> ModelCache::tunable_network(const std::string& file, DeviceKind device) {
    auto& slot = tunable_[{file, device}];
    if (!slot) slot = loading(file, [&] { return std::make_shared<TunableNetwork>(file, device); });
    return slot;
}

std::shared_ptr<MaskedNetwork> ModelCache::masked_network(MaskedTask task, const std::string& file, DeviceKind device) {
    auto& slot = masked_[{file, device}];
    if (!slot) slot = loading(file, [&] { return std::make_shared<MaskedNetwork>(task, file, device); });
    return slot;
}

std::shared_ptr<MaskedNetwork> load_masked_network(MaskedTask task, const std::filesystem::path& file,
                                                   const OpContext& ctx) {
    if (ctx.models != nullptr) return ctx.models->masked_network(task, file.string(), ctx.device);
    return loading(file.string(), [&] { return std::make_shared<MaskedNetwork>(task, file, ctx.device); });
}

std::shared_ptr<TunableNetwork> load_tunable_network(const std::filesystem::path& file, const OpContext& ctx) {
    if (ctx.models != nullptr) return ctx.models->tunable_network(file.string(), ctx.device);
    return loading(file.string(), [&] { return std::make_shared<TunableNetwork>(file, ctx.device); });
}

std::shared_ptr<ImageModel> load_graph_network(const std::filesystem::path& file, const OpContext& ctx) {
    if (ctx.models != nullptr) return ctx.models->graph_model(file.string(), ctx.device, ctx.precision);
    return loading(file.string(), [&] { return load_graph_model_in(file, ctx.device, ctx.precision); });
}

}  // namespace restora
