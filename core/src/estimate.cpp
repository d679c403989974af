#include "restora/core/estimate.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/tone_transfer.h"
#include "restora/models/tile_plan.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace {

// Fractions of the device's 3x3-convolution peak the networks reach, and the speed-ups of the
// two-byte precisions, as measured (docs/PERFORMANCE.md); each rounded so that estimates err long.
// The imported networks through the tiled runner (channels-last graphs).
constexpr double kNetworkEfficiency = 0.45;
// MAXIM through the graph executor, over the pixels of its calls (padding and overlap included).
constexpr double kMaximEfficiency = 0.38;
// bfloat16 on a CPU with native bfloat16 (set_precision); MAXIM runs only its products and GELU
// in bfloat16.
constexpr double kBf16NetworkSpeedup = 2.0;
constexpr double kBf16MaximSpeedup = 1.45;
// float16 on CUDA: MAXIM gains; the upscalers barely do, so they count at float32's speed.
constexpr double kF16MaximSpeedup = 1.25;

// The tiles as the runner makes them (tile_plan.cpp): each call reads its tile with `context` px
// towards each neighbouring tile (and beyond the photo's edges where the model reads there),
// padded up to `multiple`. MAXIM: 64 px of context, none at the edges, multiples of 64
// (tf_graph.cpp). Returns the pixels of all calls together and of the largest one.
std::pair<double, double> call_pixels(cv::Size input, int tile, int context, int multiple, bool border_context) {
    tiling::PlanOptions o;
    o.tile = tile;
    o.multiple = multiple;
    o.context = context;
    o.feather = o.context / 2;
    o.border_context = border_context;
    const tiling::Plan plan = tiling::make_plan(input.width, input.height, o);
    double all = 0;
    double largest = 0;
    for (const tiling::Tile& t : plan.tiles) {
        const double px = static_cast<double>(t.input_w) * t.input_h;
        all += px;
        largest = std::max(largest, px);
    }
    return {all, largest};
}

std::pair<double, double> maxim_call_pixels(cv::Size input, int tile) {
    return call_pixels(input, tile, 64, 64, false);
}

}  // namespace

