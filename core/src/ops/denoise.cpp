// denoise: OpenCV non-local means (tiled, exact per region), MAXIM-3S trained on real camera noise,
// or Restora's tunable denoiser (Strength, Realism and JPEG artefacts retune the network).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "common.h"
#include "restora/core/engines/maxim.h"
#include "restora/core/engines/tiling.h"
#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/operation.h"
#include "restora/models/errors.h"
#include "restora/models/jpeg_axis.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace {

class Denoise : public Operation {
  public:
    Denoise() {
        info_ = {"denoise",
                 1,
                 "Denoise",
                 "Remove sensor noise and grain.",
                 MaskUse::None,
                 {choice_param("model", "Method", {"nlmeans", "maxim", "tunable"}, "tunable",
                               "tunable (the default): Restora's denoiser with tunable convolutions, Strength, "
                               "Realism and JPEG artefacts retune the network (fast, best on most photos); "
                               "nlmeans: OpenCV non-local means (no weights needed); maxim: the MAXIM-3S network "
                               "trained on real camera noise (SIDD; slow on a CPU)"),
                  strength_param(),
                  realism_param("0: the most faithful result (highest PSNR, can look smooth); 1: natural "
                                "texture and grain kept."),
                  jpeg_param()}};
    }
    // The tunable denoiser's third axis (denoise-tunable-v3): how hard the photo was JPEG-compressed
    // after the noise. Training put a JPEG of quality q at jpeg_axis_of(q) (jpeg_axis.h); the
    // default from a file's quality is calibrated (source_defaults). At 0 the network is
    // denoise-tunable-v2's, unchanged.
    static ParamSpec jpeg_param() {
        ParamSpec p = number_param("jpeg", "JPEG artefacts", 0, 1, 0.05, 0,
                                   "How strongly the photo was JPEG-compressed after the noise (tunable): 0 for a "
                                   "raw, PNG or quality-95 file. It starts at the file's own JPEG quality (0.3 for "
                                   "quality 90, 0.6 for 50, 0.7 for 30); higher removes more 8x8 blocks and ringing, "
                                   "and more fine detail.");
        p.only_for = "model=tunable";
        p.low_label = "None";
        p.high_label = "Heavy";
        return p;
    }
    // A JPEG's own quality sets the JPEG artefacts slider, in the slider's steps: through the
    // weights' calibration (meta jpeg_slider = "q:J,...", measured on held-out photos of the
    // training domain by restora-bench-tunable --task jpeg-calibration; linear between the
    // qualities, 0 from quality 95 up), else jpeg_axis_of(q), the training's own mapping.
    std::map<std::string, std::string> source_defaults(const SourceInfo& source) const override {
        if (source.jpeg_quality <= 0) return {};
        const double j = slider_for_quality(source.jpeg_quality);
        char text[16];
        std::snprintf(text, sizeof text, "%g", std::round(j * 20) / 20);
        return {{"jpeg", text}};
    }
    static ParamSpec strength_param() {
        ParamSpec p = number_param("strength", "Strength", 0, 1, 0.05, 0.5,
                                   "How much noise to remove (nlmeans, tunable); higher also removes fine detail");
        p.low_label = "Light";
        p.high_label = "Strong";
        return p;
    }

    const OperationInfo& info() const override { return info_; }

    static double slider_for_quality(int q) {
        if (q >= kJpegQualityAtZero) return 0;
        std::vector<std::pair<double, double>> table;
        try {
            const ModelStatus m = find_model(kTunableDenoiseId);
            if (m.state == ModelState::Installed) {
                const auto meta = read_weight_meta(m.path);
                if (auto it = meta.find("jpeg_slider"); it != meta.end()) {
                    std::stringstream in(it->second);
                    for (std::string item; std::getline(in, item, ',');) {
                        const auto colon = item.find(':');
                        if (colon != std::string::npos)
                            table.emplace_back(std::stod(item.substr(0, colon)), std::stod(item.substr(colon + 1)));
                    }
                }
            }
        } catch (const std::exception&) {
            table.clear();  // unreadable weights: the run itself reports them
        }
        if (table.empty()) return jpeg_axis_of(q);
        std::sort(table.begin(), table.end());
        table.emplace_back(kJpegQualityAtZero, 0.0);
        if (q <= table.front().first) return table.front().second;
        for (size_t i = 1; i < table.size(); ++i) {
            if (q <= table[i].first) {
                const auto [q0, j0] = table[i - 1];
                const auto [q1, j1] = table[i];
                return j0 + (j1 - j0) * (q - q0) / (q1 - q0);
            }
        }
        return 0;
    }

