#pragma once
// Baseline JPEG compression simulated in torch, for training data: the libtorch-only trainers have
// no codec. Everything that loses information in baseline JPEG is here (JFIF YCbCr, 4:2:0 chroma
// averaging, 8x8 DCT, the IJG-scaled standard quantisation tables, rounding); only the lossless
// entropy coding is left out. Chroma is upsampled bilinearly (libjpeg's "fancy" upsampling is a
// similar triangle filter). Tested in tests/test_jpeg_sim.cpp; compared with libjpeg (OpenCV) in docs/TRAINING.md.
#include <torch/torch.h>

namespace restora {

// img: [3,H,W] RGB in [0,1] (any H, W; padded internally to multiples of 16). quality: 1..100 as
// in libjpeg. Returns the decoded image, 8-bit quantised, in [0,1].
torch::Tensor jpeg_roundtrip(const torch::Tensor& img, int quality);

}  // namespace restora
