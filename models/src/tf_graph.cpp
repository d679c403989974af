// Executes imported TF.js graph models (MAXIM, exported from JAX with jax2tf) on libtorch: the
// node list from core's tfjs_graph_import.cpp, topologically sorted at load. Most of the ~43,000
// nodes are integer shape arithmetic and the runtime construction of resize matrices: a node is
// "static" when it depends only on constants and the input's shape, and static values are
// computed once per input size and cached, so each call runs only the tensor ops.
// Tensors follow TensorFlow (NHWC); int32 values are held as int64, bool as bool.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>

#include "bf16_kernels.h"
#include "resize_kernel.h"
#include "restora/models/errors.h"
#include "restora/models/job.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

enum class Op {
    Const, Placeholder, Identity, Output, Shape, StridedSlice, Pack, Reshape, BroadcastTo, Transpose, Einsum, Sum,
    Conv2D, Conv2DBackpropInput, GatherV2, SelectV2, Cast, Range, ExpandDims, Squeeze, ConcatV2,
    Mul, AddV2, Sub, RealDiv, Maximum, Minimum, FloorDiv, FloorMod, GreaterEqual, Greater, LessEqual, Less, NotEqual,
    LogicalAnd, Square, Rsqrt, Tanh, Abs, Neg, Exp, Reciprocal, Floor, Sign,
    // Fused at load (fuse_operators), never read from a file:
    Gelu, LayerNorm, Dense
};

const std::map<std::string, Op>& op_names() {
    static const std::map<std::string, Op> m = {
        {"Const", Op::Const}, {"Placeholder", Op::Placeholder}, {"Identity", Op::Identity}, {"Output", Op::Output},
        {"Shape", Op::Shape}, {"StridedSlice", Op::StridedSlice}, {"Pack", Op::Pack}, {"Reshape", Op::Reshape},
        {"BroadcastTo", Op::BroadcastTo}, {"Transpose", Op::Transpose}, {"Einsum", Op::Einsum}, {"Sum", Op::Sum},
        {"Conv2D", Op::Conv2D}, {"Conv2DBackpropInput", Op::Conv2DBackpropInput}, {"GatherV2", Op::GatherV2},
        {"SelectV2", Op::SelectV2}, {"Cast", Op::Cast}, {"Range", Op::Range}, {"ExpandDims", Op::ExpandDims},
        {"Squeeze", Op::Squeeze}, {"ConcatV2", Op::ConcatV2}, {"Mul", Op::Mul}, {"AddV2", Op::AddV2}, {"Sub", Op::Sub},
        {"RealDiv", Op::RealDiv}, {"Maximum", Op::Maximum}, {"Minimum", Op::Minimum}, {"FloorDiv", Op::FloorDiv},
        {"FloorMod", Op::FloorMod}, {"GreaterEqual", Op::GreaterEqual}, {"Greater", Op::Greater},
        {"LessEqual", Op::LessEqual}, {"Less", Op::Less}, {"NotEqual", Op::NotEqual}, {"LogicalAnd", Op::LogicalAnd},
        {"Square", Op::Square}, {"Rsqrt", Op::Rsqrt}, {"Tanh", Op::Tanh}, {"Abs", Op::Abs}, {"Neg", Op::Neg},
        {"Exp", Op::Exp}, {"Reciprocal", Op::Reciprocal}, {"Floor", Op::Floor}, {"Sign", Op::Sign}};
    return m;
}

struct Node {
    Op op = Op::Const;
    std::string name;
    std::vector<int> inputs;
    std::map<std::string, std::string> attr;
    torch::Tensor value;  // constants
    bool is_static = false;
    bool is_dead = false;  // not read by the output (left behind by fusion)
    int last_use = -1;
};

std::vector<int64_t> ints_of(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU).to(torch::kLong).contiguous();
    return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

std::vector<int64_t> parse_list(const std::string& s) {
    std::vector<int64_t> v;
    if (s.empty() || s == "-") return v;
    std::istringstream in(s);
    std::string tok;
    while (std::getline(in, tok, ',')) v.push_back(std::stoll(tok));
    return v;
}

int64_t attr_int(const Node& n, const std::string& k, int64_t def = 0) {
    auto it = n.attr.find(k);
    return it == n.attr.end() || it->second == "-" ? def : std::stoll(it->second);
}

// TensorFlow's SAME padding for one spatial dimension: (before, after).
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

// The types oneDNN runs fast on the CPU, channels-last.
bool cpu_fast_type(torch::ScalarType t) { return t == torch::kFloat || t == torch::kBFloat16; }

