#pragma once
// Hand-vectorised bfloat16 kernels for the CPU, where libtorch 1.13 has only slow ones (MAXIM's
// bfloat16 arithmetic, tf_graph.cpp).
#include <torch/torch.h>

namespace restora::bf16 {

// GELU, tanh form, of a contiguous bfloat16 CPU tensor: bfloat16 in, float32 inside, bfloat16 out
// (rounded to nearest even). Undefined tensor when this CPU lacks AVX-512 or the input does not
// qualify; the caller then takes libtorch's path.
torch::Tensor gelu_tanh(const torch::Tensor& x);

}  // namespace restora::bf16
