// The torch camera-noise simulation the denoiser trains with (camera_noise.h): a noiseless sensor
// keeps a smooth photo, and sensor noise comes out as a camera's does: correlated between
// neighbouring pixels (the demosaic spreads it), stronger in shadows after the gains, and coloured.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "restora/training/camera_noise.h"

using namespace restora;

namespace {

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
    return 10.0 * std::log10(1.0 / std::max(1e-12, (a - b).pow(2).mean().item<double>()));
}

// A smooth colour gradient: demosaicing loses almost nothing on it.
torch::Tensor smooth_image(int h, int w) {
    const torch::Tensor yy = torch::linspace(0, 1, h).view({h, 1}).expand({h, w});
    const torch::Tensor xx = torch::linspace(0, 1, w).view({1, w}).expand({h, w});
    return torch::stack({0.2 + 0.6 * xx, 0.3 + 0.4 * yy, 0.7 - 0.4 * xx * yy}).clamp(0, 1);
}

// Correlation of horizontally neighbouring values of a noise field [H,W].
double neighbour_correlation(const torch::Tensor& n) {
    const torch::Tensor a = n.slice(1, 0, n.size(1) - 1).flatten(), b = n.slice(1, 1).flatten();
    const torch::Tensor ac = a - a.mean(), bc = b - b.mean();
    return ((ac * bc).mean() / (ac.std() * bc.std())).item<double>();
}

}  // namespace

TEST(CameraNoise, NoiselessSensorKeepsASmoothPhotoAtEveryPhaseAndDemosaic) {
    const torch::Tensor img = smooth_image(64, 80);
    std::mt19937 rng(5);
    for (int k = 0; k < 8; ++k) {
        CameraDraw cam = draw_camera(rng);
        cam.shot = 0;
        cam.read = 0;
        cam.phase_x = k & 1;
        cam.phase_y = (k >> 1) & 1;
        cam.demosaic = (k >> 2) & 1;
        const torch::Tensor out = camera_roundtrip(img, cam);
        ASSERT_EQ(out.sizes(), img.sizes());
        // Inside the border (where the mosaic has all its neighbours) the round trip is near exact.
        const auto inner = [](const torch::Tensor& t) { return t.slice(1, 2, -2).slice(2, 2, -2); };
        EXPECT_GT(psnr(inner(out), inner(img)), 40.0)
            << "phase " << cam.phase_x << cam.phase_y << " demosaic " << cam.demosaic;
    }
}

TEST(CameraNoise, NoiseIsCorrelatedSignalDependentAndColoured) {
    const torch::Tensor grey = torch::full({3, 96, 96}, 0.5F);
    const torch::Tensor dark = torch::full({3, 96, 96}, 0.08F);
    std::mt19937 rng(7);
    CameraDraw cam = draw_camera(rng);
    cam.shot = 0.01F;
    cam.read = 1e-4F;
    cam.chroma_blur = 0;
    for (int demosaic : {0, 1}) {
        cam.demosaic = demosaic;
        torch::manual_seed(3);
        const torch::Tensor n = camera_roundtrip(grey, cam) - grey;
        const double corr = neighbour_correlation(n[1]);
        // Independent per-pixel noise has no correlation; interpolated noise has a clear one.
        EXPECT_GT(corr, 0.15) << "demosaic " << demosaic;
        // Colour: red and blue differ from green (chroma noise), not one grey value per pixel.
        EXPECT_GT((n[0] - n[1]).std().item<double>(), 0.3 * n[1].std().item<double>());
        std::printf("demosaic %d: neighbour correlation %.2f, noise std %.4f\n", demosaic, corr,
                    n[1].std().item<double>());
    }
    // The gamma curve lifts shadows, so their noise is larger in sRGB than that of a mid grey.
    torch::manual_seed(4);
    const double sd_dark = (camera_roundtrip(dark, cam) - dark)[1].std().item<double>();
    const double sd_grey = (camera_roundtrip(grey, cam) - grey)[1].std().item<double>();
    EXPECT_GT(sd_dark, sd_grey);
    // The chroma noise reduction lowers the colour noise and keeps the green channel.
    cam.demosaic = 0;
    torch::manual_seed(3);
    const torch::Tensor plain = camera_roundtrip(grey, cam) - grey;
    cam.chroma_blur = 5;
    torch::manual_seed(3);
    const torch::Tensor blurred = camera_roundtrip(grey, cam) - grey;
    EXPECT_LT((blurred[0] - blurred[1]).std().item<double>(), 0.7 * (plain[0] - plain[1]).std().item<double>());
}
