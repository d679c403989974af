#pragma once
// Imported graphs' resizes by their taps: an einsum with a static, banded interpolation matrix
// computed as a weighted gather instead of a matrix product.
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace restora::tfgraph {

// jax.image.resize, as jax2tf writes it, is one einsum per axis with a [in, out] interpolation
// matrix that the graph computes from the input's size (a static value): MAXIM resizes between its
// scales this way. The matrix is banded (a few taps per output), yet a matrix product costs
// in x out multiply-adds per line, so these einsums grew with the square of the tile's side where
// one multiply-add per tap suffices (docs/PERFORMANCE.md, "MAXIM's resizes by their taps").
// Taps are the matrix's nonzero entries per output position; resize_by_taps applies them.
struct Taps {
    torch::Tensor index;        // [K, out] long: the input position of each tap (0 where a column has fewer)
    torch::Tensor weight;       // [K, out] float32: its weight (0 where a column has fewer)
    std::vector<int64_t> perm;  // the dynamic operand's axes in the result's order, the contracted one at `axis`
    int64_t axis = 0;
    int dynamic_operand = 0;
};

// The taps of an einsum of a dynamic operand (0 or 1) with a static 2-D matrix m, for equations of the form
// "...c...,cf->...f..." in any order of axes and operands; nothing when the equation has another
// form or the matrix has more than 16 nonzero entries in a column or is over a quarter full.
std::optional<Taps> resize_taps(const std::string& eq, const torch::Tensor& m, int dynamic_operand);

// The einsum through its taps (gather_taps, accumulated in float32) in `type`: computed in x's
// order of axes and returned as a view in the result's. In MAXIM a Transpose restores that order
// next, so the convolution after it reads the resize's memory as it is (with the result's order
// stored instead, it had to be copied first).
torch::Tensor resize_by_taps(const torch::Tensor& x, const Taps& t, torch::ScalarType type);

}  // namespace restora::tfgraph
