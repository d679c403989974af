#pragma once
// The independent damage set: old-photo damage over real photos by code written apart from the
// training synthesiser (tools/prep/damage_synth.cpp), used for validation only and never tuned on.
// Other looks (Rec.709 monochrome, a sepia curve, gamma fading, vignette, clumped grain drawn at
// half resolution, scanner blur), other shapes (Catmull-Rom scratches, cine-style full-height lines,
// circular fibres and loops, dust clusters with Gaussian profiles, zig-zag creases, tears with
// fractal edges, pin holes) and other rendering: every stroke is the distance to its rasterised
// centre line (cv::distanceTransform) turned into coverage with a smooth edge, not a supersampled
// drawing. The truth: the photo before the damage and every pixel the damage changed by more
// than kVisible levels in some channel.
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora::damageset {

inline constexpr int kVisible = 10;

struct DamageScene {
    cv::Mat input;   // CV_8UC3 BGR: the aged photo with damage
    cv::Mat clean;   // CV_8UC3 BGR: the aged photo before the damage
    cv::Mat damage;  // CV_8U 0/255: pixels the damage visibly changed
    std::string look;
    std::vector<std::string> kinds;
};

// One scene over `photo` (CV_8UC3 BGR), deterministic for a given rng state.
DamageScene compose(const cv::Mat& photo, std::mt19937& rng);

}  // namespace restora::damageset
