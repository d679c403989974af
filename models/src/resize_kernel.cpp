#include "resize_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace restora {

namespace {

// Output lines f0..f1 of block o, y[o, f, i], each the weighted sum of its taps' input lines in
// float32 (T, U: float or c10::BFloat16, which rounds to nearest even).
template <typename T, typename U>
void taps_lines(const T* x, U* y, const int64_t* index, const float* weight, int64_t taps, int64_t n, int64_t f_count,
                int64_t inner, int64_t o, int64_t f0, int64_t f1, float* acc) {
    for (int64_t f = f0; f < f1; ++f) {
        std::fill(acc, acc + inner, 0.0F);
        for (int64_t k = 0; k < taps; ++k) {
            const float w = weight[k * f_count + f];
            if (w == 0.0F) continue;
            const T* src = x + (o * n + index[k * f_count + f]) * inner;
            for (int64_t i = 0; i < inner; ++i) acc[i] += w * static_cast<float>(src[i]);
        }
        U* dst = y + (o * f_count + f) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = static_cast<U>(acc[i]);
    }
}

template <typename T, typename U>
void taps_all(const torch::Tensor& x, torch::Tensor& y, const int64_t* index, const float* weight, int64_t taps,
              int64_t outer, int64_t n, int64_t f_count, int64_t inner) {
    const auto* xp = reinterpret_cast<const T*>(x.data_ptr());
    auto* yp = reinterpret_cast<U*>(y.data_ptr());
    constexpr int64_t kChunk = 16;  // lines of f per work item
    const int64_t chunks = (f_count + kChunk - 1) / kChunk;
    const int64_t grain = std::max<int64_t>(1, 2048 / std::max<int64_t>(inner, 1));
    at::parallel_for(0, outer * chunks, grain, [&](int64_t b, int64_t e) {
        std::vector<float> acc(static_cast<size_t>(inner));
        for (int64_t j = b; j < e; ++j) {
            const int64_t f0 = (j % chunks) * kChunk;
            taps_lines(xp, yp, index, weight, taps, n, f_count, inner, j / chunks, f0, std::min(f_count, f0 + kChunk),
                       acc.data());
        }
    });
}

}  // namespace

torch::Tensor gather_taps(const torch::Tensor& x, int64_t axis, const torch::Tensor& index, const torch::Tensor& weight,
                          torch::ScalarType out_type) {
    const auto supported = [](torch::ScalarType t) { return t == torch::kFloat32 || t == torch::kBFloat16; };
    if (!x.device().is_cpu() || !supported(x.scalar_type()) || !supported(out_type) || axis < 0 || axis >= x.dim() ||
        index.dim() != 2 || weight.sizes() != index.sizes() || !index.device().is_cpu() ||
        index.scalar_type() != torch::kLong || weight.scalar_type() != torch::kFloat32) {
        return {};
    }
    const torch::Tensor xc = x.contiguous();
    const torch::Tensor ic = index.contiguous();
    const torch::Tensor wc = weight.contiguous();
    int64_t outer = 1;
    int64_t inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
    for (int64_t d = axis + 1; d < x.dim(); ++d) inner *= x.size(d);
    const int64_t n = x.size(axis);
    const int64_t taps = ic.size(0);
    const int64_t f_count = ic.size(1);
    if (ic.numel() > 0 && (ic.min().item<int64_t>() < 0 || ic.max().item<int64_t>() >= n)) return {};
    std::vector<int64_t> shape = x.sizes().vec();
    shape[static_cast<size_t>(axis)] = f_count;
    torch::Tensor y = torch::empty(shape, x.options().dtype(out_type));
    const int64_t* idx = ic.data_ptr<int64_t>();
    const float* w = wc.data_ptr<float>();
    const bool in16 = x.scalar_type() == torch::kBFloat16;
    const bool out16 = out_type == torch::kBFloat16;
    if (in16 && out16) taps_all<c10::BFloat16, c10::BFloat16>(xc, y, idx, w, taps, outer, n, f_count, inner);
    if (in16 && !out16) taps_all<c10::BFloat16, float>(xc, y, idx, w, taps, outer, n, f_count, inner);
    if (!in16 && out16) taps_all<float, c10::BFloat16>(xc, y, idx, w, taps, outer, n, f_count, inner);
    if (!in16 && !out16) taps_all<float, float>(xc, y, idx, w, taps, outer, n, f_count, inner);
    return y;
}

}  // namespace restora
