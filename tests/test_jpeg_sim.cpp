// The torch JPEG simulation the denoiser trains with (jpeg_sim.h): what it must do to an image.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "restora/training/jpeg_sim.h"

using namespace restora;

namespace {

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
    return 10.0 * std::log10(1.0 / std::max(1e-12, (a - b).pow(2).mean().item<double>()));
}

// A smooth photo-like test image (colour gradients and soft waves) with fine grey texture on top
// (per-pixel colour texture would be lost to 4:2:0 chroma averaging at any quality, as in libjpeg).
torch::Tensor test_image(int h, int w) {
    const torch::Tensor yy = torch::linspace(0, 1, h).view({h, 1}).expand({h, w});
    const torch::Tensor xx = torch::linspace(0, 1, w).view({1, w}).expand({h, w});
    torch::manual_seed(1);
    const torch::Tensor tex = torch::rand({h, w}) * 0.06;
    return torch::stack({0.2 + 0.6 * xx + tex, 0.3 + 0.4 * torch::sin(6 * yy) * xx + tex,
                         0.5 + 0.3 * torch::cos(9 * xx * yy) + tex})
        .clamp(0, 1);
}

}  // namespace

TEST(JpegSim, LosesMoreAtLowerQualityAndKeepsTheImage) {
    const torch::Tensor img = (test_image(70, 90) * 255).round() / 255;  // odd sides: padding path
    const torch::Tensor q95 = jpeg_roundtrip(img, 95), q50 = jpeg_roundtrip(img, 50), q10 = jpeg_roundtrip(img, 10);
    ASSERT_EQ(q50.sizes(), img.sizes());
    EXPECT_GE(q10.min().item<float>(), 0.0F);
    EXPECT_LE(q10.max().item<float>(), 1.0F);
    const double p95 = psnr(q95, img), p50 = psnr(q50, img), p10 = psnr(q10, img);
    std::printf("PSNR to the original: q95 %.2f dB, q50 %.2f dB, q10 %.2f dB\n", p95, p50, p10);
    EXPECT_GT(p95, 36.0);
    EXPECT_GT(p95, p50 + 2.0);
    EXPECT_GT(p50, p10 + 2.0);
    EXPECT_GT(p10, 22.0);  // still the same picture
    // 8-bit output, as a decoder writes it.
    EXPECT_LT((q50 * 255 - (q50 * 255).round()).abs().max().item<float>(), 1e-3);
}

TEST(JpegSim, ArtefactsFollowTheEightPixelBlockGrid) {
    const torch::Tensor img = (test_image(128, 128) * 255).round() / 255;
    const torch::Tensor err = jpeg_roundtrip(img, 10) - img;
    // Horizontal jumps of the error across block borders (x = 8k-1 -> 8k) against inside blocks.
    const torch::Tensor jump =
        (err.narrow(2, 1, 127) - err.narrow(2, 0, 127)).abs().mean(std::vector<int64_t>{0, 1});  // [127]
    double border = 0, inside = 0;
    int nb = 0, ni = 0;
    for (int x = 0; x < 127; ++x) {
        if ((x + 1) % 8 == 0) {
            border += jump[x].item<double>();
            ++nb;
        } else {
            inside += jump[x].item<double>();
            ++ni;
        }
    }
    EXPECT_GT(border / nb, 1.5 * inside / ni) << "blocking must sit on the 8x8 grid";
}
