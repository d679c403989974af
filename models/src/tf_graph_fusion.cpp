#include "tf_graph_fusion.h"

#include <cmath>
#include <sstream>
#include <string>

namespace restora::tfgraph {

namespace {

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
        if (scalar(in(e, 1), NAN, &eps))
            v = in(e, 0);
        else if (scalar(in(e, 0), NAN, &eps))
            v = in(e, 1);
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

}  // namespace

FusionCounts fuse_operators(std::vector<Node>& nodes) {
    Fuser fuser(nodes);
    fuser.run();
    return {fuser.gelus, fuser.layer_norms, fuser.denses};
}

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

}  // namespace restora::tfgraph
