// Running the imported MAXIM networks (engines/maxim.h).
#include "restora/core/engines/maxim.h"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <optional>

#include "restora/core/image.h"
#include "restora/core/model_store.h"
#include "restora/core/tone_transfer.h"
#include "restora/models/engine.h"

namespace restora {

OpResult run_maxim_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                          const cv::Rect& region) {
    const ModelStatus m = require_model(model_id);
    std::shared_ptr<ImageModel> model = load_graph_network(m.path, ctx);
    OpResult r;
    r.precision = precision_used(ctx.precision);
    r.model_id = m.entry.id;
    r.model_sha256 = m.entry.sha256;
    cv::Mat out(region.height, region.width, image.type());
    RunOptions o;
    o.tile = ctx.tile;
    o.region = to_rect(region);
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

// Retouching is an edit of the whole photo's tone and colour (MIT-Adobe FiveK's expert edits),
// and MAXIM sets it from everything in its input: tiles each choose their own tone, visibly
// (greener on a 1600x1200 photo). A photo larger than the tile is therefore retouched in one call
// on a copy whose longer side is the tile, and the edit is carried to full resolution as a local
// affine colour model (tone_transfer.h), close to the full-resolution one-call result at the
// cost of one small call (docs/QUALITY.md, "Retouch"). The low-light network chooses the
// brightness from its whole input the same way: tiles of a dark photo came out as a patchwork of
// brighter and darker squares, so enhance-lowlight is carried over too (docs/QUALITY.md).
OpResult run_whole_photo_region(const cv::Mat& image, const std::string& model_id, const OpContext& ctx,
                                const cv::Rect& region, double input_noise) {
    const cv::Size small = tone_pass_size(image.size(), ctx.tile);
    if (small == image.size()) {
        return run_maxim_region(input_noise > 0 ? add_sensor_noise(image, input_noise) : image, model_id, ctx, region);
    }
    const PassCache::Key key = PassCache::key_of(image, model_id, ctx.tile, ctx.device, ctx.precision);
    ProgressStage stage(ctx.job, 0, 100);
    std::optional<PassCache::Pass> pass = ModelCache::passes().find(key);
    if (!pass) {
        cv::Mat small_in;
        cv::resize(image, small_in, small, 0, 0, cv::INTER_AREA);
        OpContext one = ctx;
        one.tile = 0;  // the copy fits the tile: one raw call
        one.job = stage.sub_job(0, 95);
        const OpResult r = run_maxim_region(input_noise > 0 ? add_sensor_noise(small_in, input_noise) : small_in,
                                            model_id, one, cv::Rect(0, 0, small.width, small.height));
        ctx.job.cancel.throw_if_requested();
        pass = PassCache::Pass{fit_tone_model(small_in, r.pixels, image.size()), r.model_id, r.model_sha256,
                               r.precision, r.warnings};
        ModelCache::passes().store(key, *pass);
    }
    OpResult r;
    r.model_id = pass->model_id;
    r.model_sha256 = pass->model_sha256;
    r.precision = pass->precision;
    r.warnings = pass->warnings;
    r.pixels = apply_tone_model(pass->tone, image, region, ctx.job);
    stage.update(1.0);
    return r;
}

bool whole_photo_pass_cached(const cv::Mat& image, const std::string& model_id, const OpContext& ctx) {
    if (tone_pass_size(image.size(), ctx.tile) == image.size()) return false;
    return ModelCache::passes()
        .find(PassCache::key_of(image, model_id, ctx.tile, ctx.device, ctx.precision))
        .has_value();
}

}  // namespace restora
