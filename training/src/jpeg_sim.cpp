#include "restora/training/jpeg_sim.h"

#include <algorithm>
#include <cmath>

namespace restora {

namespace {

constexpr float kLuma[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                             14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                             18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                             49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
constexpr float kChroma[64] = {17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
                               99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
                               99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

// libjpeg's jpeg_quality_scaling + jpeg_add_quant_table (baseline: 1..255).
torch::Tensor quant_table(const float* base, int quality) {
    quality = std::clamp(quality, 1, 100);
    const int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    torch::Tensor t = torch::empty({8, 8});
    float* p = t.data_ptr<float>();
    for (int i = 0; i < 64; ++i) p[i] = std::clamp(std::floor((base[i] * scale + 50.0F) / 100.0F), 1.0F, 255.0F);
    return t;
}

// Orthonormal 8-point DCT-II matrix: JPEG's 2-D DCT is D * block * D^T.
torch::Tensor dct_matrix() {
    torch::Tensor d = torch::empty({8, 8});
    for (int k = 0; k < 8; ++k)
        for (int n = 0; n < 8; ++n)
            d[k][n] = static_cast<float>((k == 0 ? std::sqrt(1.0 / 8) : std::sqrt(2.0 / 8)) *
                                         std::cos((2 * n + 1) * k * M_PI / 16));
    return d;
}

// plane: [H,W], level-shifted samples, H and W multiples of 8.
torch::Tensor quantise_plane(const torch::Tensor& plane, const torch::Tensor& q, const torch::Tensor& d) {
    const int64_t h = plane.size(0), w = plane.size(1);
    torch::Tensor blocks = plane.reshape({h / 8, 8, w / 8, 8}).permute({0, 2, 1, 3});  // [bh,bw,8,8]
    torch::Tensor coef = torch::matmul(torch::matmul(d, blocks), d.t());
    coef = torch::round(coef / q) * q;
    blocks = torch::matmul(torch::matmul(d.t(), coef), d);
    return blocks.permute({0, 2, 1, 3}).reshape({h, w});
}

}  // namespace

torch::Tensor jpeg_roundtrip(const torch::Tensor& img, int quality) {
    torch::NoGradGuard ng;
    const torch::Tensor x = img.to(torch::kCPU, torch::kFloat32);
    const int64_t h = x.size(1), w = x.size(2);
    const int64_t ph = (16 - h % 16) % 16, pw = (16 - w % 16) % 16;
    torch::Tensor rgb = torch::round(x.clamp(0, 1) * 255);
    if (ph > 0 || pw > 0) {
        rgb = torch::replication_pad2d(rgb.unsqueeze(0), {0, pw, 0, ph})[0];
    }
    const torch::Tensor r = rgb[0], g = rgb[1], b = rgb[2];
    const torch::Tensor y = 0.299 * r + 0.587 * g + 0.114 * b;
    const torch::Tensor cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
    const torch::Tensor cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
    const torch::Tensor d = dct_matrix();
    const torch::Tensor ql = quant_table(kLuma, quality), qc = quant_table(kChroma, quality);
    const torch::Tensor y2 = quantise_plane(y - 128, ql, d) + 128;
    auto chroma = [&](const torch::Tensor& c) {
        const torch::Tensor small = torch::avg_pool2d(c.unsqueeze(0).unsqueeze(0), 2)[0][0];
        const torch::Tensor back = quantise_plane(small - 128, qc, d) + 128;
        return torch::upsample_bilinear2d(back.unsqueeze(0).unsqueeze(0), {c.size(0), c.size(1)}, false)[0][0];
    };
    const torch::Tensor cb2 = chroma(cb) - 128, cr2 = chroma(cr) - 128;
    torch::Tensor out = torch::stack({y2 + 1.402 * cr2, y2 - 0.344136 * cb2 - 0.714136 * cr2, y2 + 1.772 * cb2});
    out = torch::round(out.clamp(0, 255)) / 255;
    return out.narrow(1, 0, h).narrow(2, 0, w).to(img.device());
}

}  // namespace restora
