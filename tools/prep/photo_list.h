#pragma once
// Shared by restora-prep and restora-prep-text: the photo list and 8-bit RGB loading.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "restora/core/image_io.h"

namespace restora::prep {

// One path a line; empty lines and lines starting with '#' are skipped. Throws when unreadable.
inline std::vector<std::filesystem::path> read_photo_list(const std::filesystem::path& list) {
    std::ifstream lf(list);
    if (!lf) throw std::runtime_error("cannot read the photo list " + list.string());
    std::vector<std::filesystem::path> photos;
    for (std::string line; std::getline(lf, line);) {
        if (!line.empty() && line[0] != '#') photos.emplace_back(line);
    }
    return photos;
}

// 8-bit RGB, or empty (with a message) when the photo cannot be read.
inline cv::Mat load_rgb8(const std::filesystem::path& path) {
    cv::Mat img;
    try {
        img = load_image(path).pixels;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skipping %s: %s\n", path.c_str(), e.what());
        return img;
    }
    if (img.depth() == CV_16U) img.convertTo(img, CV_8U, 1.0 / 257.0);
    if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
    cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    return img;
}

// The command line restora-prep-text and restora-prep-damage share: the photos, where the shards
// go, crop size, megabytes of training shards, every E-th photo held out for evaluation with K
// crops each, the seed, and N preview crops.
struct ShardArgs {
    std::filesystem::path list;
    std::filesystem::path out;
    int seed = 0;
    int crop = 128;
    double train_mb = 40;
    int eval_every = 8;
    int eval_per_photo = 8;
    int preview = 0;
    std::vector<std::filesystem::path> photos;  // read from `list`
};

// Parses argv into `a` (its `out` and `seed` are the tool's defaults) and reads the photo list;
// false after printing the usage or the error (exit status 2).
inline bool parse_shard_args(int argc, char** argv, const char* tool, ShardArgs& a) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--photos") {
            a.list = next();
        } else if (arg == "--out") {
            a.out = next();
        } else if (arg == "--crop") {
            a.crop = std::stoi(next());
        } else if (arg == "--train-mb") {
            a.train_mb = std::stod(next());
        } else if (arg == "--eval-every") {
            a.eval_every = std::stoi(next());
        } else if (arg == "--eval-per-photo") {
            a.eval_per_photo = std::stoi(next());
        } else if (arg == "--seed") {
            a.seed = std::stoi(next());
        } else if (arg == "--preview") {
            a.preview = std::stoi(next());
        } else {
            std::fprintf(stderr,
                         "usage: %s --photos LIST --out DIR [--crop N] [--train-mb M] [--eval-every E] "
                         "[--eval-per-photo K] [--seed S] [--preview N]\n",
                         tool);
            return false;
        }
    }
    try {
        a.photos = read_photo_list(a.list);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", tool, e.what());
        return false;
    }
    return true;
}

}  // namespace restora::prep
