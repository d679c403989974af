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

}  // namespace restora::prep
