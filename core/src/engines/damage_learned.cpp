// The learned damage detector (damage-unet, models/damage_net.h): the probability map over the
// photo in tiles of kTile px with kContext px of context on each side (the network's receptive
// field is 40 px wide), thresholded by the sensitivity. The network is loaded once per process.
#include <algorithm>
#include <map>
#include <mutex>

#include <opencv2/imgproc.hpp>

#include "restora/core/engines/damage.h"
#include "restora/core/model_store.h"
#include "restora/models/damage_network.h"

namespace restora {

namespace {

constexpr int kTile = 512;
constexpr int kContext = 32;

std::shared_ptr<DamageNetwork> network_for(const std::filesystem::path& weights, DeviceKind device) {
    static std::mutex mutex;
    static std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<DamageNetwork>> loaded;
    const std::lock_guard<std::mutex> lock(mutex);
    auto& slot = loaded[{weights.string(), device}];
    if (!slot) slot = std::make_shared<DamageNetwork>(weights, device);
    return slot;
}

}  // namespace

cv::Mat damage_probability(const cv::Mat& image, const std::filesystem::path& weights, const OpContext& ctx) {
    const std::shared_ptr<DamageNetwork> net = network_for(weights, ctx.device);
    cv::Mat rgb;
    cv::Mat src = image;
    if (src.channels() == 4) cv::cvtColor(src, src, cv::COLOR_BGRA2BGR);
    if (src.channels() == 1) cv::cvtColor(src, src, cv::COLOR_GRAY2BGR);
    cv::cvtColor(src, rgb, cv::COLOR_BGR2RGB);
    rgb.convertTo(rgb, CV_32F, image.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    cv::Mat padded;
    cv::copyMakeBorder(rgb, padded, kContext, kContext, kContext, kContext, cv::BORDER_REFLECT);
    cv::Mat prob(image.size(), CV_32F);
    const int tx = (image.cols + kTile - 1) / kTile, ty = (image.rows + kTile - 1) / kTile;
    ProgressStage progress(ctx.job, 0, 100);
    for (int j = 0; j < ty; ++j) {
        for (int i = 0; i < tx; ++i) {
            ctx.job.cancel.throw_if_requested();
            const cv::Rect core(i * kTile, j * kTile, std::min(kTile, image.cols - i * kTile),
                                std::min(kTile, image.rows - j * kTile));
            // The tile with its context, in padded coordinates, enlarged to multiples of 8.
            const int w = (core.width + 2 * kContext + 7) / 8 * 8, h = (core.height + 2 * kContext + 7) / 8 * 8;
            cv::Mat in;
            const cv::Rect avail = cv::Rect(core.x, core.y, w, h) & cv::Rect(0, 0, padded.cols, padded.rows);
            cv::copyMakeBorder(padded(avail), in, 0, h - avail.height, 0, w - avail.width, cv::BORDER_REFLECT);
            in = in.clone();
            cv::Mat out(h, w, CV_32F);
            net->run(w, h, in.ptr<float>(), out.ptr<float>());
            out(cv::Rect(kContext, kContext, core.width, core.height)).copyTo(prob(core));
            progress.update(static_cast<double>(j * tx + i + 1) / (tx * ty));
        }
    }
    return prob;
}

cv::Mat damage_mask_from_probability(const cv::Mat& prob, double sensitivity) {
    const double t = std::clamp(0.9 - 0.8 * std::clamp(sensitivity, 0.0, 1.0), 0.05, 0.95);
    cv::Mat mask = prob >= t;
    cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
    return mask;
}

cv::Mat detect_damage_learned(const cv::Mat& image, double sensitivity, const OpContext& ctx) {
    const ModelStatus st = require_model(kDamageModelId);
    return damage_mask_from_probability(damage_probability(image, st.path, ctx), sensitivity);
}

}  // namespace restora
