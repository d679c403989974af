#pragma once
// Old-photo damage: the classical detector (scratches, dust, hairs, creases, small tears) and the
// fill made for thin structures, shared by remove-damage, `restora-cli detect damage` and the
// benchmarks (docs/QUALITY.md, "Old-photo damage").
#include <filesystem>

#include <opencv2/core.hpp>

#include "restora/core/operation.h"
#include "restora/models/job.h"

namespace restora {

inline constexpr double kDefaultDamageSensitivity = 0.5;

// CV_8U 0/255 mask of the damage in a BGR(A) 8/16-bit photo (or one channel). sensitivity 0..1:
// higher finds fainter damage and more false alarms. Checks job.cancel between stages.
cv::Mat detect_damage(const cv::Mat& image, double sensitivity, const JobControl& job = {});

// The learned detector's weight id (models/weights/damage-unet-v1.md).
inline constexpr const char* kDamageModelId = "damage-unet-v1";

// The learned detector: damage probability per pixel (CV_32F, the photo's size) from the network
// in `weights`, in tiles with context; the mask at a sensitivity (threshold 0.9 - 0.8 x S, then
// grown by 1 px as the classical one); both together, with the installed weights (throws
// Error(Processing) naming the restoring command when they are missing).
cv::Mat damage_probability(const cv::Mat& image, const std::filesystem::path& weights, const OpContext& ctx);
cv::Mat damage_mask_from_probability(const cv::Mat& prob, double sensitivity);
cv::Mat detect_damage_learned(const cv::Mat& image, double sensitivity, const OpContext& ctx);

// The photo's grain level: robust standard deviation (8-bit levels) of luma minus its 3x3 median.
double grain_level(const cv::Mat& image);

// The thin-structure fill: masked pixels only are replaced (everything else stays bit-identical).
// Per damaged region OpenCV's Telea fill (radius 3) on a small crop, then luma grain with the
// standard deviation of the photo's own grain on a ring of known pixels around the region
// (damage_fill.cpp). `grain` 0..1 scales the added grain (0: the smooth fill alone). Deterministic.
cv::Mat fill_damage(const cv::Mat& image, const cv::Mat& mask, double grain, const JobControl& job = {});

}  // namespace restora
