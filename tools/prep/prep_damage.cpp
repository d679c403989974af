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

#include "damage_synth.h"
#include "photo_list.h"
#include "restora/training/shard.h"

namespace fs = std::filesystem;
using namespace restora;

int main(int argc, char** argv) {
    fs::path list;
    fs::path out = "damage-shards";
    int crop = 128;
    double train_mb = 40;
    int eval_every = 8;
    int eval_per_photo = 8;
    int seed = 11;
    int preview = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--photos")
            list = next();
        else if (a == "--out")
            out = next();
        else if (a == "--crop")
            crop = std::stoi(next());
        else if (a == "--train-mb")
            train_mb = std::stod(next());
        else if (a == "--eval-every")
            eval_every = std::stoi(next());
        else if (a == "--eval-per-photo")
            eval_per_photo = std::stoi(next());
        else if (a == "--seed")
            seed = std::stoi(next());
        else if (a == "--preview")
            preview = std::stoi(next());
        else {
            std::fprintf(stderr,
                         "usage: restora-prep-damage --photos LIST --out DIR [--crop N] [--train-mb M] "
                         "[--eval-every E] [--eval-per-photo K] [--seed S] [--preview N]\n");
            return 2;
        }
    }
    std::vector<fs::path> photos;
    try {
        photos = prep::read_photo_list(list);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-prep-damage: %s\n", e.what());
        return 2;
    }
    fs::create_directories(out);
    const size_t per_sample = static_cast<size_t>(crop) * crop * 3 * 3;
    const int max_train = static_cast<int>(train_mb * 1024 * 1024 / per_sample);
    int train_photos = 0;
    for (size_t p = 0; p < photos.size(); ++p) train_photos += !(eval_every > 0 && p % eval_every == 0);
    const int train_per_photo = (max_train + train_photos - 1) / std::max(1, train_photos);
    Shard train{0, 3 * crop, crop, {}};
    Shard eval{0, 3 * crop, crop, {}};
    std::mt19937 train_rng(static_cast<unsigned>(seed));
    std::mt19937 eval_rng(static_cast<unsigned>(seed) * 7919U + 1U);
    std::vector<cv::Mat> previews;
    double damaged_share = 0;
    for (size_t p = 0; p < photos.size(); ++p) {
        const cv::Mat img = prep::load_rgb8(photos[p]);
        if (img.empty()) continue;
        const bool to_eval = eval_every > 0 && p % eval_every == 0;
        std::mt19937& rng = to_eval ? eval_rng : train_rng;
        Shard& target = to_eval ? eval : train;
        const int count = to_eval ? eval_per_photo : std::min(train_per_photo, max_train - train.n);
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
            const prep::DamageSample s = prep::synth_damage(small(cv::Rect(x, y, crop, crop)), rng);
            cv::Mat m3, stacked;
            cv::cvtColor(s.mask, m3, cv::COLOR_GRAY2RGB);
            cv::vconcat(std::vector<cv::Mat>{s.input, s.clean, m3}, stacked);
            target.pixels.insert(target.pixels.end(), stacked.data, stacked.data + stacked.total() * 3);
            ++target.n;
            damaged_share += cv::countNonZero(s.mask) / static_cast<double>(s.mask.total());
            if (static_cast<int>(previews.size()) < preview) {
                cv::Mat row;
                cv::hconcat(std::vector<cv::Mat>{s.input, s.clean, m3}, row);
                previews.push_back(row);
            }
        }
    }
    write_shard(out / "train.shard", train);
    std::printf("wrote %s: %d samples (%.1f MiB)\n", (out / "train.shard").c_str(), train.n,
                train.pixels.size() / 1048576.0);
    write_shard(out / "eval.shard", eval);
    std::printf("wrote %s: %d samples (%.1f MiB)\n", (out / "eval.shard").c_str(), eval.n,
                eval.pixels.size() / 1048576.0);
    std::printf("mean damaged share %.3f\n", damaged_share / std::max(1, train.n + eval.n));
    if (!previews.empty()) {
        cv::Mat sheet;
        cv::vconcat(previews, sheet);
        cv::cvtColor(sheet, sheet, cv::COLOR_RGB2BGR);
        cv::imwrite((out / "preview.png").string(), sheet);
    }
    return 0;
}
