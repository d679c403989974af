// The hand-vectorised bfloat16 kernels (models/src/bf16_kernels.h) against the exact functions in
// float64, rounded to bfloat16, and against libtorch's float32 operators.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <cstdio>

#include "bf16_kernels.h"

TEST(Bf16Kernels, GeluIsWithinOneBfloat16StepOfTheExactFunction) {
    torch::manual_seed(3);
    // Values across GELU's whole shape (deep negative tail, the bend, large positives), and a
    // length that leaves a scalar tail after the 16-wide steps.
    const torch::Tensor x = (torch::randn({3, 1000, 37}) * 4).to(torch::kBFloat16);
    const torch::Tensor y = restora::bf16::gelu_tanh(x);
    if (!y.defined()) GTEST_SKIP() << "this CPU has no AVX-512: the executor uses libtorch's GELU";
    ASSERT_EQ(y.scalar_type(), torch::kBFloat16);
    ASSERT_EQ(y.sizes(), x.sizes());
    // The exact function in float64, written without 1 + tanh(u), which cancels in the negative
    // tail (there libtorch's GELU gives 0 even in float64: x = -7.16 is -3.45e-16).
    const torch::Tensor xd = x.to(torch::kFloat64);
    const torch::Tensor u = 0.7978845608028654 * (xd + 0.044715 * xd * xd * xd);
    const torch::Tensor e = torch::exp(-2.0 * u.abs());
    const torch::Tensor exact = torch::where(u < 0, xd * e, xd) / (1.0 + e);
    const torch::Tensor got = y.to(torch::kFloat64);
    const torch::Tensor rounded = exact.to(torch::kBFloat16).to(torch::kFloat64);
    // One bfloat16 step at each value: 2^(exponent - 7); |u| > 40 (results below 1e-33) is clamped.
    const torch::Tensor step = torch::pow(2.0, torch::floor(torch::log2(rounded.abs().clamp_min(1e-30))) - 7);
    const torch::Tensor off = (got - rounded).abs() / step;
    EXPECT_LE(off.max().item<double>(), 1.0);
    const double differing = (got != rounded).sum().item<double>() / static_cast<double>(got.numel());
    std::printf("[bf16] GELU kernel: %.2f %% of the values one bfloat16 step from the exact ones, rounded\n",
                100 * differing);
    EXPECT_LT(differing, 0.05);
    // And what the executor computed before: libtorch's float32 GELU, within a bfloat16 step plus
    // float32's cancellation near zero.
    const torch::Tensor torch32 = torch::gelu(x.to(torch::kFloat32), "tanh").to(torch::kFloat64);
    EXPECT_LE(((got - torch32).abs() - torch32.abs() / 128).max().item<double>(), 1e-6);
    // A tensor the kernel does not take: float32, or not contiguous.
    EXPECT_FALSE(restora::bf16::gelu_tanh(x.to(torch::kFloat32)).defined());
    EXPECT_FALSE(restora::bf16::gelu_tanh(x.transpose(1, 2)).defined());
}