// a[..., g] x w[g, f] (+ bias[f]) on the CPU in float32 when `a` is a transposed view whose g
// axis is outermost in memory (MAXIM's grid and block gating mix along such an axis): one matrix
// product w^T x A over the memory as it lies, with no copy of `a`; the result is a view in the same
// memory order. Undefined when `a` is not laid out that way. (512x512 retouching: the 16 gating
// products of [32, 1024] x 256 took 92 ms each with the copy, 40 ms without, measured.)
torch::Tensor dense_outer_axis(const torch::Tensor& a, const torch::Tensor& w, const torch::Tensor& bias) {
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
// 32-256) 3-4x faster than its BLAS matrix product (measured on the dev machine, e.g. 65536x32 by
// 32x64 with bias: 1.4 ms against 7.1 ms). Transposed views go through dense_outer_axis or a copy.
torch::Tensor dense(const torch::Tensor& any, const torch::Tensor& w, const torch::Tensor& bias = {}) {
    if (torch::Tensor y = dense_outer_axis(any, w, bias); y.defined()) return y;
    const torch::Tensor a = any.contiguous();
    const int64_t g = a.size(-1);
    const int64_t f = w.size(1);
    const int64_t rows = a.numel() / std::max<int64_t>(g, 1);
    std::vector<int64_t> shape = a.sizes().vec();
    shape.back() = f;
    if (a.device().is_cpu() && cpu_fast_type(a.scalar_type()) && w.scalar_type() == a.scalar_type() && rows >= 4096) {
        const torch::Tensor x = a.reshape({1, rows, 1, g}).permute({0, 3, 1, 2});  // NCHW view, channels-last strides
        const torch::Tensor y = torch::conv2d(x, w.t().contiguous().reshape({f, g, 1, 1}), bias.defined() ? bias.reshape({f}) : bias);
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
// per-operator profile of a 512x512 call of maxim-dehazing-outdoor (RESTORA_PROFILE_GRAPH=1).
double work_weight(Op op) {
    switch (op) {
        case Op::Einsum: return 24;
        case Op::Conv2DBackpropInput: return 23;
        case Op::Conv2D: return 11;
        case Op::Gelu: return 10;
        case Op::Dense: return 9;
        case Op::ConcatV2: return 6;
        case Op::LayerNorm: return 4;
        case Op::Mul:
        case Op::SelectV2: return 3;
        case Op::AddV2: return 1.5;
        case Op::Reshape: return 1;
        default: return 0.2;  // views, casts and small tensors
    }
}

// t as a channels-last tensor whose strides say so: libtorch picks a convolution's layout from the
// strides (suggest_memory_format), and a view that is channels-last in memory but carries another
// stride on its batch axis of size 1 (a resize's transposed result) would run in NCHW: 3.4x slower
// for a 3x3 convolution on 512x512x32 (0.250 against 0.073 s, measured).
torch::Tensor canonical_channels_last(const torch::Tensor& t) {
    torch::Tensor c = t.contiguous(torch::MemoryFormat::ChannelsLast);
    if (c.dim() != 4 || c.suggest_memory_format() == torch::MemoryFormat::ChannelsLast) return c;
    const int64_t ch = c.size(1);
    const int64_t h = c.size(2);
    const int64_t w = c.size(3);
    return c.as_strided(c.sizes(), {h * w * ch, 1, w * ch, ch});
}

// jax.image.resize, as jax2tf writes it, is one einsum per axis with a [in, out] interpolation
// matrix that the graph computes from the input's size (a static value): MAXIM resizes between its
// scales this way. The matrix is banded (2 taps per output for a 2x or 4x upsampling, 4-8 for the
// antialiased downsamplings, measured), yet a matrix product costs in x out multiply-adds per
// line, so these einsums grew with the square of the tile's side (a 1024x1024 call: 8 products of
// [1024, 512, 64] x [512, 1024], 3.75 of 33 s in bfloat16, where one multiply-add per tap suffices).
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
    if (ms.size() != 2 || m.dim() != 2 || !m.is_floating_point() || ms[0] == ms[1] || !m.device().is_cpu()) return std::nullopt;
    const bool c_first = xs.find(ms[0]) != std::string::npos;
    const char c = c_first ? ms[0] : ms[1];  // contracted
    const char f = c_first ? ms[1] : ms[0];  // the result's new axis
    if (xs.find(f) != std::string::npos || out.find(c) != std::string::npos || out.size() != xs.size()) return std::nullopt;
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

// The einsum through its taps (gather_taps, accumulated in float32) in `type`: computed in x's
// order of axes and returned as a view in the result's. In MAXIM a Transpose restores that order
// next, so the convolution after it reads the resize's memory as it is (with the result's order
// stored instead, it had to be copied: 0.073 against 0.046 s per 512x512x32 convolution).
torch::Tensor resize_by_taps(const torch::Tensor& x, const Taps& t, torch::ScalarType type) {
    const torch::Tensor y = gather_taps(x, t.perm[static_cast<size_t>(t.axis)], t.index, t.weight, type);
    return y.defined() ? y.permute(t.perm) : y;
}

// What a model computes once per input shape.
struct StaticValues {
    std::map<int, torch::Tensor> values;  // static values read by dynamic nodes
    std::map<int, Taps> taps;             // einsums that are resizes (resize_taps), by node
};

// Multiply-adds x 2 of a product node (profile only): Dense, Conv2D, transposed convolutions and
// einsums (every index's size multiplied), from its inputs and its result.
double product_flops(const Node& n, const std::vector<torch::Tensor>& v, const torch::Tensor& y) {
    const auto size = [&](size_t k) { return v[n.inputs.at(k)].sizes(); };
    switch (n.op) {
        case Op::Dense: return 2.0 * static_cast<double>(y.numel()) * static_cast<double>(size(1)[0]);
        case Op::Conv2D: return 2.0 * static_cast<double>(y.numel()) * static_cast<double>(size(1)[0] * size(1)[1] * size(1)[2]);
        case Op::Conv2DBackpropInput:
            return 2.0 * static_cast<double>(v[n.inputs.at(2)].numel()) * static_cast<double>(size(1)[0] * size(1)[1] * size(1)[2]);
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
        default: return 0;
    }
}

class TfGraphModel : public TorchImageModel {
public:
    TfGraphModel(ModelTraits traits, torch::Device device, std::vector<Node> nodes, int input, int output)
        : TorchImageModel(std::move(traits), device), nodes_(std::move(nodes)), input_(input), output_(output) {
        // How far a call has got at each node, for the job's progress: the share of the tensor
        // work before it. The order puts the constants first, so node counts alone would say 70 %
        // after the first of 14 seconds; heavy operators count more.
        std::vector<double> weight(nodes_.size(), 0.0);
        double total = 0;
        for (size_t i = 0; i < nodes_.size(); ++i) {
            const Node& n = nodes_[i];
            if (n.is_static || n.is_dead) continue;
            weight[i] = work_weight(n.op);
            total += weight[i];
        }
        progress_at_.resize(nodes_.size());
        double done = 0;
        for (size_t i = 0; i < nodes_.size(); ++i) {
            progress_at_[i] = total > 0 ? static_cast<float>(done / total) : 0.0F;
            done += weight[i];
        }
    }

    bool set_half(bool half) override { return set_float_type(half ? torch::kFloat16 : torch::kFloat32); }

    // Explicit casts, no autocast: every floating constant, the input and the graph's float casts
    // and ranges take this type; the output returns as float32. Static values are recomputed.
    // kBFloat16 (the CPU) is float32 with the arithmetic in bfloat16 (arith).
    bool set_float_type(torch::ScalarType type) override {
        if (type == torch::kBFloat16) {
            if (device().is_cuda() || !set_float_type(torch::kFloat32)) return false;
            arith_bf16_ = true;
            return true;
        }
        // float16 on the CPU is a check, not a mode (RESTORA_CPU_FLOAT16; see emulate_cpu_float16).
        if (type == torch::kFloat16 && !device().is_cuda() && std::getenv("RESTORA_CPU_FLOAT16") == nullptr) return false;
        if (type != torch::kFloat16 && type != torch::kFloat32 && type != torch::kFloat64) return false;
        const std::lock_guard<std::mutex> lock(mutex_);
        arith_bf16_ = false;
        for (Node& n : nodes_) {
            if (n.op == Op::Const && n.value.is_floating_point()) n.value = n.value.to(type);
        }
        float_type_ = type;
        cache_.clear();
        cpu_float32_nodes_.assign(nodes_.size(), 0);
        return true;
    }

    torch::Tensor forward(const torch::Tensor& x) override {
        torch::NoGradGuard no_grad;
        const torch::Tensor nhwc = x.permute({0, 2, 3, 1}).to(float_type_).contiguous();
        const std::vector<int64_t> key = {nhwc.size(0), nhwc.size(1), nhwc.size(2)};
        std::vector<torch::Tensor> values(nodes_.size());
        static const bool profile = std::getenv("RESTORA_PROFILE_GRAPH") != nullptr;
        std::shared_ptr<const StaticValues> statics;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            auto it = cache_.find(key);
            if (it == cache_.end()) {
                if (cache_.size() >= 4) cache_.erase(cache_.begin());  // a few tile sizes at most
                const auto t0 = std::chrono::steady_clock::now();
                it = cache_.emplace(key, compute_static(nhwc)).first;
                if (profile) {
                    std::fprintf(stderr, "  static values for %s: %.3f s\n", c10::str(nhwc.sizes()).c_str(),
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                }
            }
            statics = it->second;
        }
        for (const auto& [i, v] : statics->values) values[i] = v;
        std::map<int, double> op_seconds;
        std::map<int, int> op_count;
        std::map<int, double> op_flops;
        std::map<std::string, std::pair<double, double>> product_shapes;  // seconds, flops
        unsigned executed = 0;
        for (size_t i = 0; i < nodes_.size(); ++i) {
            const Node& n = nodes_[i];
            if (n.is_static || n.is_dead) continue;
            if ((++executed & 63U) == 0) CallScope::checkpoint(progress_at_[i]);  // a call can take a minute on a CPU
            const auto t0 = std::chrono::steady_clock::now();
            const auto taps = statics->taps.find(static_cast<int>(i));
            const bool by_taps = taps != statics->taps.end() && float_type_ != torch::kFloat16;
            if (by_taps) {  // a resize, in the type the einsum had
                values[i] = resize_by_taps(values[n.inputs[taps->second.dynamic_operand]], taps->second,
                                           arith_bf16_ ? torch::kBFloat16 : float_type_);
            }
            if (!values[i].defined()) {
                values[i] = float_type_ == torch::kFloat16 && nhwc.device().is_cpu() ? emulate_cpu_float16(i, values, nhwc)
                                                                                      : eval(n, values, nhwc);
            }
            if (profile) {
                const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                op_seconds[static_cast<int>(n.op)] += sec;
                ++op_count[static_cast<int>(n.op)];
                const double flops = by_taps ? 0.0 : product_flops(n, values, values[i]);
                op_flops[static_cast<int>(n.op)] += flops;
                if (flops > 0) {
                    auto& [s, f] = product_shapes[std::string(n.op == Op::Dense ? "dense " : n.op == Op::Conv2D ? "conv " : "other ") +
                                                  c10::str(values[n.inputs[0]].sizes()) + " x " + c10::str(values[n.inputs[1]].sizes())];
                    s += sec;
                    f += flops;
                }
                if (n.op == Op::Einsum && sec > 0.3) {
                    std::fprintf(stderr, "    einsum %s %s x %s: %.2f s\n", n.attr.at("equation").c_str(),
                                 c10::str(values[n.inputs[0]].sizes()).c_str(), c10::str(values[n.inputs[1]].sizes()).c_str(), sec);
                }
            }
            for (int k : n.inputs) {
                if (!nodes_[k].is_static && nodes_[k].last_use == static_cast<int>(i)) values[k] = torch::Tensor();
            }
        }
        if (profile) {
            std::fprintf(stderr, "  (einsums computed as resizes by their taps: %zu)\n", statics->taps.size());
            for (const auto& [op, sec] : op_seconds) {
                std::string name = op == static_cast<int>(Op::Gelu)        ? "Gelu (fused)"
                                   : op == static_cast<int>(Op::LayerNorm) ? "LayerNorm (fused)"
                                   : op == static_cast<int>(Op::Dense)     ? "Dense (fused)"
                                                                           : "";
                for (const auto& [op_name, o] : op_names()) {
                    if (static_cast<int>(o) == op) name = op_name;
                }
                if (sec > 0.05) {
                    std::fprintf(stderr, "  %-22s %8.2f s  %5d nodes", name.c_str(), sec, op_count[op]);
                    if (op_flops[op] > 0) std::fprintf(stderr, "  %8.1f GFLOP  %6.1f GFLOP/s", op_flops[op] * 1e-9, op_flops[op] * 1e-9 / sec);
                    std::fprintf(stderr, "\n");
                }
            }
            std::vector<std::pair<double, std::string>> slow;
            for (const auto& [shape, sf] : product_shapes) slow.emplace_back(sf.first, shape);
            std::sort(slow.rbegin(), slow.rend());
            for (size_t k = 0; k < slow.size() && k < 12; ++k) {
                const auto& sf = product_shapes[slow[k].second];
                std::fprintf(stderr, "    %-60s %6.2f s %6.1f GFLOP/s\n", slow[k].second.c_str(), sf.first, sf.second * 1e-9 / sf.first);
            }
        }
        return values[output_].permute({0, 3, 1, 2}).to(torch::kFloat32).contiguous();
    }

private:
    // float16 on the CPU emulates the GPU's run for checks (the benchmark, a test): libtorch 1.13
    // lacks CPU float16 kernels for convolution, matrix products and some unary functions. Such an
    // operator takes its float16 inputs in float32 and rounds its result to float16, as cuDNN and
    // cuBLAS accumulate in float32 and CUDA's elementwise kernels compute in it. Every other operator
    // runs in float16, exactly as on CUDA. The nodes that need it are found once (by the kernel's
    // error) and remembered.
    torch::Tensor emulate_cpu_float16(size_t i, std::vector<torch::Tensor>& values, const torch::Tensor& x) {
        const Node& n = nodes_[i];
        if (cpu_float32_nodes_.size() != nodes_.size()) cpu_float32_nodes_.assign(nodes_.size(), 0);
        if (cpu_float32_nodes_[i] == 0) {
            try {
                return eval(n, values, x);
            } catch (const c10::Error& e) {
                if (std::string(e.what()).find("'Half'") == std::string::npos) throw;
                cpu_float32_nodes_[i] = 1;
            }
        }
        std::vector<std::pair<int, torch::Tensor>> saved;
        for (int k : n.inputs) {
            if (values[k].defined() && values[k].scalar_type() == torch::kFloat16) {
                saved.emplace_back(k, values[k]);
                values[k] = values[k].to(torch::kFloat32);
            }
        }
        torch::Tensor y;
        in_float32_fallback_ = true;
        try {
            y = eval(n, values, x);
        } catch (...) {
            in_float32_fallback_ = false;
            for (auto& [k, t] : saved) values[k] = t;
            throw;
        }
        in_float32_fallback_ = false;
        for (auto& [k, t] : saved) values[k] = t;
        return !saved.empty() && y.scalar_type() == torch::kFloat32 ? y.to(torch::kFloat16) : y;
    }

    // Every static node's value for this input shape; only those read by dynamic nodes are kept,
    // and the taps of the einsums that resize (resize_taps; RESTORA_NO_RESIZE_TAPS=1 turns them off).
    std::shared_ptr<const StaticValues> compute_static(const torch::Tensor& x) {
        std::vector<torch::Tensor> values(nodes_.size());
        auto result = std::make_shared<StaticValues>();
        std::map<int, torch::Tensor>& keep = result->values;
        values[input_] = x;  // Shape nodes read the input (the importer's graphs take shapes of it only)
        for (size_t i = 0; i < nodes_.size(); ++i) {
            const Node& n = nodes_[i];
            if (!n.is_static || n.is_dead) continue;
            values[i] = n.op == Op::Const ? n.value : eval(n, values, x);
        }
        for (size_t i = 0; i < nodes_.size(); ++i) {
            if (nodes_[i].is_static || nodes_[i].is_dead) continue;
            for (int k : nodes_[i].inputs) {
                if (nodes_[k].is_static) keep[k] = values[k];
            }
        }
        static const bool no_taps = std::getenv("RESTORA_NO_RESIZE_TAPS") != nullptr;
        for (size_t i = 0; i < nodes_.size() && !no_taps; ++i) {
            const Node& n = nodes_[i];
            if (n.is_static || n.is_dead || n.op != Op::Einsum || n.inputs.size() != 2) continue;
            const bool a_static = nodes_[n.inputs[0]].is_static;
            if (a_static == nodes_[n.inputs[1]].is_static) continue;
            const torch::Tensor& m = values[n.inputs[a_static ? 0 : 1]];
            if (!m.defined()) continue;
            if (auto t = resize_taps(n.attr.at("equation"), m, a_static ? 1 : 0)) {
                result->taps.emplace(static_cast<int>(i), std::move(*t));
            }
        }
        return result;
    }

    // Mixed precision by explicit casts: reductions widen float16 to float32, and the
    // convolutions and einsums (the arithmetic) narrow their inputs back to the compute type; the
    // elementwise operators between them follow torch's type promotion. Float casts and ranges
    // give float32 under float16, since the graphs compute tile sizes through them (float16 holds
    // integers exactly only to 2048).
    // bfloat16 arithmetic on the CPU (set_float_type(kBFloat16)): convolutions and matrix products
    // read bfloat16 (oneDNN accumulates in float32) and their results stay bfloat16 until an
    // elementwise operator promotes them to float32 with its other operand, or they feed the next
    // product; reductions, LayerNorm and GELU widen to float32. Measured on a 512x512 dehaze call:
    // 11.4-12.7 s -> 8.0-8.8 s, 65.3-65.7 dB from float32 (converting each result back: 8.59 s;
    // everything in bfloat16: 8.55 s and 59.0 dB); at 256x256 1.7-2.0x (docs/PERFORMANCE.md).
    [[nodiscard]] torch::Tensor arith(const torch::Tensor& t) const {
        return arith_bf16_ && t.defined() && t.scalar_type() == torch::kFloat32 ? t.to(torch::kBFloat16) : t;
    }
    [[nodiscard]] torch::ScalarType wide_type() const {
        return float_type_ == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
    }
    [[nodiscard]] torch::Tensor widen(const torch::Tensor& t) const {
        return t.scalar_type() == torch::kFloat16 || t.scalar_type() == torch::kBFloat16 ? t.to(torch::kFloat32) : t;
    }
    [[nodiscard]] torch::Tensor compute_type(const torch::Tensor& t) const {
        const torch::ScalarType type = in_float32_fallback_ ? torch::kFloat32 : float_type_;
        return t.is_floating_point() && t.scalar_type() != type ? t.to(type) : t;
    }

    // The fused LayerNorm (Fuser::fuse_layer_norm), in float32 when computing in float16 as the
    // chain's Sums were: libtorch's kernel over trailing axes, else the same formula by hand.
    [[nodiscard]] torch::Tensor layer_norm(const Node& n, const torch::Tensor& x, std::vector<int64_t> axes,
                                           const torch::Tensor& gamma, const torch::Tensor& beta) const {
        const torch::Tensor xw = widen(x);
        for (auto& a : axes) {
            if (a < 0) a += x.dim();
        }
        std::sort(axes.begin(), axes.end());
        int64_t count = 1;
        bool trailing = true;
        for (size_t k = 0; k < axes.size(); ++k) {
            count *= x.size(axes[k]);
            trailing = trailing && axes[k] == x.dim() - static_cast<int64_t>(axes.size() - k);
        }
        if (std::abs(std::stod(n.attr.at("recip")) * static_cast<double>(count) - 1.0) > 1e-5) {
            throw Error(ErrorKind::Processing, n.name + ": the fused LayerNorm's divisor does not match its axes");
        }
        const double eps = std::stod(n.attr.at("epsilon"));
        const torch::Tensor g = gamma.to(xw.scalar_type());
        const torch::Tensor b = beta.to(xw.scalar_type());
        if (trailing && g.numel() == count && b.numel() == count) {
            const std::vector<int64_t> shape(x.sizes().end() - static_cast<int64_t>(axes.size()), x.sizes().end());
            return torch::layer_norm(xw, shape, g.reshape(shape), b.reshape(shape), eps);
        }
        const torch::Tensor mean = xw.mean(axes, true);
        const torch::Tensor centred = xw - mean;
        return centred * torch::rsqrt(centred.square().mean(axes, true) + eps) * g + b;
    }

    torch::Tensor eval(const Node& n, const std::vector<torch::Tensor>& v, const torch::Tensor& x) const {
        const auto in = [&](size_t k) -> const torch::Tensor& {
            const torch::Tensor& t = v[n.inputs.at(k)];
            if (!t.defined()) throw Error(ErrorKind::Processing, n.name + ": input " + std::to_string(k) + " has no value");
            return t;
        };
        switch (n.op) {
            case Op::Const: return n.value;
            case Op::Placeholder: return x;
            case Op::Identity:
            case Op::Output: return in(0);
            case Op::Shape:  // on the model's device like every constant, so shape arithmetic never mixes devices
                return torch::tensor(in(0).sizes().vec(), torch::kLong).to(in(0).device());
            case Op::StridedSlice:
                return strided_slice(n, in(0), ints_of(in(1)), ints_of(in(2)), ints_of(in(3)));
            case Op::Pack: {
                std::vector<torch::Tensor> parts;
                for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(in(k));
                return torch::stack(parts, attr_int(n, "axis"));
            }
            case Op::Reshape: return in(0).reshape(ints_of(in(1)));
            case Op::BroadcastTo: return in(0).expand(ints_of(in(1)));
            case Op::Transpose: return in(0).permute(ints_of(in(1)));
            case Op::Einsum: return einsum(n.attr.at("equation"), arith(compute_type(in(0))), arith(compute_type(in(1))));
            case Op::Sum: {  // in float32 when computing in a 16-bit type: MAXIM's means are sums over
                             // the whole tile (1.3e5 at 256x256, measured), beyond float16's 65504
                std::vector<int64_t> axes = ints_of(in(1));
                return widen(in(0)).sum(axes, attr_int(n, "keep_dims") != 0);
            }
            case Op::Conv2D: {
                const torch::Tensor& t = in(0);
                // Under bfloat16 arithmetic the convolutions that read or write the image (3
                // channels) stay float32: bfloat16 holds values near 1 only to 1/256, half an 8-bit
                // level, and the network adds such outputs to its input (retouching: 51.1 -> 54.8
                // dB from float32 on the 64x64 test crop, measured; they are cheap).
                const bool image_side = in(1).dim() == 4 && (in(1).size(2) <= 4 || in(1).size(3) <= 4);
                const torch::Tensor f = image_side && arith_bf16_ ? widen(in(1)) : arith(in(1));  // HWIO
                const auto s = parse_list(n.attr.at("strides"));
                const int64_t sh = s.size() == 4 ? s[1] : 1;
                const int64_t sw = s.size() == 4 ? s[2] : 1;
                // On the CPU in float32 the convolution reads the NHWC tensor as channels-last NCHW
                // (oneDNN's fast layout, no transposes; 2x faster on the dev machine).
                const bool channels_last = t.device().is_cpu() && cpu_fast_type(f.scalar_type());
                torch::Tensor xc = t.permute({0, 3, 1, 2}).to(f.scalar_type());
                xc = channels_last ? canonical_channels_last(xc) : xc.contiguous();
                const torch::Tensor w = f.permute({3, 2, 0, 1}).contiguous();
                std::vector<int64_t> pad = {0, 0};
                if (n.attr.at("padding") == "SAME") {
                    const auto ph = same_pad(xc.size(2), w.size(2), sh);
                    const auto pw = same_pad(xc.size(3), w.size(3), sw);
                    if (ph.first == ph.second && pw.first == pw.second) {
                        pad = {ph.first, pw.first};
                    } else {
                        xc = torch::constant_pad_nd(xc, {pw.first, pw.second, ph.first, ph.second});
                    }
                } else if (n.attr.at("padding") != "VALID") {
                    throw Error(ErrorKind::Processing, n.name + ": padding " + n.attr.at("padding"));
                }
                return torch::conv2d(xc, w, {}, torch::IntArrayRef({sh, sw}), pad).permute({0, 2, 3, 1});
            }
            case Op::Conv2DBackpropInput: {
                const std::vector<int64_t> size = ints_of(in(0));
                const torch::Tensor& f = in(1);  // [kh, kw, out_channels, in_channels]
                const auto s = parse_list(n.attr.at("strides"));
                if (n.attr.at("padding") != "VALID") {
                    throw Error(ErrorKind::Processing, n.name + ": only VALID transposed convolutions");
                }
                const torch::Tensor& x = in(2);
                if (x.device().is_cpu() && f.size(0) == s[1] && f.size(1) == s[2] && size[1] == x.size(1) * s[1] &&
                    size[2] == x.size(2) * s[2] && f.size(3) == x.size(3)) {
                    // Kernel = stride (MAXIM's 2x2, stride 2): each input pixel writes its own block
                    // of outputs, so this is one matrix product [pixels, in] x [in, kh kw out] and a
                    // rearrangement; through dense() it runs as the other products do, in
                    // bfloat16 too (0.27 s -> under 0.05 s per 512x512 dehazing call, measured).
                    const int64_t kh = f.size(0);
                    const int64_t kw = f.size(1);
                    const int64_t co = f.size(2);
                    const torch::Tensor w = f.permute({3, 0, 1, 2}).reshape({f.size(3), kh * kw * co});
                    const torch::Tensor y = dense(arith(compute_type(x)), arith(compute_type(w)));
                    return y.reshape({x.size(0), x.size(1), x.size(2), kh, kw, co})
                        .permute({0, 1, 3, 2, 4, 5})
                        .reshape({x.size(0), x.size(1) * kh, x.size(2) * kw, co});
                }
                // Otherwise libtorch's, in float32 under bfloat16 arithmetic too (the filter is a
                // float32 constant): libtorch 1.13's bfloat16 transposed convolution on the CPU
                // ignores the stride (gave 32x32 for 128x128, measured).
                const torch::Tensor xc = x.permute({0, 3, 1, 2}).to(f.scalar_type()).contiguous();
                torch::Tensor y = torch::conv_transpose2d(xc, f.permute({3, 2, 0, 1}).contiguous(), {},
                                                          torch::IntArrayRef({s[1], s[2]}));
                y = y.permute({0, 2, 3, 1});
                if (y.size(1) != size[1] || y.size(2) != size[2]) {
                    throw Error(ErrorKind::Processing, n.name + ": transposed convolution gave " + c10::str(y.sizes()) +
                                                           ", the graph expects " + c10::str(size));
                }
                return y;
            }
            case Op::GatherV2: {
                int64_t axis = ints_of(in(2)).at(0);
                const torch::Tensor& p = in(0);
                if (axis < 0) axis += p.dim();
                const torch::Tensor idx = in(1).to(torch::kLong);
                torch::Tensor g = p.index_select(axis, idx.flatten());
                std::vector<int64_t> shape(p.sizes().begin(), p.sizes().begin() + axis);
                for (int64_t d : idx.sizes()) shape.push_back(d);
                for (int64_t d = axis + 1; d < p.dim(); ++d) shape.push_back(p.size(d));
                return g.reshape(shape);
            }
            case Op::SelectV2: return torch::where(in(0).to(torch::kBool), in(1), in(2));
            case Op::Cast: {
                const std::string t = n.attr.at("DstT");
                if (t == "DT_FLOAT") return in(0).to(wide_type());  // shape arithmetic goes through float casts
                if (t == "DT_BOOL") return in(0).to(torch::kBool);
                return in(0).to(torch::kLong);
            }
            case Op::Range: {
                const torch::Tensor& a = in(0);
                if (a.is_floating_point()) {
                    return torch::arange(a.item<double>(), in(1).item<double>(), in(2).item<double>(),
                                         torch::TensorOptions().dtype(wide_type()).device(a.device()));
                }
                return torch::arange(a.item<int64_t>(), in(1).item<int64_t>(), in(2).item<int64_t>(),
                                     torch::TensorOptions().dtype(torch::kLong).device(a.device()));
            }
            case Op::ExpandDims: {
                int64_t axis = ints_of(in(1)).at(0);
                if (axis < 0) axis += in(0).dim() + 1;
                return in(0).unsqueeze(axis);
            }
            case Op::Squeeze: {
                torch::Tensor t = in(0);
                std::vector<int64_t> dims = parse_list(n.attr.count("squeeze_dims") ? n.attr.at("squeeze_dims") : "-");
                if (dims.empty()) return t.squeeze();
                for (auto& d : dims) {
                    if (d < 0) d += t.dim();
                }
                std::sort(dims.rbegin(), dims.rend());
                for (int64_t d : dims) t = t.squeeze(d);
                return t;
            }
            case Op::ConcatV2: {
                std::vector<torch::Tensor> parts;
                for (size_t k = 0; k + 1 < n.inputs.size(); ++k) parts.push_back(in(k));
                int64_t axis = ints_of(in(n.inputs.size() - 1)).at(0);
                if (axis < 0) axis += parts.at(0).dim();
                return torch::cat(parts, axis);
            }
            case Op::Mul: return in(0) * in(1);
            case Op::AddV2: return in(0) + in(1);
            case Op::Sub: return in(0) - in(1);
            case Op::RealDiv: return in(0) / in(1);
            case Op::Maximum: return torch::maximum(in(0), in(1));
            case Op::Minimum: return torch::minimum(in(0), in(1));
            case Op::FloorDiv:
                if (in(0).is_floating_point()) return torch::floor(in(0) / in(1));
                return torch::div(in(0), in(1), "floor");
            case Op::FloorMod: return torch::remainder(in(0), in(1));
            case Op::GreaterEqual: return in(0) >= in(1);
            case Op::Greater: return in(0) > in(1);
            case Op::LessEqual: return in(0) <= in(1);
            case Op::Less: return in(0) < in(1);
            case Op::NotEqual: return in(0) != in(1);
            case Op::LogicalAnd: return torch::logical_and(in(0), in(1));
            case Op::Square: return in(0) * in(0);
            case Op::Rsqrt: return torch::rsqrt(in(0));
            case Op::Tanh: return torch::tanh(in(0));
            case Op::Abs: return torch::abs(in(0));
            case Op::Neg: return -in(0);
            case Op::Exp: return torch::exp(in(0));
            case Op::Reciprocal: return torch::reciprocal(in(0));
            case Op::Floor: return torch::floor(in(0));
            case Op::Sign: return torch::sign(in(0));
            case Op::Gelu: {
                // Under bfloat16 arithmetic its input is a product's bfloat16 result and its output
                // feeds the next product: the fused kernel reads and writes bfloat16 (3x faster
                // than widening; libtorch's own bfloat16 GELU is 1.8x slower than that).
                if (arith_bf16_) {
                    if (torch::Tensor y = bf16::gelu_tanh(in(0)); y.defined()) return y;
                    return torch::gelu(widen(in(0)), "tanh");
                }
                return torch::gelu(in(0), "tanh");
            }
            case Op::LayerNorm: return layer_norm(n, in(0), ints_of(in(1)), in(2), in(3));
            case Op::Dense: {  // in the compute type, as the einsum it replaces
                return dense(arith(compute_type(in(0))), arith(compute_type(in(1))), arith(compute_type(in(2))));
            }
        }
        throw Error(ErrorKind::Processing, n.name + ": unsupported operator");
    }

    std::vector<Node> nodes_;
    int input_;
    int output_;
    std::mutex mutex_;
    std::map<std::vector<int64_t>, std::shared_ptr<const StaticValues>> cache_;
    torch::ScalarType float_type_ = torch::kFloat32;
    std::vector<float> progress_at_;  // fraction of a call's work done before each node
    std::vector<char> cpu_float32_nodes_;  // emulate_cpu_float16: nodes without a CPU float16 kernel
    bool in_float32_fallback_ = false;     // emulate_cpu_float16 is running such a node
    bool arith_bf16_ = false;              // set_float_type(kBFloat16): arith
};

// ---- Operator fusion at load -------------------------------------------------------------------
// jax2tf writes MAXIM's GELU (tanh form), LayerNorm and dense layers as chains of elementwise
// nodes, each a full pass over a large tensor; on the CPU these passes, not the arithmetic, took
// most of a run (measured: Mul, AddV2, Square, Sub, Tanh about half of a 256x256 retouching run).
// Each recognised chain is replaced by one libtorch operator that computes the same function;
// chains that do not match exactly are left as they are, and nodes no longer read are skipped.
// RESTORA_NO_FUSION=1 turns it off (for comparisons).
class Fuser {
public:
    explicit Fuser(std::vector<Node>& nodes) : nodes_(nodes), readers_(nodes.size()) {
        for (size_t i = 0; i < nodes.size(); ++i) {
            for (int k : nodes[i].inputs) readers_[k].push_back(static_cast<int>(i));
        }
    }

    int gelus = 0;
    int layer_norms = 0;
    int denses = 0;

    void run() {
        for (size_t i = 0; i < nodes_.size(); ++i) {
            if (nodes_[i].is_static) continue;
            if (nodes_[i].op == Op::Tanh) fuse_gelu(static_cast<int>(i));
            if (nodes_[i].op == Op::Rsqrt) fuse_layer_norm(static_cast<int>(i));
        }
        // Dense after the others: a LayerNorm's output may feed an einsum, never the reverse.
        for (size_t i = 0; i < nodes_.size(); ++i) {
            if (!nodes_[i].is_static && nodes_[i].op == Op::AddV2) fuse_dense(static_cast<int>(i));
        }
    }

private:
    [[nodiscard]] bool is(int k, Op op) const { return k >= 0 && nodes_[k].op == op && !nodes_[k].is_static; }
    [[nodiscard]] int in(int k, size_t j) const {
        return k >= 0 && j < nodes_[k].inputs.size() ? nodes_[k].inputs[j] : -1;
    }
    // A scalar floating constant (one element) near `want`, or any such constant when want is NaN.
    [[nodiscard]] bool scalar(int k, double want, double* got = nullptr) const {
        if (k < 0 || nodes_[k].op != Op::Const || !nodes_[k].value.defined()) return false;
        const torch::Tensor& v = nodes_[k].value;
        if (!v.is_floating_point() || v.numel() != 1) return false;
        const double x = v.item<double>();
        if (got != nullptr) *got = x;
        return std::isnan(want) || std::abs(x - want) <= 1e-6 * std::max(1.0, std::abs(want));
    }
    [[nodiscard]] bool constant(int k) const {
        return k >= 0 && nodes_[k].op == Op::Const && nodes_[k].value.defined() && nodes_[k].value.is_floating_point();
    }
    // For a binary node, the input that is not `k` (-1 when `k` is not an input).
    [[nodiscard]] int other(int n, int k) const {
        if (in(n, 0) == k) return in(n, 1);
        if (in(n, 1) == k) return in(n, 0);
        return -1;
    }
    [[nodiscard]] int only_reader(int k) const { return readers_[k].size() == 1 ? readers_[k][0] : -1; }
    // The binary node's non-constant input when its other input is the scalar constant `want`.
    [[nodiscard]] int times_scalar(int n, double want, double* got = nullptr) const {
        if (scalar(in(n, 0), want, got)) return in(n, 1);
        if (scalar(in(n, 1), want, got)) return in(n, 0);
        return -1;
    }
    [[nodiscard]] bool is_square_of(int k, int x) const { return is(k, Op::Square) && in(k, 0) == x; }

    void replace(int y, Op op, std::vector<int> inputs, std::map<std::string, std::string> attr) {
        Node& n = nodes_[y];
        n.op = op;
        n.inputs = std::move(inputs);
        n.attr = std::move(attr);
    }

    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as jax2tf writes it:
    // Mul(Mul(0.5, x), AddV2(1, Tanh(Mul(c, AddV2(x, Mul(Mul(0.044715, x), Square(x))))))).
    void fuse_gelu(int t) {
        const int q = in(t, 0);
        if (!is(q, Op::Mul)) return;
        const int p = times_scalar(q, 0.7978845608028654);
        if (!is(p, Op::AddV2)) return;
        int x = -1;
        for (int j = 0; j < 2 && x < 0; ++j) {
            const int cand = in(p, j);
            const int m = other(p, cand);
            if (!is(m, Op::Mul)) continue;
            for (int a : {in(m, 0), in(m, 1)}) {
                const int s = other(m, a);
                if (is(a, Op::Mul) && times_scalar(a, 0.044715) == cand && is_square_of(s, cand)) x = cand;
            }
        }
        if (x < 0) return;
        const int u = only_reader(t);
        if (!is(u, Op::AddV2) || times_scalar(u, 1.0) != t) return;
        const int y = only_reader(u);
        if (!is(y, Op::Mul)) return;
        const int h = other(y, u);
        if (!is(h, Op::Mul) || times_scalar(h, 0.5) != x) return;
        replace(y, Op::Gelu, {x}, {});
        ++gelus;
    }

    // LayerNorm over the axes of two Sums, with scale and bias, as jax2tf writes it:
    //   mean = Sum(x) * r, var = Maximum(0, Sum(Square(x)) * r - Square(mean)),
    //   y = (x - Reshape(mean)) * (Rsqrt(Reshape(var) + eps) * gamma) + beta.
    void fuse_layer_norm(int r) {
        const int e = in(r, 0);
        if (!is(e, Op::AddV2)) return;
        double eps = 0;
        int v = -1;
        if (scalar(in(e, 1), NAN, &eps)) v = in(e, 0);
        else if (scalar(in(e, 0), NAN, &eps)) v = in(e, 1);
        if (is(v, Op::Reshape)) v = in(v, 0);
        if (!is(v, Op::Maximum)) return;
        const int d = times_scalar(v, 0.0);
        if (!is(d, Op::Sub)) return;
        const int mean2 = in(d, 0);
        const int sq_mean = in(d, 1);
        if (!is(mean2, Op::Mul) || !is(sq_mean, Op::Square)) return;
        const int mean = in(sq_mean, 0);
        if (!is(mean, Op::Mul)) return;
        double recip = 0;
        double recip2 = 0;
        const int sum = times_scalar(mean, NAN, &recip);
        const int sum2 = times_scalar(mean2, NAN, &recip2);
        if (!is(sum, Op::Sum) || !is(sum2, Op::Sum) || recip != recip2) return;
        const int x = in(sum, 0);
        if (!is_square_of(in(sum2, 0), x) || attr_int(nodes_[sum], "keep_dims") != 0) return;
        const int axes = in(sum, 1);
        if (axes < 0 || nodes_[axes].op != Op::Const || !nodes_[axes].value.equal(nodes_[in(sum2, 1)].value)) return;
        const int scaled = only_reader(r);
        if (!is(scaled, Op::Mul)) return;
        const int gamma = other(scaled, r);
        if (!constant(gamma)) return;
        const int z = only_reader(scaled);
        if (!is(z, Op::Mul)) return;
        const int centred = other(z, scaled);
        if (!is(centred, Op::Sub) || in(centred, 0) != x) return;
        const int mean_b = in(centred, 1);
        if (!(mean_b == mean || (is(mean_b, Op::Reshape) && in(mean_b, 0) == mean))) return;
        const int y = only_reader(z);
        if (!is(y, Op::AddV2)) return;
        const int beta = other(y, z);
        if (!constant(beta)) return;
        std::ostringstream a;
        a.precision(17);
        a << eps;
        std::ostringstream b;
        b.precision(17);
        b << recip;
        replace(y, Op::LayerNorm, {x, axes, gamma, beta}, {{"epsilon", a.str()}, {"recip", b.str()}});
        ++layer_norms;
    }

    // A dense layer: AddV2(Einsum("abcg,gf->abcf", x, w), bias) with a constant bias of f values.
    void fuse_dense(int y) {
        for (int j = 0; j < 2; ++j) {
            const int m = in(y, j);
            const int bias = other(y, m);
            if (!is(m, Op::Einsum) || !constant(bias) || only_reader(m) != y) continue;
            if (nodes_[m].attr.at("equation") != "abcg,gf->abcf") continue;
            const int w = in(m, 1);
            if (!constant(w) || nodes_[w].value.dim() != 2) continue;
            const int64_t f = nodes_[w].value.size(1);
            const torch::Tensor& b = nodes_[bias].value;
            if (b.numel() != f || b.size(-1) != f) continue;
            replace(y, Op::Dense, {in(m, 0), w, bias}, {});
            ++denses;
            return;
        }
    }

    std::vector<Node>& nodes_;
    std::vector<std::vector<int>> readers_;
};

// Marks the nodes the output no longer reads and recomputes every node's last reader.
void prune(std::vector<Node>& nodes, int output) {
    std::vector<char> live(nodes.size(), 0);
    live[output] = 1;
    for (int i = output; i >= 0; --i) {
        if (!live[i]) continue;
        for (int k : nodes[i].inputs) live[k] = 1;
    }
    for (Node& n : nodes) n.last_use = -1;
    for (size_t i = 0; i < nodes.size(); ++i) {
        nodes[i].is_dead = live[i] == 0;
        if (nodes[i].is_dead) continue;
        for (int k : nodes[i].inputs) nodes[k].last_use = static_cast<int>(i);
    }
}

}  // namespace

std::unique_ptr<ImageModel> load_tf_graph_model(const fs::path& file, DeviceKind device_kind) {
    const torch::Device device = to_torch_device(device_kind);
    WeightFileContents c = load_weight_file(file);
    if (c.meta["format"] != "tf-graph") throw Error(ErrorKind::Processing, file.string() + " is not an imported TF.js graph");
    std::map<std::string, size_t> tensor_index;
    for (size_t i = 0; i < c.tensors.size(); ++i) tensor_index[c.tensors[i].name] = i;
    // Parse every line, then order the nodes so each comes after its inputs (TF graphs need not be sorted).
    struct Raw {
        Node node;
        std::vector<std::string> inputs;
    };
    std::vector<Raw> raw;
    std::map<std::string, int> by_name;
    for (const std::string& line : c.graph) {
        std::istringstream s(line);
        std::string op;
        std::string name;
        std::string ins;
        s >> op >> name >> ins;
        auto o = op_names().find(op);
        if (o == op_names().end()) throw Error(ErrorKind::Processing, file.string() + ": unsupported TensorFlow op " + op);
        Raw r;
        r.node.op = o->second;
        r.node.name = name;
        if (ins != "-") {
            std::istringstream is(ins);
            std::string i;
            while (std::getline(is, i, ',')) r.inputs.push_back(i);
        }
        std::string tok;
        while (s >> tok) {
            const auto eq = tok.find('=');
            if (eq != std::string::npos) r.node.attr[tok.substr(0, eq)] = tok.substr(eq + 1);
        }
        if (r.node.op == Op::Const) {
            auto it = tensor_index.find(r.node.attr["tensor"]);
            if (it == tensor_index.end()) throw Error(ErrorKind::Processing, file.string() + ": missing tensor for " + name);
            RawTensor& t = c.tensors[it->second];
            torch::Tensor v = torch::from_blob(t.values.data(), t.shape, torch::kFloat32).clone();
            if (r.node.attr["dtype"] == "int") v = v.round().to(torch::kLong);
            r.node.value = v.to(device);
            std::vector<float>().swap(t.values);
        }
        by_name[name] = static_cast<int>(raw.size());
        raw.push_back(std::move(r));
    }
    std::vector<int> order;
    std::vector<int> pending(raw.size(), 0);
    std::vector<std::vector<int>> readers(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        for (const auto& in : raw[i].inputs) {
            auto it = by_name.find(in);
            if (it == by_name.end()) throw Error(ErrorKind::Processing, file.string() + ": " + raw[i].node.name + " reads unknown " + in);
            ++pending[i];
            readers[it->second].push_back(static_cast<int>(i));
        }
    }
    std::deque<int> ready;
    for (size_t i = 0; i < raw.size(); ++i) {
        if (pending[i] == 0) ready.push_back(static_cast<int>(i));
    }
    while (!ready.empty()) {
        const int i = ready.front();
        ready.pop_front();
        order.push_back(i);
        for (int r : readers[i]) {
            if (--pending[r] == 0) ready.push_back(r);
        }
    }
    if (order.size() != raw.size()) throw Error(ErrorKind::Processing, file.string() + ": the graph has a cycle");
    std::vector<int> position(raw.size());
    for (size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);
    std::vector<Node> nodes;
    nodes.reserve(raw.size());
    int input = -1;
    int output = -1;
    for (int i : order) {
        Node n = std::move(raw[i].node);
        for (const auto& in : raw[i].inputs) n.inputs.push_back(position[by_name[in]]);
        const int here = static_cast<int>(nodes.size());
        for (int k : n.inputs) nodes[k].last_use = here;
        if (n.op == Op::Placeholder) input = here;
        if (n.op == Op::Output) output = here;
        // Static: constants, shapes (of anything), and what depends only on those.
        if (n.op == Op::Const || (n.op == Op::Shape && n.inputs.size() == 1 && n.inputs[0] == input)) {
            n.is_static = true;
        } else if (n.op != Op::Placeholder && !n.inputs.empty()) {
            n.is_static = true;
            for (int k : n.inputs) n.is_static = n.is_static && nodes[k].is_static;
        }
        nodes.push_back(std::move(n));
    }
    if (input < 0 || output < 0) throw Error(ErrorKind::Processing, file.string() + ": the graph has no input or output");
    if (std::getenv("RESTORA_NO_FUSION") == nullptr) {
        Fuser fuser(nodes);
        fuser.run();
        if (std::getenv("RESTORA_PROFILE_GRAPH") != nullptr) {
            std::fprintf(stderr, "fused: %d GELU, %d LayerNorm, %d dense\n", fuser.gelus, fuser.layer_norms, fuser.denses);
        }
    }
    prune(nodes, output);
    ModelTraits traits;
    traits.id = c.meta["id"];
    traits.scale = 1;
    traits.multiple = c.meta.count("multiple") ? std::stoi(c.meta["multiple"]) : 64;
    traits.context = 64;
    traits.border_context = false;
    return std::make_unique<TfGraphModel>(traits, device, std::move(nodes), input, output);
}

}  // namespace restora
