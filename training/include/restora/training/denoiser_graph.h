#pragma once
#include <cstdint>

#include "restora/models/weight_file.h"

namespace restora {

// The plain graph of the tunable photo denoiser (`denoise model=tunable`), freshly initialised:
// pixel-unshuffle by 2, `depth` 3x3 convolutions of `width` channels with ReLU, pixel-shuffle back,
// plus the input (the network predicts the residual). Sides must be even (meta multiple 2).
WeightFileContents make_denoiser_graph(int width, int depth, uint64_t seed);

}  // namespace restora
