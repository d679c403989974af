// The MAXIM tools (CVPR 2022; Google's Apache-2.0 checkpoints packaged by @upscalerjs, imported
// from their TF.js graph models): deblur, derain, dehaze (outdoor | indoor), enhance-lowlight,
// retouch, and denoise model=maxim. Each runs through the tiled runner: tiles padded by mirroring
// to a multiple of 64 with 64 px of context, blended with feathered seams; progress and cancel per
// tile; alpha carried unchanged.
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/tone_transfer.h"
#include "restora/models/engine.h"

namespace restora {

OpResult run_maxim_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                          const cv::Rect& region) {
    const ModelStatus m = require_model(model_id);
    std::shared_ptr<ImageModel> model = ctx.models != nullptr
                                            ? ctx.models->graph_model(m.path.string(), ctx.device, ctx.precision)
                                            : load_graph_model_in(m.path, ctx.device, ctx.precision);
    OpResult r;
    r.precision = precision_used(ctx.precision);
    r.model_id = m.entry.id;
    r.model_sha256 = m.entry.sha256;
    cv::Mat out(region.height, region.width, image.type());
    RunOptions o;
    o.tile = ctx.tile;
    o.region = {region.x, region.y, region.width, region.height};
    run_tiled(*model, pixel_view(image), pixel_view(out), o, ctx.job);
    if (image.channels() == 4) {
        cv::Mat alpha;
        cv::extractChannel(image(region), alpha, 3);
        cv::insertChannel(alpha, out, 3);
    }
    r.pixels = out;
    return r;
}

namespace {

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace

// MAXIM's low-light network learned on LOL, whose dark photos all carry sensor noise, and it
// fails on dark photos without any: smooth or JPEG-compressed ones (phones denoise before they
// store), and 8-bit darkening's flat steps. There it keeps the photo dark and turns the 8x8 JPEG
// blocks and the steps into coloured streaks (the original runtime does the same:
// MaximTfjsParityDark). One 8-bit level of noise puts such a photo back where the network
// learned, and it removes that noise with the rest. Measured against the photos' normal exposure
// (docs/QUALITY.md, "Low light without sensor noise"): 5.80 -> 14.08 dB and SSIM 0.43 -> 0.91 on a
// darkened quality-90 JPEG; 2 and 3 levels grey the result; the package's own LOL fixture is
// unchanged (14.17 -> 14.32 dB).
constexpr double kLowLightInputNoise = 1.0 / 255.0;

bool carries_whole_photo_pass(const std::string& op_id) { return op_id == "retouch" || op_id == "enhance-lowlight"; }

cv::Mat add_sensor_noise(const cv::Mat& image, double sigma) {
    CV_Assert(image.depth() == CV_8U || image.depth() == CV_16U);
    const double full = image.depth() == CV_8U ? 255.0 : 65535.0;
    const double s = sigma * full;
    const int colour = std::min(image.channels(), 3);  // alpha stays as it is
    cv::Mat out = image.clone();
    cv::parallel_for_(cv::Range(0, image.rows), [&](const cv::Range& rows) {
        for (int y = rows.start; y < rows.end; ++y) {
            for (int x = 0; x < image.cols; ++x) {
                for (int c = 0; c < colour; ++c) {
                    // A Gaussian value from the pixel's place in the photo (Box-Muller on a hash).
                    const uint64_t h = splitmix64((static_cast<uint64_t>(y) << 34) ^ (static_cast<uint64_t>(x) << 2) ^
                                                  static_cast<uint64_t>(c));
                    const double u1 = (static_cast<double>(h >> 40) + 0.5) / 16777216.0;
                    const double u2 = static_cast<double>(h & 0xFFFFFFU) / 16777216.0;
                    const double g = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * CV_PI * u2);
                    const int i = x * image.channels() + c;
                    if (image.depth() == CV_8U) {
                        uchar& v = out.ptr<uchar>(y)[i];
                        v = cv::saturate_cast<uchar>(v + s * g);
                    } else {
                        ushort& v = out.ptr<ushort>(y)[i];
                        v = cv::saturate_cast<ushort>(v + s * g);
                    }
                }
            }
        }
    });
    return out;
}

namespace {

// The last photo's whole-photo pass, so that the previews of other parts of the same photo, and
// Apply after them, only carry it (a 1024x768 pass takes about 35 s on a 2-core CPU, the
// transfer of a view a fraction of a second). Keyed by the photo's pixels (a hash of every byte),
// the model, the tile and the device.
class TonePassCache {
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
        OpResult result;  // the model's id and hash; no pixels
    };
    static Key key_of(const cv::Mat& image, const std::string& model, const OpContext& ctx) {
        return {fingerprint(image), image.rows, image.cols, image.type(), model, ctx.tile, ctx.device, ctx.precision};
    }
    static TonePassCache& instance() {
        static TonePassCache cache;
        return cache;
    }
    std::optional<Pass> find(const Key& k) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!entry_ || !(entry_->first == k)) return std::nullopt;
        return entry_->second;
    }
    void store(const Key& k, const Pass& pass) {
        const std::lock_guard<std::mutex> lock(mutex_);
        entry_.emplace(k, pass);
    }

private:
    static uint64_t fingerprint(const cv::Mat& image) {
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
    std::mutex mutex_;
    std::optional<std::pair<Key, Pass>> entry_;
};

