#pragma once
// Physically plausible synthetic cast shadows for training and evaluating shadow removal.
// A shadow is the light of one source blocked by an occluder: inside it only the bluish ambient
// (sky) light remains, so each channel is scaled by its own factor in linear light, and the
// surface texture survives multiplicatively. The penumbra width follows the distance between
// occluder and surface, which varies along the edge.
#include <random>

#include <opencv2/core.hpp>

namespace restora {

struct SyntheticShadow {
    cv::Mat shadowed;  // CV_8UC3, same channel order as the input
    cv::Mat alpha;     // CV_32F in [0,1]: how much direct light is blocked (the true shadow)
    cv::Mat painted;   // CV_8U 0/255: the mask a person would paint (looser than the shadow)
};

// clean: CV_8UC3 RGB. Occluders: blobs, branches with foliage, people, hats; hard or soft.
SyntheticShadow synthesize_shadow(const cv::Mat& clean, std::mt19937& rng);

}  // namespace restora