    std::vector<std::string> networks(const Params& p) const override {
        if (p.text("model") == "maxim") return {kMaximId};
        if (p.text("model") == "tunable") return {kTunableDenoiseId};
        return {};
    }
    CostModel cost(const Params& p) const override {
        CostModel c;
        if (p.text("model") == "maxim") {
            c.network = kMaximId;
            c.maxim_tiles = true;
        } else if (p.text("model") == "tunable") {
            c.network = kTunableDenoiseId;
        } else {
            c.seconds_per_mp = 2.0;  // non-local means, measured on 2 cores
            c.tile_bytes_per_px = 3 * 4 * 8.0;
            c.basis = "non-local means";
        }
        return c;
    }

    // Filter strength h in 8-bit units, quadratic so the slider has room at the light end:
    // 0.5 gives h = 8 (noise of sigma about 15), 0.7 gives 13.8 (sigma 25), 1.0 gives 26
    // (sigma 50); measured in docs/QUALITY.md.
    static float filter_h(double strength) { return static_cast<float>(2.0 + 24.0 * strength * strength); }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }
    OpResult run_region(const cv::Mat& image, const cv::Mat& /*mask*/, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        if (p.text("model") == "maxim") return run_maxim_region(image, kMaximId, ctx, region);
        if (p.text("model") == "tunable") return run_tunable(image, p, ctx, region);
        const float h = filter_h(p.number("strength"));
        cv::Mat bgr = image;
        if (image.channels() == 4) cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
        // Search window 21, patch 7: a pixel depends on pixels at most 13 away.
        constexpr int kContext = 16;
        auto filter = [h](const cv::Mat& tile) {
            cv::Mat out;
            if (tile.depth() == CV_8U) {
                cv::fastNlMeansDenoisingColored(tile, out, h, h, 7, 21);
                return out;
            }
            cv::Mat ycc;
            cv::cvtColor(tile, ycc, cv::COLOR_BGR2YCrCb);
            std::vector<cv::Mat> planes;
            cv::split(ycc, planes);
            for (cv::Mat& plane : planes) {
                cv::Mat d;
                cv::fastNlMeansDenoising(plane, d, std::vector<float>{h * 257.0F}, 7, 21, cv::NORM_L1);
                plane = d;
            }
            cv::merge(planes, ycc);
            cv::cvtColor(ycc, out, cv::COLOR_YCrCb2BGR);
            return out;
        };
        cv::Mat out = apply_tiled(bgr, ctx.tile == 0 ? 0 : std::max(ctx.tile, 64), kContext, filter, ctx.job, region);
        if (image.channels() == 4) {
            cv::cvtColor(out, out, cv::COLOR_BGR2BGRA);
            carry_alpha(image(region), out);
        }
        OpResult r;
        r.pixels = out;
        return r;
    }

    // The four corners of Strength x Realism (light/strong x fidelity/perception), bilinear.
    static OpResult run_tunable(const cv::Mat& image, const Params& p, const OpContext& ctx, const cv::Rect& region) {
        const ModelStatus m = require_model(kTunableDenoiseId);
        const std::shared_ptr<TunableNetwork> net = load_tunable_network(m.path, ctx);
        const double s = p.number("strength");
        const double r = p.number("realism");
        const double j = p.number("jpeg");
        std::vector<double> point = {(1 - s) * (1 - r), s * (1 - r), (1 - s) * r, s * r};
        if (net->objectives() == 8) {  // (1 - j) x the four corners, then j x the same four
            for (size_t i = 0; i < 4; ++i) point.push_back(j * point[i]);
            for (size_t i = 0; i < 4; ++i) point[i] *= 1 - j;
        }
        const std::unique_ptr<ImageModel> model = net->fold(point);
        use_precision(*model, ctx.precision);
        OpResult out;
        out.precision = precision_used(ctx.precision);
        out.pixels = image(region).clone();  // alpha (if any) kept; RGB overwritten
        RunOptions o;
        o.tile = ctx.tile;
        o.region = to_rect(region);
        run_tiled(*model, pixel_view(image), pixel_view(out.pixels), o, ctx.job);
        out.model_id = m.entry.id;
        out.model_sha256 = m.entry.sha256;
        return out;
    }

  private:
    static constexpr const char* kMaximId = "maxim-denoising";
    OperationInfo info_;
};

}  // namespace

std::unique_ptr<Operation> make_denoise() { return std::make_unique<Denoise>(); }

}  // namespace restora