JobEstimate estimate_job(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel, int tile,
                         double conv_gflops, Precision precision) {
    const bool bf16 = precision == Precision::BF16;
    const bool two_bytes = bf16 || precision == Precision::F16;  // activations
    const double maxim_speedup = bf16 ? kBf16MaximSpeedup : precision == Precision::F16 ? kF16MaximSpeedup : 1.0;
    JobEstimate e;
    const double mp = input.area() / 1e6;
    const cv::Size out = op.output_size(input, params);
    e.output_bytes = static_cast<double>(out.area()) * bytes_per_pixel;
    const int t = tile <= 0 ? std::max(input.width, input.height) : tile;
    const double tile_px = static_cast<double>(std::min(t, input.width) + 64) * (std::min(t, input.height) + 64);
    const CostModel cost = op.cost(params);
    if (!cost.network.empty()) {
        const ModelStatus m = find_model(cost.network);
        const auto meta = read_weight_meta(m.path);
        const double gflops = meta.count("gflops_per_mp") ? std::stod(meta.at("gflops_per_mp")) : 15000.0;
        const double floats = meta.count("peak_floats_per_px") ? std::stod(meta.at("peak_floats_per_px")) : 1000.0;
        const double weights = 4.0 * static_cast<double>(std::filesystem::file_size(m.path));
        if (!cost.maxim_tiles) {
            // Every call's pixels count, the tiles' context included (x4plus reads 112 px around
            // each tile; older weight files say 32 at most).
            const int context = meta.count("context") ? std::stoi(meta.at("context")) : 32;
            const bool border = !meta.count("border_context") || meta.at("border_context") != "0";
            const auto [all, largest] = call_pixels(input, std::max(0, tile), context, 1, border);
            const ImportableModel* known = find_importable(cost.network);
            const double efficiency =
                known != nullptr && known->efficiency > 0 ? known->efficiency : kNetworkEfficiency;
            e.seconds =
                gflops * (all / 1e6) / std::max(1.0, conv_gflops * efficiency * (bf16 ? kBf16NetworkSpeedup : 1.0));
            // Live activations of one tile, twice for the allocator's slack, plus the weights.
            // bfloat16 and float16 activations take two bytes (docs/PERFORMANCE.md).
            e.peak_bytes = 2.0 * floats * (two_bytes ? 2.0 : 4.0) * largest + weights;
        } else {
            // Every call's padded pixels count, the tiles' overlap included. A whole-photo pass
            // runs a photo larger than the tile as one call at the tile's size and carries the
            // edit over (engines/maxim.h), about 0.3 s per megapixel on 2 cores for the fit and
            // the transfer.
            const bool carried = cost.whole_photo_pass && tone_pass_size(input, tile) != input;
            const auto [all, largest] =
                maxim_call_pixels(carried ? tone_pass_size(input, tile) : input, carried ? 0 : tile);
            e.seconds = gflops * (all / 1e6) / std::max(1.0, conv_gflops * kMaximEfficiency * maxim_speedup) +
                        (carried ? 0.3 * mp : 0.0);
            // Measured growth of the peak RSS per call pixel (ImportableModel; older weight files
            // say 1500), which already holds the allocator's slack.
            const ImportableModel* known = find_importable(cost.network);
            const double per_px =
                known != nullptr && known->peak_floats_per_px > 0 ? known->peak_floats_per_px : floats;
            e.peak_bytes = per_px * 4.0 * largest + weights;
        }
        e.basis = std::to_string(static_cast<int>(gflops)) + " GFLOP/MP";
    } else {
        e.seconds = cost.seconds_per_mp * mp;
        e.peak_bytes = cost.tile_bytes_per_px > 0
                           ? tile_px * cost.tile_bytes_per_px
                           : static_cast<double>(input.area()) * bytes_per_pixel * cost.image_bytes_factor;
        e.basis = cost.basis;
    }
    return e;
}

JobEstimate estimate_preview(const Operation& op, const Params& params, cv::Size image, cv::Size region,
                             int bytes_per_pixel, int tile, double conv_gflops, Precision precision) {
    const bool whole = op.cost(params).whole_photo_pass && tone_pass_size(image, tile) != image;
    return estimate_job(op, params, whole ? image : region, bytes_per_pixel, tile, conv_gflops, precision);
}

int tile_that_fits(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel, int tile,
                   double conv_gflops, double budget, Precision precision) {
    int t = tile <= 0 ? std::max(input.width, input.height) : tile;
    while (t >= 64) {
        const JobEstimate e = estimate_job(op, params, input, bytes_per_pixel, t, conv_gflops, precision);
        if (e.peak_bytes + e.output_bytes <= budget) return t;
        t /= 2;
    }
    return 0;
}

namespace {

int64_t meminfo_bytes(const std::string& field) {
    std::ifstream f("/proc/meminfo");
    std::string key;
    int64_t value = 0;
    std::string unit;
    while (f >> key >> value >> unit) {
        if (key == field) return value * 1024;
    }
    return 0;
}

}  // namespace

int64_t available_memory_bytes() { return meminfo_bytes("MemAvailable:"); }

int64_t physical_memory_bytes() { return meminfo_bytes("MemTotal:"); }

int default_tile_for(DeviceKind device, const Operation& op, const Params& params) {
    const int tile = default_tile(device);
    constexpr int kLargeTile = 1024;
    if (tile >= kLargeTile) return tile;
    if (!op.cost(params).maxim_tiles) return tile;
    const double total = static_cast<double>(physical_memory_bytes());
    try {
        // A photo large enough that every side of a tile has a neighbour: the largest call.
        const JobEstimate e = estimate_job(op, params, {4 * kLargeTile, 4 * kLargeTile}, 3, kLargeTile, 100.0);
        return total > 0 && e.peak_bytes <= 0.6 * total ? kLargeTile : tile;
    } catch (const std::exception&) {
        return tile;  // no weights: the run reports that, not the tile choice
    }
}

}  // namespace restora
