#pragma once
// The crop loop restora-prep-text and restora-prep-damage share: random crops of each photo at
// 1/2, 1/4 and 1/8 of its size, every eval_every-th photo held out for the evaluation shard (its
// own random stream, fixed by the seed alone), the others filling the training shard up to
// train_mb; then both shards and the preview sheet written.
#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "photo_list.h"
#include "restora/training/shard.h"

namespace restora::prep {

struct CropShards {
    Shard train;
    Shard eval;
    std::vector<cv::Mat> previews;  // RGB rows for the sheet
};

// `planes`: images stacked per sample (input, clean, mask...); `bytes_per_sample` sizes the
// training shard. visit(crop, rng, shard, previews) makes one sample from the crop (a view into
// the scaled photo), appends it to the shard (counting it in shard.n) and may add a preview row.
template <class Visit>
CropShards make_crop_shards(const ShardArgs& a, int planes, size_t bytes_per_sample, Visit visit) {
    const int crop = a.crop;
    const int max_train = static_cast<int>(a.train_mb * 1024 * 1024 / bytes_per_sample);
    const auto held_out = [&](size_t p) { return a.eval_every > 0 && p % a.eval_every == 0; };
    int train_photos = 0;
    for (size_t p = 0; p < a.photos.size(); ++p) train_photos += !held_out(p);
    const int train_per_photo = (max_train + train_photos - 1) / std::max(1, train_photos);
    CropShards s{{0, planes * crop, crop, {}}, {0, planes * crop, crop, {}}, {}};
    std::mt19937 train_rng(static_cast<unsigned>(a.seed));
    std::mt19937 eval_rng(static_cast<unsigned>(a.seed) * 7919U + 1U);  // held-out set fixed by the seed alone
    for (size_t p = 0; p < a.photos.size(); ++p) {
        const cv::Mat img = load_rgb8(a.photos[p]);
        if (img.empty()) continue;
        const bool to_eval = held_out(p);
        std::mt19937& rng = to_eval ? eval_rng : train_rng;
        Shard& target = to_eval ? s.eval : s.train;
        const int count = to_eval ? a.eval_per_photo : std::min(train_per_photo, max_train - s.train.n);
        std::vector<cv::Mat> scales;
        for (int factor : {2, 4, 8}) {
            cv::Mat small;
            cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols >= crop && small.rows >= crop) scales.push_back(small);
        }
        if (scales.empty()) continue;
        for (int k = 0; k < count; ++k) {
            const cv::Mat& small = scales[k % scales.size()];
            const int x = std::uniform_int_distribution<int>(0, small.cols - crop)(rng);
            const int y = std::uniform_int_distribution<int>(0, small.rows - crop)(rng);
            visit(small(cv::Rect(x, y, crop, crop)), rng, target, s.previews);
        }
    }
    return s;
}

// Writes train.shard, eval.shard and (with previews) preview.png into `out`, saying what it wrote.
inline void write_crop_shards(const std::filesystem::path& out, const CropShards& s) {
    for (const auto& [name, shard] : {std::pair{"train.shard", &s.train}, std::pair{"eval.shard", &s.eval}}) {
        write_shard(out / name, *shard);
        std::printf("wrote %s: %d samples (%.1f MiB)\n", (out / name).c_str(), shard->n,
                    shard->pixels.size() / 1048576.0);
    }
    if (!s.previews.empty()) {
        cv::Mat sheet;
        cv::vconcat(s.previews, sheet);
        cv::cvtColor(sheet, sheet, cv::COLOR_RGB2BGR);
        cv::imwrite((out / "preview.png").string(), sheet);
    }
}

}  // namespace restora::prep
