#pragma once
// Old-photo damage: the classical detector (scratches, dust, hairs, creases, small tears) and the
// fill made for thin structures, shared by remove-damage, `restora-cli detect damage` and the
// benchmarks (docs/QUALITY.md, "Old-photo damage").
#include <opencv2/core.hpp>

#include "restora/models/job.h"

namespace restora {

inline constexpr double kDefaultDamageSensitivity = 0.5;

// CV_8U 0/255 mask of the damage in a BGR(A) 8/16-bit photo (or one channel). sensitivity 0..1:
// higher finds fainter damage and more false alarms. Checks job.cancel between stages.
cv::Mat detect_damage(const cv::Mat& image, double sensitivity, const JobControl& job = {});

// The photo's grain level: robust standard deviation (8-bit levels) of luma minus its 3x3 median.
double grain_level(const cv::Mat& image);

// The thin-structure fill: masked pixels only are replaced (everything else stays bit-identical).
// Each masked pixel gets the median-of-neighbours diffusion fill (OpenCV Telea, radius 3), then
// grain matched to the photo's own around the damage (luma noise with the grain's standard
// deviation measured on a ring of known pixels, blurred like the photo's grain), added only where
// the mask is more than 1 px from the hole's edge is too... see damage_fill.cpp. `grain` 0..1
// scales the added grain (0: the smooth fill alone). Deterministic.
cv::Mat fill_damage(const cv::Mat& image, const cv::Mat& mask, double grain, const JobControl& job = {});

}  // namespace restora
