#include "tf_graph_ops.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "restora/models/errors.h"

namespace restora::tfgraph {

std::pair<int64_t, int64_t> same_pad(int64_t in, int64_t k, int64_t s) {
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
    return {total / 2, total - total / 2};
}

torch::Tensor strided_slice(const Node& n, const torch::Tensor& x, const std::vector<int64_t>& begin,
                            const std::vector<int64_t>& end, const std::vector<int64_t>& strides) {
    const int64_t bm = attr_int(n, "begin_mask");
    const int64_t em = attr_int(n, "end_mask");
    const int64_t sm = attr_int(n, "shrink_axis_mask");
    if (attr_int(n, "ellipsis_mask") != 0 || attr_int(n, "new_axis_mask") != 0) {
        throw Error(ErrorKind::Processing, n.name + ": ellipsis/new-axis slicing is not supported");
    }
    torch::Tensor t = x;
    std::vector<int64_t> squeeze;
    for (size_t d = 0; d < begin.size(); ++d) {
        const int64_t size = t.size(static_cast<int64_t>(d));
        const int64_t st = strides[d];
        if (st <= 0) throw Error(ErrorKind::Processing, n.name + ": negative slice strides are not supported");
        int64_t b = begin[d];
        int64_t e = end[d];
        if (b < 0) b += size;
        if (e < 0) e += size;
        if ((sm >> d) & 1) {
            t = t.narrow(static_cast<int64_t>(d), b, 1);
            squeeze.push_back(static_cast<int64_t>(d));
            continue;
        }
        if ((bm >> d) & 1) b = 0;
        if ((em >> d) & 1) e = size;
        b = std::clamp<int64_t>(b, 0, size);
        e = std::clamp<int64_t>(e, b, size);
        t = t.slice(static_cast<int64_t>(d), b, e, st);
    }
    for (auto it = squeeze.rbegin(); it != squeeze.rend(); ++it) t = t.squeeze(*it);
    return t;
}

bool cpu_fast_type(torch::ScalarType t) { return t == torch::kFloat || t == torch::kBFloat16; }

// a[..., g] x w[g, f] (+ bias[f]) on the CPU in float32 when `a` is a transposed view whose g
// axis is outermost in memory (MAXIM's grid and block gating mix along such an axis): one matrix
// product w^T x A over the memory as it lies, with no copy of `a`; the result is a view in the same
// memory order. Undefined when `a` is not laid out that way. Skipping the copy halves these
// products' time (docs/PERFORMANCE.md).
static torch::Tensor dense_outer_axis(const torch::Tensor& a, const torch::Tensor& w, const torch::Tensor& bias) {
    const int64_t n = a.dim();
    if (n < 2 || a.is_contiguous() || !a.device().is_cpu() || !cpu_fast_type(a.scalar_type())) return {};
    std::vector<int64_t> order(static_cast<size_t>(n - 1));  // the other axes, outermost in memory first
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a.stride(x) > a.stride(y); });
    std::vector<int64_t> perm = {n - 1};
    perm.insert(perm.end(), order.begin(), order.end());
    const torch::Tensor p = a.permute(perm);
    if (!p.is_contiguous()) return {};
    const int64_t g = a.size(-1);
    const int64_t f = w.size(1);
    const torch::Tensor x = p.view({g, -1});
    const torch::Tensor wt = w.t();
    const torch::Tensor y = bias.defined() ? torch::addmm(bias.reshape({f, 1}), wt, x) : torch::mm(wt, x);
    std::vector<int64_t> shape = {f};
    std::vector<int64_t> back(static_cast<size_t>(n));
    for (size_t k = 0; k < order.size(); ++k) {
        shape.push_back(a.size(order[k]));
        back[static_cast<size_t>(order[k])] = static_cast<int64_t>(k) + 1;
    }
    back[static_cast<size_t>(n - 1)] = 0;
    return y.view(shape).permute(back);
}

