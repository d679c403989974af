// restora-prep-damage: synthetic old-photo damage sets for restora-train-damage. Crops of the
// training photos (shrunk by 2, 4 and 8 as in restora-prep) get an old-photo look and damage
// (damage_synth.h); each sample is one shard crop of 3*S x S pixels: rows [0,S) the damaged input,
// [S,2S) the aged photo before the damage, [2S,3S) the mask (255 = damage, grey in all three
// channels). Every --eval-every'th photo goes to the held-out set only, never to training.
//   restora-prep-damage --photos LIST --out DIR [--crop 128] [--train-mb 40] [--eval-every 8]
//                       [--eval-per-photo 8] [--seed 11] [--preview N]
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "crop_shards.h"
#include "damage_synth.h"
#include "photo_list.h"
#include "restora/training/shard.h"

namespace fs = std::filesystem;
using namespace restora;

int main(int argc, char** argv) {
    prep::ShardArgs args;
    args.out = "damage-shards";
    args.seed = 11;
    if (!prep::parse_shard_args(argc, argv, "restora-prep-damage", args)) return 2;
    fs::create_directories(args.out);
    double damaged_share = 0;
    const prep::CropShards shards = prep::make_crop_shards(
        args, 3, static_cast<size_t>(args.crop) * args.crop * 3 * 3,
        [&](const cv::Mat& crop, std::mt19937& rng, Shard& target, std::vector<cv::Mat>& previews) {
            const prep::DamageSample s = prep::synth_damage(crop, rng);
            cv::Mat m3, stacked;
            cv::cvtColor(s.mask, m3, cv::COLOR_GRAY2RGB);
            cv::vconcat(std::vector<cv::Mat>{s.input, s.clean, m3}, stacked);
            target.pixels.insert(target.pixels.end(), stacked.data, stacked.data + stacked.total() * 3);
            ++target.n;
            damaged_share += cv::countNonZero(s.mask) / static_cast<double>(s.mask.total());
            if (static_cast<int>(previews.size()) < args.preview) {
                cv::Mat row;
                cv::hconcat(std::vector<cv::Mat>{s.input, s.clean, m3}, row);
                previews.push_back(row);
            }
        });
    prep::write_crop_shards(args.out, shards);
    std::printf("mean damaged share %.3f\n", damaged_share / std::max(1, shards.train.n + shards.eval.n));
    return 0;
}
