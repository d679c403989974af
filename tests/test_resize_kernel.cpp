// The resize-by-taps kernel (models/src/resize_kernel.h) against the matrix product it replaces in
// MAXIM's graphs: y = x contracted with a banded [n, f] interpolation matrix along one axis.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>

#include "resize_kernel.h"

namespace {

// A linear resize matrix [n, f] as jax.image.resize builds one for upsampling (2 taps per output,
// weights summing to 1, clamped at the edges), and its taps.
struct Resize {
    torch::Tensor matrix;
    torch::Tensor index;
    torch::Tensor weight;
};

Resize linear_resize(int64_t n, int64_t f) {
    Resize r;
    r.matrix = torch::zeros({n, f});
    r.index = torch::zeros({2, f}, torch::kLong);
    r.weight = torch::zeros({2, f});
    for (int64_t o = 0; o < f; ++o) {
        const double u = std::clamp((o + 0.5) * static_cast<double>(n) / f - 0.5, 0.0, n - 1.0);
        const auto i0 = static_cast<int64_t>(u);
        const int64_t i1 = std::min(i0 + 1, n - 1);
        const double a = u - i0;
        r.matrix[i0][o] += 1 - a;
        r.matrix[i1][o] += a;
        r.index[0][o] = i0;
        r.index[1][o] = i1;
        r.weight[0][o] = 1 - a;
        r.weight[1][o] = a;
    }
    return r;
}

// x contracted with the matrix along `axis`, the result's new axis in its place.
torch::Tensor by_matrix(const torch::Tensor& x, int64_t axis, const torch::Tensor& m) {
    return torch::tensordot(x.to(torch::kFloat64), m.to(torch::kFloat64), {axis}, {0}).movedim(-1, axis);
}

}  // namespace

TEST(ResizeKernel, TapsComputeTheMatrixProductAlongEveryAxis) {
    torch::manual_seed(5);
    const torch::Tensor x = torch::randn({6, 37, 5, 19});
    for (int64_t axis = 0; axis < x.dim(); ++axis) {
        for (const int64_t f : {2 * x.size(axis), x.size(axis) / 2 + 1}) {  // up and down
            const Resize r = linear_resize(x.size(axis), f);
            const torch::Tensor y = restora::gather_taps(x, axis, r.index, r.weight, torch::kFloat32);
            ASSERT_TRUE(y.defined());
            ASSERT_EQ(y.scalar_type(), torch::kFloat32);
            const torch::Tensor want = by_matrix(x, axis, r.matrix);
            ASSERT_EQ(y.sizes(), want.sizes()) << "axis " << axis;
            EXPECT_LT((y.to(torch::kFloat64) - want).abs().max().item<double>(), 1e-5) << "axis " << axis << ", " << f;
        }
    }
    // A column with fewer taps than the others carries zero weights (index 0): they add nothing.
    Resize r = linear_resize(37, 74);
    r.index = torch::cat({r.index, torch::zeros({1, 74}, torch::kLong)});
    r.weight = torch::cat({r.weight, torch::zeros({1, 74})});
    const torch::Tensor y = restora::gather_taps(x, 1, r.index, r.weight, torch::kFloat32);
    EXPECT_LT((y.to(torch::kFloat64) - by_matrix(x, 1, r.matrix)).abs().max().item<double>(), 1e-5);
    // A non-contiguous operand is read as its values, not its memory.
    const torch::Tensor xt = x.transpose(1, 3);  // [6, 19, 5, 37]
    const Resize rt = linear_resize(37, 50);
    EXPECT_LT((restora::gather_taps(xt, 3, rt.index, rt.weight, torch::kFloat32).to(torch::kFloat64) -
               by_matrix(xt, 3, rt.matrix))
                  .abs()
                  .max()
                  .item<double>(),
              1e-5);
}

TEST(ResizeKernel, Bfloat16IsAccumulatedInFloat32AndRoundedOnce) {
    torch::manual_seed(6);
    const torch::Tensor x = torch::randn({4, 64, 33}).to(torch::kBFloat16);
    const Resize r = linear_resize(64, 256);
    const torch::Tensor want = by_matrix(x, 1, r.matrix);
    const torch::Tensor rounded = want.to(torch::kBFloat16).to(torch::kFloat64);
    // bfloat16 in and out: the float32 sum rounded once, to nearest (one rounding of at most half
    // a step; a bfloat16 product would also round the weights and each partial sum).
    const torch::Tensor y16 = restora::gather_taps(x, 1, r.index, r.weight, torch::kBFloat16);
    ASSERT_EQ(y16.scalar_type(), torch::kBFloat16);
    const torch::Tensor step = torch::pow(2.0, torch::floor(torch::log2(rounded.abs().clamp_min(1e-30))) - 7);
    EXPECT_LE(((y16.to(torch::kFloat64) - want).abs() / step).max().item<double>(), 0.5 + 1e-3);
    // bfloat16 in, float32 out: exact but for float32's own rounding.
    const torch::Tensor y32 = restora::gather_taps(x, 1, r.index, r.weight, torch::kFloat32);
    EXPECT_LT((y32.to(torch::kFloat64) - want).abs().max().item<double>(), 1e-5);
    // float32 in, bfloat16 out.
    const torch::Tensor xf = x.to(torch::kFloat32);
    EXPECT_TRUE(restora::gather_taps(xf, 1, r.index, r.weight, torch::kBFloat16)
                    .to(torch::kFloat64)
                    .equal(y16.to(torch::kFloat64)));
}

TEST(ResizeKernel, WhatItDoesNotTakeIsLeftToTheMatrixProduct) {
    const torch::Tensor x = torch::randn({2, 8, 3});
    const Resize r = linear_resize(8, 16);
    EXPECT_FALSE(restora::gather_taps(x.to(torch::kFloat64), 1, r.index, r.weight, torch::kFloat32).defined());
    EXPECT_FALSE(restora::gather_taps(x, 1, r.index, r.weight, torch::kFloat16).defined());
    EXPECT_FALSE(restora::gather_taps(x, 3, r.index, r.weight, torch::kFloat32).defined());
    EXPECT_FALSE(restora::gather_taps(x, 1, r.index.to(torch::kInt), r.weight, torch::kFloat32).defined());
    // An index beyond the axis (the matrix came from another size) is refused, never read.
    EXPECT_FALSE(restora::gather_taps(x, 2, r.index, r.weight, torch::kFloat32).defined());
}
