#pragma once
// The realistic camera-noise evaluation set's generator (restora-bench-camera, docs/QUALITY.md):
// a clean 8-bit sRGB photo through a simulated camera, with fixed seeds. sRGB -> linear (the
// exact sRGB curve) -> camera RGB through a fixed XYZ-to-camera matrix -> RGGB Bayer mosaic ->
// photo-electrons with Poisson shot noise at the ISO's gain, Gaussian read noise before and after
// the gain, a black level and 12-bit ADC rounding -> Malvar-He-Cutler demosaic -> white balance
// -> the camera's colour matrix -> sRGB curve -> 8 bits, optionally a libjpeg JPEG.
//
// Written apart from the denoiser's training simulation (training/src/camera_noise.cpp: torch,
// random CFA phase, bilinear demosaic by normalised convolution, random colour matrices and
// white-balance gains, a power-law gamma, a log-linear read-vs-shot noise law), so the two share
// no code and no parameters.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora::camera_sim {

struct Camera {
    std::string name;
    double xyz_to_camera[9];  // rows: camera R, G, B; columns: X, Y, Z (D65)
};

// The fixed cameras of the set; photo i is taken with camera i % 3.
const std::vector<Camera>& cameras();

struct Shot {
    int iso = 3200;
    int jpeg_quality = 0;  // 0: the camera's output is kept as 8-bit PNG-like pixels
    uint64_t seed = 1;
};

// The sensor: full-well capacity at base ISO 100, read noise before the gain (electrons) and after
// it (ADC units of 12 bits), black level (ADC units).
inline constexpr double kFullWellAtIso100 = 12000.0;
inline constexpr double kReadElectrons = 2.5;
inline constexpr double kReadAdc = 1.2;
inline constexpr double kBlackLevel = 256.0;
inline constexpr double kWhiteLevel = 4095.0;

// The camera's 8-bit BGR output for a clean 8-bit BGR photo (even width and height). With
// `noise` false the sensor is noiseless (the demosaic and rounding losses alone).
// `bayer_code` >= 0 demosaics with OpenCV's cvtColor code instead (restora-bench-camera --check).
cv::Mat simulate(const cv::Mat& clean_bgr, const Camera& camera, const Shot& shot, bool noise = true,
                 int bayer_code = -1);

}  // namespace restora::camera_sim