// Retouching is an edit of the whole photo's tone and colour (MIT-Adobe FiveK's expert edits),
// and MAXIM sets it from everything in its input: tiles each choose their own tone (on a
// 1600x1200 photo, 512- and 1024-px tiles came out 24.75 and 25.50 dB from the one-call result,
// visibly greener). A photo larger than the tile is therefore retouched in one call on a copy
// whose longer side is the tile, and the edit is carried to full resolution as a local affine
// colour model (tone_transfer.h): 41.6-42.8 dB from the full-resolution one-call result at 1/4 to
// 1/2 of the size, at the cost of one small call (docs/QUALITY.md, "Retouch").
// The low-light network chooses the brightness from its whole input the same way: tiles of a
// 2048x1152 dark photo came out as a patchwork of brighter and darker squares (512 px against
// 1024 px: 21.71 dB apart), so enhance-lowlight is carried over too (docs/QUALITY.md).
OpResult run_whole_photo_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                                const cv::Rect& region, double input_noise) {
    const cv::Size small = tone_pass_size(image.size(), ctx.tile);
    if (small == image.size()) {
        return run_maxim_region(input_noise > 0 ? add_sensor_noise(image, input_noise) : image, model_id, ctx, region);
    }
    const TonePassCache::Key key = TonePassCache::key_of(image, model_id, ctx);
    ProgressStage stage(ctx.job, 0, 100);
    std::optional<TonePassCache::Pass> pass = TonePassCache::instance().find(key);
    if (!pass) {
        cv::Mat small_in;
        cv::resize(image, small_in, small, 0, 0, cv::INTER_AREA);
        OpContext one = ctx;
        one.tile = 0;  // the copy fits the tile: one raw call
        one.job = stage.sub_job(0, 95);
        OpResult r = run_maxim_region(input_noise > 0 ? add_sensor_noise(small_in, input_noise) : small_in, model_id,
                                      one, cv::Rect(0, 0, small.width, small.height));
        ctx.job.cancel.throw_if_requested();
        pass = TonePassCache::Pass{fit_tone_model(small_in, r.pixels, image.size()), r};
        pass->result.pixels = cv::Mat();
        TonePassCache::instance().store(key, *pass);
    }
    OpResult r = pass->result;
    r.pixels = apply_tone_model(pass->tone, image, region, ctx.job);
    stage.update(1.0);
    return r;
}

bool whole_photo_pass_cached(const cv::Mat& image, const std::string& model_id, const OpContext& ctx) {
    if (tone_pass_size(image.size(), ctx.tile) == image.size()) return false;
    return TonePassCache::instance().find(TonePassCache::key_of(image, model_id, ctx)).has_value();
}

class MaximOp : public Operation {
public:
    // whole_photo_tone: the edit is one tone for the whole photo (carries_whole_photo_pass),
    // run_whole_photo_region.
    // input_noise: sensor-like noise added to the network's input first (enhance-lowlight; with
    // whole_photo_tone), add_sensor_noise.
    MaximOp(OperationInfo info, bool variants, bool whole_photo_tone = false, double input_noise = 0)
        : info_(std::move(info)), variants_(variants), whole_photo_tone_(whole_photo_tone), input_noise_(input_noise) {}
    const OperationInfo& info() const override { return info_; }
    void check_available(const Params& p) const override { require_model(model(p)); }
    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        if (whole_photo_tone_) return run_whole_photo_region(image, model(p), ctx, region, input_noise_);
        return run_maxim_region(image, model(p), ctx, region);
    }
    bool has_cached_pass(const cv::Mat& image, const Params& p, const OpContext& ctx) const override {
        return whole_photo_tone_ && whole_photo_pass_cached(image, model(p), ctx);
    }

private:
    [[nodiscard]] std::string model(const Params& p) const {
        return maxim_model_for(info_.id, variants_ ? p.text("variant") : "");
    }
    OperationInfo info_;
    bool variants_;
    bool whole_photo_tone_;
    double input_noise_;
};

}  // namespace

void register_maxim_operations(Registry& registry) {
    registry.add(std::make_unique<MaximOp>(
        OperationInfo{"deblur", 1, "Deblur", "Remove camera shake and motion blur (MAXIM-3S, trained on GoPro).",
                      MaskUse::None, {}},
        false));
    registry.add(std::make_unique<MaximOp>(
        OperationInfo{"derain", 1, "Derain", "Remove rain streaks (MAXIM-2S, trained on Rain13k).", MaskUse::None, {}},
        false));
    registry.add(std::make_unique<MaximOp>(
        OperationInfo{"dehaze", 1, "Dehaze", "Remove haze and fog (MAXIM-2S, trained on RESIDE SOTS).", MaskUse::None,
                      {choice_param("variant", "Scene", {"outdoor", "indoor"}, "outdoor",
                                    "outdoor: landscapes and streets; indoor: rooms")}},
        true));
    registry.add(std::make_unique<MaximOp>(
        // Version 2: one 8-bit level of sensor-like noise is added to the input first
        // (kLowLightInputNoise), and a photo larger than the tile is brightened whole at the
        // tile's size and carried over as retouch is; version 1 tiled the photo as it was.
        OperationInfo{"enhance-lowlight", 2, "Enhance low light",
                      "Brighten dark, underexposed photos and their noise (MAXIM-2S, trained on LOL).", MaskUse::None,
                      {}},
        false, carries_whole_photo_pass("enhance-lowlight"), kLowLightInputNoise));
    registry.add(std::make_unique<MaximOp>(
        // Version 2: photos larger than the tile are retouched whole at the tile's size and carried
        // to full resolution (run_whole_photo_region); version 1 tiled them.
        OperationInfo{"retouch", 2, "Retouch", "Expert-style colour and tone retouching (MAXIM-2S, trained on MIT-Adobe FiveK).",
                      MaskUse::None, {}},
        false, carries_whole_photo_pass("retouch")));
}

}  // namespace restora
