// The inpainting engine: every mask region (connected components, merged when close) is filled
// on its own crop, by the learned network (refined at full resolution by PatchMatch), PatchMatch
// alone, or OpenCV Telea, so a region of the output needs only the mask regions whose holes touch
// it, each computed exactly as in the full run (Preview = Apply).
#include "restora/core/engines/inpaint.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "restora/core/model_store.h"
#include "restora/core/patchmatch.h"
#include "restora/models/errors.h"

namespace restora {

namespace {

// Continuous RGB float (HWC) and mask (1 = hole) through the learned network.
cv::Mat run_inpaint_network(const MaskedNetwork& net, const cv::Mat& rgb, const cv::Mat& mask) {
    const cv::Mat in = rgb.isContinuous() ? rgb : rgb.clone();
    const cv::Mat m = mask.isContinuous() ? mask : mask.clone();
    cv::Mat out(in.size(), CV_32FC3);
    net.run(in.cols, in.rows, in.ptr<float>(), m.ptr<float>(), out.ptr<float>());
    return out;
}

class InpaintEngine {
  public:
    static OpResult run(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                        const cv::Rect& region, const LearnedFillOptions& options) {
        if (mask.empty() || mask.size() != image.size()) {
            throw Error(ErrorKind::Usage, "inpaint needs a mask the size of the image (--mask)");
        }
        if (region.empty() || (region & cv::Rect(0, 0, image.cols, image.rows)) != region) {
            throw Error(ErrorKind::Usage, "inpaint: the region to compute lies outside the " +
                                              std::to_string(image.cols) + "x" + std::to_string(image.rows) + " image");
        }
        OpResult r;
        r.pixels = image(region).clone();
        const bool net = method == InpaintMethod::Learned || method == InpaintMethod::LearnedNoRefinement;
        ModelStatus learned;
        if (net) {
            learned = require_model(kLearnedId);
            r.model_id = learned.entry.id;
            r.model_sha256 = learned.entry.sha256;
        }
        ctx.job.cancel.throw_if_requested();
        const MaskRegions regions = find_mask_regions(mask, kMergeDistance);
        std::shared_ptr<MaskedNetwork> network;  // loaded once per run (or kept by ctx.models)
        if (regions.boxes.empty()) {
            r.warnings.push_back("the mask selects no pixels; the image is unchanged");
            return r;
        }
        std::vector<int> todo;
        double total = 0;
        for (int k = 0; k < static_cast<int>(regions.boxes.size()); ++k) {
            const cv::Rect& b = regions.boxes[static_cast<size_t>(k)];
            if ((b & region).area() == 0) continue;
            todo.push_back(k);
            total += static_cast<double>(b.area());
        }
        ProgressStage progress(ctx.job, 0, 100);
        progress.update(0);
        double done = 0;
        for (const int k : todo) {
            const cv::Rect& box = regions.boxes[static_cast<size_t>(k)];
            const JobControl sub = progress.sub_job(static_cast<int>(100 * done / total),
                                                    static_cast<int>(100 * (done + box.area()) / total));
            cv::Rect crop;
            cv::Mat fill;  // CV_32FC3 in [0,1] over crop
            if (net) {
                if (!network) {
                    network = load_masked_network(MaskedTask::Inpaint, learned.path, ctx);
                }
                fill = fill_learned(image, mask, regions.labels, k, box, *network, options,
                                    method == InpaintMethod::Learned, sub, crop);
            } else if (method == InpaintMethod::PatchMatch) {
                crop = context_window(box, image.size());
                const cv::Mat role = roles(mask(crop), regions.labels(crop), k);
                fill = patchmatch_fill(to_float(image(crop)), role, {}, pm_options(), region_seed(kSeed, box), sub);
            } else {
                fill = fill_telea(image, mask, box, crop);
            }
            paste(fill, crop, regions.labels, k, region, r.pixels);
            done += box.area();
            progress.update(done / total);
        }
        progress.update(1.0);
        return r;
    }

