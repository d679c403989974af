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
#include "restora/models/errors.h"
#include "restora/models/graph_observer.h"
#include "restora/models/job.h"
#include "restora/models/runtime_options.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"
#include "tf_graph_fusion.h"
#include "tf_graph_node.h"
#include "tf_graph_ops.h"
#include "tf_graph_taps.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

using namespace tfgraph;

// What a model computes once per input shape.
struct StaticValues {
    std::map<int, torch::Tensor> values;  // static values read by dynamic nodes
    std::map<int, Taps> taps;             // einsums that are resizes (resize_taps), by node
};

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
        if (type == torch::kFloat16 && !device().is_cuda() && !runtime_options().cpu_float16) return false;
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
        GraphObserver* const observer = graph_observer();
        std::shared_ptr<const StaticValues> statics;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            auto it = cache_.find(key);
            if (it == cache_.end()) {
                if (cache_.size() >= 4) cache_.erase(cache_.begin());  // a few tile sizes at most
                const auto t0 = std::chrono::steady_clock::now();
                it = cache_.emplace(key, compute_static(nhwc)).first;
                if (observer != nullptr) {
                    observer->static_values(
                        c10::str(nhwc.sizes()),
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                }
            }
            statics = it->second;
        }
        for (const auto& [i, v] : statics->values) values[i] = v;
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
                values[i] = float_type_ == torch::kFloat16 && nhwc.device().is_cpu()
                                ? emulate_cpu_float16(i, values, nhwc)
                                : eval(n, values, nhwc);
            }
            if (observer != nullptr) observe(*observer, n, values, values[i], by_taps, t0);
            for (int k : n.inputs) {
                if (!nodes_[k].is_static && nodes_[k].last_use == static_cast<int>(i)) values[k] = torch::Tensor();
            }
        }
        if (observer != nullptr) observer->call_end(statics->taps.size());
        return values[output_].permute({0, 3, 1, 2}).to(torch::kFloat32).contiguous();
    }

  private:
    // One node's run for the observer (the benchmark's profile).
    static void observe(GraphObserver& observer, const Node& n, const std::vector<torch::Tensor>& values,
                        const torch::Tensor& y, bool by_taps, std::chrono::steady_clock::time_point t0) {
        GraphObserver::NodeRun r;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.op = static_cast<int>(n.op);
        r.op_name = op_display_name(n.op);
        r.flops = by_taps ? 0.0 : product_flops(n, values, y);
        if (r.flops > 0 || n.op == Op::Einsum) {
            r.kind = n.op == Op::Dense ? "dense" : n.op == Op::Conv2D ? "conv" : "other";
            r.operands = c10::str(values[n.inputs[0]].sizes()) + " x " + c10::str(values[n.inputs[1]].sizes());
        }
        if (n.op == Op::Einsum) r.equation = n.attr.at("equation");
        observer.node(r);
    }

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
        static const bool no_taps = runtime_options().no_resize_taps;
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
    // product; reductions, LayerNorm and GELU widen to float32. This kept the speed of bfloat16
    // at float32's accuracy, where converting every result back lost the speed and computing
    // everything in bfloat16 lost 6 dB (docs/PERFORMANCE.md, "bfloat16 on the CPU").
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
            if (!t.defined())
                throw Error(ErrorKind::Processing, n.name + ": input " + std::to_string(k) + " has no value");
            return t;
        };
        switch (n.op) {
            case Op::Const:
                return n.value;
            case Op::Placeholder:
                return x;
            case Op::Identity:
            case Op::Output:
                return in(0);
            case Op::Shape:  // on the model's device like every constant, so shape arithmetic never mixes devices
                return torch::tensor(in(0).sizes().vec(), torch::kLong).to(in(0).device());
            case Op::StridedSlice:
                return strided_slice(n, in(0), ints_of(in(1)), ints_of(in(2)), ints_of(in(3)));
            case Op::Pack: {
                std::vector<torch::Tensor> parts;
                for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(in(k));
                return torch::stack(parts, attr_int(n, "axis"));
            }
            case Op::Reshape:
                return in(0).reshape(ints_of(in(1)));
            case Op::BroadcastTo:
                return in(0).expand(ints_of(in(1)));
            case Op::Transpose:
                return in(0).permute(ints_of(in(1)));
            case Op::Einsum:
                return einsum(n.attr.at("equation"), arith(compute_type(in(0))), arith(compute_type(in(1))));
            case Op::Sum: {  // in float32 when computing in a 16-bit type: MAXIM's means are sums over
                             // the whole tile, beyond float16's range (docs/PERFORMANCE.md)
                std::vector<int64_t> axes = ints_of(in(1));
                return widen(in(0)).sum(axes, attr_int(n, "keep_dims") != 0);
            }
            case Op::Conv2D: {
                const torch::Tensor& t = in(0);
                // Under bfloat16 arithmetic the convolutions that read or write the image (3
                // channels) stay float32: bfloat16 holds values near 1 only to 1/256, half an 8-bit
                // level, and the network adds such outputs to its input; they are cheap
                // (docs/PERFORMANCE.md, "bfloat16 on the CPU").
                const bool image_side = in(1).dim() == 4 && (in(1).size(2) <= 4 || in(1).size(3) <= 4);
                const torch::Tensor f = image_side && arith_bf16_ ? widen(in(1)) : arith(in(1));  // HWIO
                const auto s = parse_list(n.attr.at("strides"));
                const int64_t sh = s.size() == 4 ? s[1] : 1;
                const int64_t sw = s.size() == 4 ? s[2] : 1;
                // On the CPU in float32 the convolution reads the NHWC tensor as channels-last NCHW
                // (oneDNN's fast layout, no transposes).
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
                    // bfloat16 too, far faster than libtorch's transposed convolution.
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
                // ignores the stride.
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
            case Op::SelectV2:
                return torch::where(in(0).to(torch::kBool), in(1), in(2));
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
            case Op::Mul:
                return in(0) * in(1);
            case Op::AddV2:
                return in(0) + in(1);
            case Op::Sub:
                return in(0) - in(1);
            case Op::RealDiv:
                return in(0) / in(1);
            case Op::Maximum:
                return torch::maximum(in(0), in(1));
            case Op::Minimum:
                return torch::minimum(in(0), in(1));
            case Op::FloorDiv:
                if (in(0).is_floating_point()) return torch::floor(in(0) / in(1));
                return torch::div(in(0), in(1), "floor");
            case Op::FloorMod:
                return torch::remainder(in(0), in(1));
            case Op::GreaterEqual:
                return in(0) >= in(1);
            case Op::Greater:
                return in(0) > in(1);
            case Op::LessEqual:
                return in(0) <= in(1);
            case Op::Less:
                return in(0) < in(1);
            case Op::NotEqual:
                return in(0) != in(1);
            case Op::LogicalAnd:
                return torch::logical_and(in(0), in(1));
            case Op::Square:
                return in(0) * in(0);
            case Op::Rsqrt:
                return torch::rsqrt(in(0));
            case Op::Tanh:
                return torch::tanh(in(0));
            case Op::Abs:
                return torch::abs(in(0));
            case Op::Neg:
                return -in(0);
            case Op::Exp:
                return torch::exp(in(0));
            case Op::Reciprocal:
                return torch::reciprocal(in(0));
            case Op::Floor:
                return torch::floor(in(0));
            case Op::Sign:
                return torch::sign(in(0));
            case Op::Gelu: {
                // Under bfloat16 arithmetic its input is a product's bfloat16 result and its output
                // feeds the next product: the fused kernel reads and writes bfloat16, faster than
                // widening and than libtorch's own bfloat16 GELU.
                if (arith_bf16_) {
                    if (torch::Tensor y = bf16::gelu_tanh(in(0)); y.defined()) return y;
                    return torch::gelu(widen(in(0)), "tanh");
                }
                return torch::gelu(in(0), "tanh");
            }
            case Op::LayerNorm:
                return layer_norm(n, in(0), ints_of(in(1)), in(2), in(3));
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
    std::vector<float> progress_at_;       // fraction of a call's work done before each node
    std::vector<char> cpu_float32_nodes_;  // emulate_cpu_float16: nodes without a CPU float16 kernel
    bool in_float32_fallback_ = false;     // emulate_cpu_float16 is running such a node
    bool arith_bf16_ = false;              // set_float_type(kBFloat16): arith
};

}  // namespace

std::unique_ptr<ImageModel> load_tf_graph_model(const fs::path& file, DeviceKind device_kind) {
    const torch::Device device = to_torch_device(device_kind);
    WeightFileContents c = load_weight_file(file);
    if (c.meta["format"] != "tf-graph")
        throw Error(ErrorKind::Processing, file.string() + " is not an imported TF.js graph");
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
        if (o == op_names().end())
            throw Error(ErrorKind::Processing, file.string() + ": unsupported TensorFlow op " + op);
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
            if (it == tensor_index.end())
                throw Error(ErrorKind::Processing, file.string() + ": missing tensor for " + name);
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
            if (it == by_name.end())
                throw Error(ErrorKind::Processing, file.string() + ": " + raw[i].node.name + " reads unknown " + in);
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
    if (input < 0 || output < 0)
        throw Error(ErrorKind::Processing, file.string() + ": the graph has no input or output");
    if (!runtime_options().no_fusion) {
        const FusionCounts fused = fuse_operators(nodes);
        if (GraphObserver* observer = graph_observer()) observer->fused(fused.gelus, fused.layer_norms, fused.denses);
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
