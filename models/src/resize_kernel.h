#pragma once
// Interpolation along one axis by taps: what jax.image.resize's einsums compute (tf_graph.cpp,
// resize_taps), in one pass instead of a matrix product over every input position.
#include <torch/torch.h>

namespace restora {

// y[o, f, i] = sum over k of weight[k, f] * x[o, index[k, f], i], where x is viewed as
// [outer, n, inner] around `axis` and y has `axis` of size index.size(1). x and y (out_type) are
// float32 or bfloat16 on the CPU, summed in float32 (bfloat16 rounded to nearest even); index
// [K, F] long and weight [K, F] float32 on the CPU. Undefined tensor for anything else, an index
// outside the axis included (the caller then takes the matrix product).
torch::Tensor gather_taps(const torch::Tensor& x, int64_t axis, const torch::Tensor& index, const torch::Tensor& weight,
                          torch::ScalarType out_type);

}  // namespace restora
