#include "tf_graph_taps.h"

#include <algorithm>
#include <utility>

#include "resize_kernel.h"

namespace restora::tfgraph {

std::optional<Taps> resize_taps(const std::string& eq, const torch::Tensor& m, int dynamic_operand) {
    const auto comma = eq.find(',');
    const auto arrow = eq.find("->");
    if (comma == std::string::npos || arrow == std::string::npos) return std::nullopt;
    const std::string lhs[2] = {eq.substr(0, comma), eq.substr(comma + 1, arrow - comma - 1)};
    const std::string out = eq.substr(arrow + 2);
    Taps t;
    t.dynamic_operand = dynamic_operand;
    const std::string& xs = lhs[dynamic_operand];
    const std::string& ms = lhs[1 - dynamic_operand];
    if (ms.size() != 2 || m.dim() != 2 || !m.is_floating_point() || ms[0] == ms[1] || !m.device().is_cpu())
        return std::nullopt;
    const bool c_first = xs.find(ms[0]) != std::string::npos;
    const char c = c_first ? ms[0] : ms[1];  // contracted
    const char f = c_first ? ms[1] : ms[0];  // the result's new axis
    if (xs.find(f) != std::string::npos || out.find(c) != std::string::npos || out.size() != xs.size())
        return std::nullopt;
    for (size_t k = 0; k < out.size(); ++k) {
        const char l = out[k] == f ? c : out[k];
        const auto pos = xs.find(l);
        if (pos == std::string::npos || xs.find(l, pos + 1) != std::string::npos) return std::nullopt;
        if (out[k] == f) t.axis = static_cast<int64_t>(k);
        t.perm.push_back(static_cast<int64_t>(pos));
    }
    const torch::Tensor mc = (c_first ? m : m.t()).to(torch::kCPU, torch::kFloat32).contiguous();  // [in, out]
    const int64_t n_in = mc.size(0);
    const int64_t n_out = mc.size(1);
    const float* p = mc.data_ptr<float>();
    std::vector<std::vector<std::pair<int64_t, float>>> cols(static_cast<size_t>(n_out));
    size_t k_max = 0;
    for (int64_t o = 0; o < n_out; ++o) {
        for (int64_t i = 0; i < n_in; ++i) {
            if (const float w = p[i * n_out + o]; w != 0.0F) cols[o].emplace_back(i, w);
        }
        k_max = std::max(k_max, cols[o].size());
    }
    if (k_max == 0 || k_max > 16 || static_cast<int64_t>(k_max) * 4 > n_in) return std::nullopt;
    t.index = torch::zeros({static_cast<int64_t>(k_max), n_out}, torch::kLong);
    t.weight = torch::zeros({static_cast<int64_t>(k_max), n_out}, torch::kFloat32);
    auto idx = t.index.accessor<int64_t, 2>();
    auto wt = t.weight.accessor<float, 2>();
    for (int64_t o = 0; o < n_out; ++o) {
        for (size_t k = 0; k < cols[o].size(); ++k) {
            idx[static_cast<int64_t>(k)][o] = cols[o][k].first;
            wt[static_cast<int64_t>(k)][o] = cols[o][k].second;
        }
    }
    return t;
}

torch::Tensor resize_by_taps(const torch::Tensor& x, const Taps& t, torch::ScalarType type) {
    const torch::Tensor y = gather_taps(x, t.perm[static_cast<size_t>(t.axis)], t.index, t.weight, type);
    return y.defined() ? y.permute(t.perm) : y;
}

}  // namespace restora::tfgraph
