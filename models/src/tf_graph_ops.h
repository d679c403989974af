#pragma once
// The tensor arithmetic behind the executor's operators (tf_graph.cpp) that is more than one
// libtorch call: TensorFlow's slicing and padding, the matrix products, and the cost figures.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tf_graph_node.h"

namespace restora::tfgraph {

// TensorFlow's SAME padding for one spatial dimension: (before, after).
std::pair<int64_t, int64_t> same_pad(int64_t in, int64_t k, int64_t s);
torch::Tensor strided_slice(const Node& n, const torch::Tensor& x, const std::vector<int64_t>& begin,
                            const std::vector<int64_t>& end, const std::vector<int64_t>& strides);
// The types oneDNN runs fast on the CPU, channels-last.
bool cpu_fast_type(torch::ScalarType t);
// a[..., g] x w[g, f] (+ bias[f]), the fastest way libtorch offers for the layout at hand.
torch::Tensor dense(const torch::Tensor& any, const torch::Tensor& w, const torch::Tensor& bias = {});
// An einsum, through dense() for the equations jax2tf writes for MAXIM.
torch::Tensor einsum(const std::string& eq, const torch::Tensor& a, const torch::Tensor& b);
// Relative time of one operator in a MAXIM call on the CPU (the job's progress).
double work_weight(Op op);
// t as a channels-last tensor whose strides say so.
torch::Tensor canonical_channels_last(const torch::Tensor& t);
// Multiply-adds x 2 of a product node, from its inputs and its result (profiles only).
double product_flops(const Node& n, const std::vector<torch::Tensor>& v, const torch::Tensor& y);

}  // namespace restora::tfgraph