// a[..., g] x w[g, f] (+ bias[f]). On the CPU in float32, with many rows, as a 1x1 convolution
// over a channels-last view: libtorch's oneDNN convolution runs these narrow products (g, f of
// 32-256) several times faster than its BLAS matrix product (docs/PERFORMANCE.md). Transposed
// views go through dense_outer_axis or a copy.
torch::Tensor dense(const torch::Tensor& any, const torch::Tensor& w, const torch::Tensor& bias) {
    if (torch::Tensor y = dense_outer_axis(any, w, bias); y.defined()) return y;
    const torch::Tensor a = any.contiguous();
    const int64_t g = a.size(-1);
    const int64_t f = w.size(1);
    const int64_t rows = a.numel() / std::max<int64_t>(g, 1);
    std::vector<int64_t> shape = a.sizes().vec();
    shape.back() = f;
    if (a.device().is_cpu() && cpu_fast_type(a.scalar_type()) && w.scalar_type() == a.scalar_type() && rows >= 4096) {
        const torch::Tensor x = a.reshape({1, rows, 1, g}).permute({0, 3, 1, 2});  // NCHW view, channels-last strides
        const torch::Tensor y =
            torch::conv2d(x, w.t().contiguous().reshape({f, g, 1, 1}), bias.defined() ? bias.reshape({f}) : bias);
        return y.permute({0, 2, 3, 1}).reshape(shape);
    }
    const torch::Tensor a2 = a.reshape({rows, g});
    return (bias.defined() ? torch::addmm(bias.reshape({f}), a2, w) : torch::mm(a2, w)).reshape(shape);
}

// The three equations jax2tf writes for MAXIM as plain matrix products through dense(), which
// decides whether an operand needs a copy (torch::einsum's general path is several times slower
// on these shapes); others go to einsum.
torch::Tensor einsum(const std::string& eq, const torch::Tensor& a, const torch::Tensor& b) {
    if (eq == "abcg,gf->abcf" && b.dim() == 2) return dense(a, b);
    if (eq == "abgd,gf->abdf" && b.dim() == 2) return dense(a.transpose(2, 3), b);
    if (eq == "gb,cgef->bcef" && a.dim() == 2) return dense(b.permute({0, 2, 3, 1}), a).permute({3, 0, 1, 2});
    return torch::einsum(eq, {a, b});
}

// Relative time of one operator in a MAXIM call on the CPU: milliseconds per node in a
// per-operator profile of a 512x512 call of maxim-dehazing-outdoor (restora-bench-models --profile).
double work_weight(Op op) {
    switch (op) {
        case Op::Einsum:
            return 24;
        case Op::Conv2DBackpropInput:
            return 23;
        case Op::Conv2D:
            return 11;
        case Op::Gelu:
            return 10;
        case Op::Dense:
            return 9;
        case Op::ConcatV2:
            return 6;
        case Op::LayerNorm:
            return 4;
        case Op::Mul:
        case Op::SelectV2:
            return 3;
        case Op::AddV2:
            return 1.5;
        case Op::Reshape:
            return 1;
        default:
            return 0.2;  // views, casts and small tensors
    }
}

// t as a channels-last tensor whose strides say so: libtorch picks a convolution's layout from the
// strides (suggest_memory_format), and a view that is channels-last in memory but carries another
// stride on its batch axis of size 1 (a resize's transposed result) would run in NCHW, several
// times slower (docs/PERFORMANCE.md).
torch::Tensor canonical_channels_last(const torch::Tensor& t) {
    torch::Tensor c = t.contiguous(torch::MemoryFormat::ChannelsLast);
    if (c.dim() != 4 || c.suggest_memory_format() == torch::MemoryFormat::ChannelsLast) return c;
    const int64_t ch = c.size(1);
    const int64_t h = c.size(2);
    const int64_t w = c.size(3);
    return c.as_strided(c.sizes(), {h * w * ch, 1, w * ch, ch});
}

// Multiply-adds x 2 of a product node (profile only): Dense, Conv2D, transposed convolutions and
// einsums (every index's size multiplied), from its inputs and its result.
double product_flops(const Node& n, const std::vector<torch::Tensor>& v, const torch::Tensor& y) {
    const auto size = [&](size_t k) { return v[n.inputs.at(k)].sizes(); };
    switch (n.op) {
        case Op::Dense:
            return 2.0 * static_cast<double>(y.numel()) * static_cast<double>(size(1)[0]);
        case Op::Conv2D:
            return 2.0 * static_cast<double>(y.numel()) * static_cast<double>(size(1)[0] * size(1)[1] * size(1)[2]);
        case Op::Conv2DBackpropInput:
            return 2.0 * static_cast<double>(v[n.inputs.at(2)].numel()) *
                   static_cast<double>(size(1)[0] * size(1)[1] * size(1)[2]);
        case Op::Einsum: {
            const std::string& eq = n.attr.at("equation");
            const auto comma = eq.find(',');
            const auto arrow = eq.find("->");
            std::map<char, int64_t> dims;
            for (size_t k = 0; k < comma; ++k) dims[eq[k]] = size(0)[k];
            for (size_t k = comma + 1; k < arrow; ++k) dims[eq[k]] = size(1)[k - comma - 1];
            double f = 2;
            for (const auto& [c, d] : dims) f *= static_cast<double>(d);
            return f;
        }
        default:
            return 0;
    }
}

}  // namespace restora::tfgraph
