// restora-prep: turns redistributable photos into training shards for restora-train: uint8 RGB
// crops at several scales (each photo shrunk by 2, 4 and 8 before cropping, so the network sees
// both fine texture and scene structure). Photos listed in --holdout never enter any shard.
//   restora-prep --photos LIST --out DIR [--crop 128] [--per-scale K] [--shard-mb 24] [--eval-every 8]
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "restora/core/image_io.h"
#include "restora/models/shard.h"

namespace fs = std::filesystem;
using namespace restora;

int main(int argc, char** argv) {
    fs::path list;
    fs::path out = "shards";
    int crop = 128;
    int per_scale = 8;
    double shard_mb = 24;
    int eval_every = 8;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--photos") list = next();
        else if (a == "--out") out = next();
        else if (a == "--crop") crop = std::stoi(next());
        else if (a == "--per-scale") per_scale = std::stoi(next());
        else if (a == "--shard-mb") shard_mb = std::stod(next());
        else if (a == "--eval-every") eval_every = std::stoi(next());
        else {
            std::fprintf(stderr, "usage: restora-prep --photos LIST --out DIR [--crop N] [--per-scale K] [--shard-mb M] [--eval-every E]\n");
            return 2;
        }
    }
    std::ifstream lf(list);
    if (!lf) {
        std::fprintf(stderr, "restora-prep: cannot read the photo list %s\n", list.c_str());
        return 2;
    }
    std::vector<fs::path> photos;
    for (std::string line; std::getline(lf, line);) {
        if (!line.empty() && line[0] != '#') photos.emplace_back(line);
    }
    fs::create_directories(out);
    std::mt19937 rng(2026);
    const size_t per_crop = static_cast<size_t>(crop) * crop * 3;
    const int max_per_shard = static_cast<int>(shard_mb * 1024 * 1024 / per_crop);
    Shard train{0, crop, crop, {}};
    Shard eval{0, crop, crop, {}};
    int train_index = 0;
    auto flush = [&](Shard& s, const std::string& name) {
        if (s.n == 0) return;
        write_shard(out / name, s);
        std::printf("wrote %s: %d crops (%.1f MiB)\n", (out / name).c_str(), s.n, s.pixels.size() / 1048576.0);
        s = Shard{0, crop, crop, {}};
    };
    for (size_t p = 0; p < photos.size(); ++p) {
        cv::Mat img;
        try {
            img = load_image(photos[p]).pixels;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "skipping %s: %s\n", photos[p].c_str(), e.what());
            continue;
        }
        if (img.depth() == CV_16U) img.convertTo(img, CV_8U, 1.0 / 257.0);
        if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
        cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
        const bool to_eval = eval_every > 0 && p % eval_every == 0;
        Shard& target = to_eval ? eval : train;
        for (int factor : {2, 4, 8}) {
            cv::Mat small;
            cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols < crop || small.rows < crop) continue;
            std::uniform_int_distribution<int> ux(0, small.cols - crop);
            std::uniform_int_distribution<int> uy(0, small.rows - crop);
            for (int k = 0; k < per_scale; ++k) {
                const cv::Mat c = small(cv::Rect(ux(rng), uy(rng), crop, crop)).clone();
                target.pixels.insert(target.pixels.end(), c.data, c.data + per_crop);
                ++target.n;
                if (!to_eval && train.n == max_per_shard) flush(train, "train-" + std::to_string(train_index++) + ".shard");
            }
        }
    }
    flush(train, "train-" + std::to_string(train_index) + ".shard");
    flush(eval, "eval.shard");
    return 0;
}
