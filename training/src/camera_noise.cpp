#include "restora/training/camera_noise.h"

#include <cmath>

namespace restora {

namespace {

// A colour matrix that saturates as a camera's does: each row's off-diagonal entries are
// negative and the row sums to 1, so grey stays grey.
void draw_ccm(std::mt19937& rng, float* m) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    const float strength = 0.15F + 0.55F * u(rng);  // how much the camera's primaries overlap
    for (int r = 0; r < 3; ++r) {
        float off_sum = 0;
        for (int c = 0; c < 3; ++c) {
            if (c == r) continue;
            const float v = -strength * (0.2F + 0.8F * u(rng));
            m[r * 3 + c] = v;
            off_sum += v;
        }
        m[r * 3 + r] = 1.0F - off_sum;
    }
}

torch::Tensor apply_matrix(const torch::Tensor& img, const torch::Tensor& m) {
    return torch::einsum("ij,jhw->ihw", {m, img});
}

// Bilinear demosaic as normalised convolution: every channel is the weighted mean of its own
// samples in a 3x3 window (weights 4 at the centre, 2 at the edges, 1 at the corners), which is
// bilinear interpolation away from the border and never reads outside the image.
torch::Tensor demosaic(const torch::Tensor& mosaic, const torch::Tensor& masks) {
    const torch::Tensor k = torch::tensor({1.0F, 2.0F, 1.0F, 2.0F, 4.0F, 2.0F, 1.0F, 2.0F, 1.0F}).view({1, 1, 3, 3});
    const torch::Tensor kernel = k.expand({3, 1, 3, 3}).contiguous();
    const torch::Tensor sparse = (masks * mosaic).unsqueeze(0);
    const torch::Tensor num = torch::conv2d(sparse, kernel, {}, 1, 1, 1, 3);
    const torch::Tensor den = torch::conv2d(masks.unsqueeze(0), kernel, {}, 1, 1, 1, 3);
    const torch::Tensor interp = (num / den.clamp_min(1e-6))[0];
    // The measured samples stay as they were.
    return masks * mosaic + (1 - masks) * interp;
}

// Colour-difference demosaic: green as above, then the differences R-G and B-G, known at the red
// and blue sites, interpolated the same way and added back to green. Smoother colour, and noise
// that spreads as chroma patches.
torch::Tensor demosaic_colour_difference(const torch::Tensor& mosaic, const torch::Tensor& masks) {
    const torch::Tensor green = demosaic(mosaic, masks)[1];
    const torch::Tensor diff = mosaic - green;  // at a red site R-G, at a blue site B-G
    const torch::Tensor d = demosaic(diff, masks);
    return torch::stack({green + d[0], green, green + d[2]});
}

// A raw converter's chroma noise reduction: the colour differences averaged over k x k pixels.
torch::Tensor blur_chroma(const torch::Tensor& rgb, int k) {
    const torch::Tensor g = rgb[1];
    const torch::Tensor diff = torch::stack({rgb[0] - g, rgb[2] - g}).unsqueeze(0);
    const torch::Tensor mean = torch::avg_pool2d(diff, k, 1, k / 2, false, false)[0];
    return torch::stack({g + mean[0], g, g + mean[1]});
}

}  // namespace

CameraDraw draw_camera(std::mt19937& rng, float max_shot) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    std::normal_distribution<float> n(0.0F, 1.0F);
    CameraDraw c;
    c.gamma = 2.0F + 0.4F * u(rng);
    c.wb_red = 1.5F + 1.1F * u(rng);
    c.wb_blue = 1.2F + 1.0F * u(rng);
    draw_ccm(rng, c.ccm);
    c.phase_x = static_cast<int>(rng() & 1U);
    c.phase_y = static_cast<int>(rng() & 1U);
    const float lo = std::log(1e-4F), hi = std::log(max_shot);
    const float log_shot = lo + (hi - lo) * u(rng);
    c.shot = std::exp(log_shot);
    // Read noise against shot noise: the log-linear law of Brooks et al. ("Unprocessing images",
    // CVPR 2019) with its scatter, widened upwards (up to 11x the variance) for sensors whose
    // read noise is high for their gain.
    c.read = std::exp(2.18F * log_shot + 1.2F + 0.26F * n(rng) + 2.4F * u(rng));
    c.demosaic = u(rng) < 0.5F ? 0 : 1;
    c.chroma_blur = u(rng) < 0.5F ? 0 : (u(rng) < 0.5F ? 3 : 5);
    return c;
}

torch::Tensor camera_roundtrip(const torch::Tensor& srgb, const CameraDraw& cam) {
    const int64_t h = srgb.size(1), w = srgb.size(2);
    const torch::Tensor ccm = torch::from_blob(const_cast<float*>(cam.ccm), {3, 3}, torch::kFloat32).clone();
    const torch::Tensor gains = torch::tensor({cam.wb_red, 1.0F, cam.wb_blue}).view({3, 1, 1});
    // Backwards: sRGB -> linear -> camera RGB -> raw (before white balance).
    const torch::Tensor linear = srgb.clamp(0, 1).pow(cam.gamma);
    const torch::Tensor raw = (apply_matrix(linear, torch::inverse(ccm)) / gains).clamp(0, 1);
    // The CFA: channel of each site for the drawn phase.
    const torch::Tensor yy = torch::arange(h).view({h, 1}).expand({h, w});
    const torch::Tensor xx = torch::arange(w).view({1, w}).expand({h, w});
    const torch::Tensor py = (yy + cam.phase_y).remainder(2), px = (xx + cam.phase_x).remainder(2);
    const torch::Tensor red = (py == 0).logical_and(px == 0).to(torch::kFloat32);
    const torch::Tensor blue = (py == 1).logical_and(px == 1).to(torch::kFloat32);
    const torch::Tensor masks = torch::stack({red, 1 - red - blue, blue});
    const torch::Tensor mosaic = (masks * raw).sum(0);
    // Sensor noise on the mosaic.
    const torch::Tensor var = mosaic * cam.shot + cam.read;
    const torch::Tensor noisy = (mosaic + torch::randn_like(mosaic) * var.sqrt()).clamp(0, 1);
    // Forwards: demosaic, white balance, colour matrix, gamma, 8 bits.
    torch::Tensor rgb =
        ((cam.demosaic == 1 ? demosaic_colour_difference(noisy, masks) : demosaic(noisy, masks)) * gains).clamp(0, 1);
    if (cam.chroma_blur > 1) rgb = blur_chroma(rgb, cam.chroma_blur).clamp(0, 1);
    const torch::Tensor out = apply_matrix(rgb, ccm).clamp(0, 1).pow(1.0F / cam.gamma);
    return (out * 255).round() / 255;
}

}  // namespace restora
