#pragma once
// The training damage synthesiser (restora-prep-damage): old-photo looks and damage drawn onto
// photo crops. The validation set (tools/damageset) is written apart from this file, with other
// shapes, parameters and rendering, and is never tuned on.
#include <random>

#include <opencv2/core.hpp>

namespace restora::prep {

struct DamageSample {
    cv::Mat input;  // CV_8UC3 RGB: the aged photo with damage (and, sometimes, JPEG)
    cv::Mat clean;  // CV_8UC3 RGB: the aged photo before the damage
    cv::Mat mask;   // CV_8U 0/255: pixels the damage visibly changed
};

// Looks: colour, faded colour, monochrome, sepia; grain at several strengths; paper texture.
// Damage, antialiased (drawn at 4x and area-averaged): bright and dark scratches (thin and wide,
// straight and curved), dust specks, hairs and fibres, creases, small tears; each with its own
// value and opacity. About one crop in ten gets no damage (grain and texture only).
DamageSample synth_damage(const cv::Mat& rgb8, std::mt19937& rng);

}  // namespace restora::prep