  private:
    static constexpr const char* kLearnedId = kInpaintModelId;
    // Width of the Telea rim inside the hole, in the network's pixels (4 at its working scale f is
    // 4/f photo pixels; the width barely matters, docs/QUALITY.md).
    static constexpr double kRimNetworkPixels = 4.0;
    static constexpr int kMergeDistance = 32;  // holes closer than this share one crop
    static constexpr std::uint64_t kSeed = 1;  // fixed: Apply, Preview and replay agree

    static PatchMatchOptions pm_options() { return PatchMatchOptions{}; }

    // BGR float in [0,1] (alpha dropped).
    static cv::Mat to_float(const cv::Mat& pixels) {
        cv::Mat bgr = pixels;
        if (pixels.channels() == 4) cv::cvtColor(pixels, bgr, cv::COLOR_BGRA2BGR);
        cv::Mat f;
        bgr.convertTo(f, CV_32F, pixels.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
        return f;
    }

    // PixelRole per pixel of a crop: region k's hole is filled, other holes are ignored.
    static cv::Mat roles(const cv::Mat& mask, const cv::Mat& labels, int k) {
        cv::Mat role(mask.size(), CV_8U);
        for (int y = 0; y < mask.rows; ++y) {
            const std::uint8_t* m = mask.ptr<std::uint8_t>(y);
            const int* l = labels.ptr<int>(y);
            std::uint8_t* o = role.ptr<std::uint8_t>(y);
            for (int x = 0; x < mask.cols; ++x) {
                o[x] = m[x] == 0 ? kRoleKnown : (l[x] == k + 1 ? kRoleFill : kRoleIgnore);
            }
        }
        return role;
    }

    // Writes region k's hole pixels of `fill` (over `crop`) into `out` (which covers `region`),
    // colour channels only: alpha and every pixel outside the hole stay bit-identical.
    static void paste(const cv::Mat& fill, const cv::Rect& crop, const cv::Mat& labels, int k, const cv::Rect& region,
                      cv::Mat& out) {
        const cv::Rect area = crop & region;
        const bool wide = out.depth() == CV_16U;
        const float full = wide ? 65535.0F : 255.0F;
        const int ch = out.channels();
        for (int y = area.y; y < area.br().y; ++y) {
            const int* l = labels.ptr<int>(y);
            const cv::Vec3f* f = fill.ptr<cv::Vec3f>(y - crop.y);
            for (int x = area.x; x < area.br().x; ++x) {
                if (l[x] != k + 1) continue;
                const cv::Vec3f v = f[x - crop.x] * full;
                const int ox = x - region.x;
                const int oy = y - region.y;
                for (int c = 0; c < 3; ++c) {
                    if (wide) {
                        out.ptr<std::uint16_t>(oy)[ox * ch + c] = cv::saturate_cast<std::uint16_t>(v[c]);
                    } else {
                        out.ptr<std::uint8_t>(oy)[ox * ch + c] = cv::saturate_cast<std::uint8_t>(v[c]);
                    }
                }
            }
        }
    }

    static constexpr int kTeleaRadius = 5;

    // OpenCV Telea over a crop (every hole in it unknown, not just one region's): float BGR in [0,1].
    static cv::Mat telea_of(const cv::Mat& image_crop, const cv::Mat& mask_crop) {
        cv::Mat bgr;
        if (image_crop.channels() == 4) {
            cv::cvtColor(image_crop, bgr, cv::COLOR_BGRA2BGR);
        } else {
            bgr = image_crop.clone();
        }
        cv::Mat filled;
        if (bgr.depth() == CV_8U) {
            cv::inpaint(bgr, mask_crop, filled, kTeleaRadius, cv::INPAINT_TELEA);
        } else {
            std::vector<cv::Mat> planes;
            cv::split(bgr, planes);
            for (cv::Mat& plane : planes) {
                cv::Mat d;
                cv::inpaint(plane, mask_crop, d, kTeleaRadius, cv::INPAINT_TELEA);
                plane = d;
            }
            cv::merge(planes, filled);
        }
        return to_float(filled);
    }

    static cv::Mat fill_telea(const cv::Mat& image, const cv::Mat& mask, const cv::Rect& box, cv::Rect& crop) {
        constexpr int kMargin = 3 * kTeleaRadius + 8;  // the fill reads known pixels within its radius
        crop = cv::Rect(box.x - kMargin, box.y - kMargin, box.width + 2 * kMargin, box.height + 2 * kMargin) &
               cv::Rect(0, 0, image.cols, image.rows);
        return telea_of(image(crop), mask(crop));
    }

    // The hole's rim from Telea, its inside from the network: the network ran at up to
    // kWorkingSide px, so next to the known pixels its fill is a blurred guess, while Telea
    // continues the photo's own full-resolution pixels there. Weight of the network = distance to
    // the nearest known pixel / rim (0 at the edge, 1 from `rim` px inwards).
    static void blend_rim(const cv::Mat& image_crop, const cv::Mat& mask_crop, const cv::Mat& role, float rim,
                          cv::Mat& fill) {
        if (rim <= 0) return;
        cv::Mat dist;
        cv::distanceTransform(role == kRoleFill, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
        // Telea only over a band of the hole: it fills in order of distance from the known pixels,
        // each pixel from neighbours within kTeleaRadius already filled, so pixels within `rim`
        // never read past rim + radius, and nothing from the band's inner side (where the
        // photo's own pixels count as known) travels further in than half the band. A band of
        // 2 (rim + radius) + 2 keeps the rim exactly as over the whole hole, at a fraction of the
        // cost for large holes.
        const float band = 2.0F * (rim + static_cast<float>(kTeleaRadius)) + 2.0F;
        cv::Mat telea_mask = mask_crop.clone();
        telea_mask.setTo(0, (role == kRoleFill) & (dist >= band));
        const cv::Mat telea = telea_of(image_crop, telea_mask);
        for (int y = 0; y < fill.rows; ++y) {
            const uint8_t* r = role.ptr<uint8_t>(y);
            const float* d = dist.ptr<float>(y);
            const cv::Vec3f* t = telea.ptr<cv::Vec3f>(y);
            cv::Vec3f* f = fill.ptr<cv::Vec3f>(y);
            for (int x = 0; x < fill.cols; ++x) {
                if (r[x] != kRoleFill) continue;
                const float w = std::min(1.0F, d[x] / rim);
                f[x] = w * f[x] + (1.0F - w) * t[x];
            }
        }
    }

    // Region k through the network: its hole's bounding box with context at up to kWorkingSide px,
    // the fill scaled back, its seam against the photo corrected, and, when the network ran below
    // full resolution, refined at full resolution by PatchMatch guided by that fill. (When the
    // network already ran at full resolution there is no lost detail to restore: no refinement.)
    static cv::Mat fill_learned(const cv::Mat& image, const cv::Mat& mask, const cv::Mat& labels, int k,
                                const cv::Rect& box, const MaskedNetwork& network, const LearnedFillOptions& options,
                                bool allow_refine, const JobControl& job, cv::Rect& crop) {
        ProgressStage progress(job, 0, 100);
        job.cancel.throw_if_requested();
        const int margin =
            std::max(32, static_cast<int>(std::lround(options.margin * std::max(box.width, box.height))));
        const cv::Rect net_crop =
            cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
            cv::Rect(0, 0, image.cols, image.rows);
        const double f =
            std::min(1.0, static_cast<double>(options.working_side) / std::max(net_crop.width, net_crop.height));
        const int w = std::max(4, static_cast<int>(std::lround(net_crop.width * f)) / 4 * 4);
        const int h = std::max(4, static_cast<int>(std::lround(net_crop.height * f)) / 4 * 4);
        const cv::Mat photo = to_float(image(net_crop));
        cv::Mat rgb;
        cv::cvtColor(photo, rgb, cv::COLOR_BGR2RGB);
        cv::Mat small_rgb;
        cv::resize(rgb, small_rgb, {w, h}, 0, 0, cv::INTER_AREA);
        cv::Mat small_mask;
        cv::resize(mask(net_crop), small_mask, {w, h}, 0, 0, cv::INTER_AREA);
        small_mask = small_mask > 0;  // any covered pixel counts as hole
        small_mask.convertTo(small_mask, CV_32F, 1.0 / 255.0);
        cv::Mat net = run_inpaint_network(network, small_rgb, small_mask);  // RGB float
        if (options.flip_average) {
            // The network is not mirror-symmetric: the mean of its fill and its mirrored fill of
            // the mirrored crop is closer to the truth than either (docs/QUALITY.md).
            cv::Mat flipped_rgb;
            cv::Mat flipped_mask;
            cv::flip(small_rgb, flipped_rgb, 1);
            cv::flip(small_mask, flipped_mask, 1);
            cv::Mat mirrored;
            cv::flip(run_inpaint_network(network, flipped_rgb, flipped_mask), mirrored, 1);
            net = 0.5F * (net + mirrored);
        }
        progress.update(0.2);
        cv::Mat up;
        cv::resize(net, up, net_crop.size(), 0, 0, cv::INTER_CUBIC);
        cv::Mat fill;
        cv::cvtColor(up, fill, cv::COLOR_RGB2BGR);
        const cv::Mat net_role = roles(mask(net_crop), labels(net_crop), k);
        correct_seam(photo, fill, net_role, static_cast<float>(std::clamp(std::max(box.width, box.height) / 8, 8, 48)));
        blend_rim(image(net_crop), mask(net_crop), net_role,
                  static_cast<float>(std::clamp(kRimNetworkPixels / f, 4.0, 64.0)), fill);
        if (options.telea_weight > 0) {
            cv::Mat telea_mask = mask(net_crop).clone();
            const cv::Mat telea = telea_of(image(net_crop), telea_mask);
            const auto t = static_cast<float>(options.telea_weight);
            cv::Mat mixed = (1.0F - t) * fill + t * telea;
            mixed.copyTo(fill, net_role == kRoleFill);
        }
        const bool refine = allow_refine && (w < net_crop.width || h < net_crop.height) && f < options.refine_below;
        if (!refine) {
            crop = net_crop;
            return fill;
        }
        crop = context_window(box, image.size());
        cv::Mat guide = to_float(image(crop));
        const cv::Rect both = net_crop & crop;  // holds the whole hole: both grow the same box
        fill(both - net_crop.tl()).copyTo(guide(both - crop.tl()), mask(both));
        const cv::Mat role = roles(mask(crop), labels(crop), k);
        // The network saw the crop at scale f, so it knows nothing finer than 1/f pixels: its guide
        // steers the coarse levels (structure and colour); the finer levels copy texture freely.
        PatchMatchOptions o = pm_options();
        o.guide_finest_level = std::max(0, static_cast<int>(std::floor(std::log2(1.0 / f))) + options.guide_octaves);
        o.guide_weight = options.guide_weight;
        o.copy_last = options.sharp_refinement;
        return patchmatch_fill(to_float(image(crop)), role, guide, o, region_seed(kSeed, box),
                               progress.sub_job(20, 100));
    }
};

}  // namespace

OpResult run_inpaint(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                     const cv::Rect& region) {
    return InpaintEngine::run(image, mask, method, ctx, region, LearnedFillOptions{});
}

OpResult run_inpaint(const cv::Mat& image, const cv::Mat& mask, InpaintMethod method, const OpContext& ctx,
                     const cv::Rect& region, const LearnedFillOptions& learned) {
    return InpaintEngine::run(image, mask, method, ctx, region, learned);
}

}  // namespace restora
