#pragma once
// Realistic camera noise for training the denoiser, in torch (the trainers are libtorch-only).
// A clean sRGB crop goes backwards through a randomised camera pipeline (a power-law gamma,
// an inverse colour matrix, inverse white-balance gains) to a raw Bayer mosaic of random CFA
// phase; Poisson-Gaussian sensor noise is added at a random ISO (shot noise drawn log-uniformly,
// read noise tied to it by a log-linear law with scatter); then the pipeline runs forwards:
// demosaic by normalised convolution (bilinear, or colour-difference interpolation), white balance,
// an optional chroma noise reduction (box mean of the colour differences), colour matrix, gamma and
// 8-bit rounding. The noise comes out spatially correlated, signal dependent and with chroma
// blotches, as in a camera's JPEG.
//
// This is deliberately a different simulation from the evaluation set's (tools/prep/camera_sim.cpp:
// fixed RGGB phase, the Malvar-He-Cutler demosaic, an ISO table from sensor gain and full-well
// capacity, the exact sRGB curve, fixed colour matrices), so that the benchmark does not reward
// learning one simulator's quirks.
#include <torch/torch.h>

#include <random>

namespace restora {

// The per-crop camera parameters, drawn by draw_camera().
struct CameraDraw {
    float gamma = 2.2F;   // power-law transfer: linear = srgb^gamma
    float wb_red = 2.0F;  // white-balance gains the camera applied (green = 1)
    float wb_blue = 1.6F;
    float ccm[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};  // camera RGB -> linear sRGB, rows sum to 1
    int phase_x = 0, phase_y = 0;                // CFA phase: (0, 0) is RGGB, (1, 0) GRBG, (0, 1) GBRG, (1, 1) BGGR
    float shot = 0.002F;                         // raw noise variance = shot * signal + read
    float read = 1e-5F;
    // The raw converter: demosaic 0 = bilinear, 1 = colour-difference (green bilinear, then R-G and
    // B-G interpolated bilinearly and added back); chroma_blur > 1: its chroma noise reduction, a box
    // mean of R-G and B-G over chroma_blur x chroma_blur pixels (0: none).
    int demosaic = 0;
    int chroma_blur = 0;
};

// Draws a camera and an ISO level. `max_shot` bounds the shot-noise coefficient (log-uniform from
// 1e-4; 0.012 is about ISO 6400 on a small sensor, 0.03 a very high ISO).
CameraDraw draw_camera(std::mt19937& rng, float max_shot = 0.03F);

// The camera's sRGB output for a clean sRGB crop [3,H,W] in [0,1] (H and W even), 8-bit rounded.
// Uses torch's global generator for the noise.
torch::Tensor camera_roundtrip(const torch::Tensor& srgb, const CameraDraw& cam);

}  // namespace restora
