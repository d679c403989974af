#include "restora/models/tunable_net.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/module_weights.h"
#include "restora/models/torch_model.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

torch::Tensor to_tensor(RawTensor& t) { return torch::from_blob(t.values.data(), t.shape, torch::kFloat32).clone(); }

std::string kernel_name(const std::string& base, int i) { return base + ".k" + std::to_string(i); }

}  // namespace

TunableGraphNetImpl::TunableGraphNetImpl(const WeightFileContents& contents, int objectives, const std::string& file)
    : meta_(contents.meta), graph_lines_(contents.graph) {
    WeightFileContents c = contents;
    const bool tunable = meta_.count("format") != 0 && meta_.at("format") == "tunable-graph";
    int grow_from = 0;  // > 0: the file holds this many objectives, repeated to `objectives`
    try {
        objectives_ = tunable ? std::stoi(meta_.at("objectives")) : objectives;
        // A tunable network grows into one with a multiple of its objectives: objective j starts
        // from the file's objective j mod P0 (a single-objective network: every objective starts
        // from it). A new slider axis is added that way (denoise-tunable-v3's JPEG axis).
        if (tunable && objectives > objectives_ && objectives_ > 0 && objectives % objectives_ == 0) {
            grow_from = objectives_;
            objectives_ = objectives;
        }
        input_max_ = std::stod(meta_.at("input_max"));
        output_max_ = std::stod(meta_.at("output_max"));
    } catch (const std::exception&) {
        throw Error(ErrorKind::Processing, file + ": the weight file lacks objectives/input_max/output_max");
    }
    if (objectives_ < 1 || objectives_ > 8) throw Error(ErrorKind::Processing, file + ": bad number of objectives");
    nodes_ = graph::parse(c.graph, file);
    last_use_ = graph::last_uses(nodes_);
    std::map<std::string, RawTensor*> byname;
    for (auto& t : c.tensors) byname[t.name] = &t;
    auto get = [&](const std::string& name) {
        auto it = byname.find(name);
        if (it == byname.end()) throw Error(ErrorKind::Processing, file + ": missing tensor " + name);
        return to_tensor(*it->second);
    };
    const int64_t p = objectives_;
    kernels_.resize(nodes_.size());
    biases_.resize(nodes_.size());
    mix_w_.resize(nodes_.size());
    mix_b_.resize(nodes_.size());
    for (size_t i = 0; i < nodes_.size(); ++i) {
        const graph::Node& n = nodes_[i];
        if (n.op != graph::Op::Conv) continue;
        torch::Tensor k;
        torch::Tensor b;
        torch::Tensor mw;
        torch::Tensor mb;
        if (grow_from > 0) {
            std::vector<torch::Tensor> ks;
            std::vector<torch::Tensor> bs;
            for (int j = 0; j < objectives_; ++j) {
                ks.push_back(get(kernel_name(n.weight, j % grow_from)));
                bs.push_back(get(kernel_name(n.bias, j % grow_from)));
            }
            k = torch::stack(ks);
            b = torch::stack(bs);
            // Repeating kernel sets keeps the network's function only when its maps are the identity.
            if (grow_from > 1 && (!get(n.name + ".mix.weight").equal(torch::eye(grow_from)) ||
                                  get(n.name + ".mix.bias").abs().max().item<float>() != 0)) {
                throw Error(ErrorKind::Processing, file + ": only a network with identity mixing maps can grow");
            }
            mw = torch::eye(p);
            mb = torch::zeros({p});
        } else if (tunable) {
            std::vector<torch::Tensor> ks;
            std::vector<torch::Tensor> bs;
            for (int j = 0; j < objectives_; ++j) {
                ks.push_back(get(kernel_name(n.weight, j)));
                bs.push_back(get(kernel_name(n.bias, j)));
            }
            k = torch::stack(ks);
            b = torch::stack(bs);
            mw = get(n.name + ".mix.weight");
            mb = get(n.name + ".mix.bias");
            if (mw.sizes() != torch::IntArrayRef({p, p}) || mb.sizes() != torch::IntArrayRef({p})) {
                throw Error(ErrorKind::Processing, file + ": mixing map of " + n.name + " has the wrong shape");
            }
        } else {
            const torch::Tensor w0 = get(n.weight);
            const torch::Tensor b0 = get(n.bias);
            k = w0.unsqueeze(0).repeat({p, 1, 1, 1, 1});
            b = b0.unsqueeze(0).repeat({p, 1});
            mw = torch::eye(p);
            mb = torch::zeros({p});
        }
        if (k.dim() != 5 || b.dim() != 2 || k.size(1) != b.size(1)) {
            throw Error(ErrorKind::Processing, file + ": layer " + n.name + " has inconsistent shapes");
        }
        kernels_[i] = register_parameter(n.name + "_kernels", k);
        biases_[i] = register_parameter(n.name + "_biases", b);
        mix_w_[i] = register_parameter(n.name + "_mix_w", mw);
        mix_b_[i] = register_parameter(n.name + "_mix_b", mb);
    }
}

torch::Tensor TunableGraphNetImpl::alpha(size_t node, const torch::Tensor& p) const {
    return torch::matmul(mix_w_[node], p) + mix_b_[node];
}

torch::Tensor TunableGraphNetImpl::forward(const torch::Tensor& x, const torch::Tensor& p) {
    return graph::run(nodes_, last_use_, x, input_max_, output_max_, [&](size_t i, const torch::Tensor& v) {
        const torch::Tensor a = alpha(i, p);
        const torch::Tensor w = (a.view({objectives_, 1, 1, 1, 1}) * kernels_[i]).sum(0);
        const torch::Tensor b = (a.view({objectives_, 1}) * biases_[i]).sum(0);
        return torch::conv2d(v, w, b, 1, nodes_[i].ivalue);
    });
}

void TunableGraphNetImpl::fold(const torch::Tensor& p, std::vector<torch::Tensor>& weights,
                               std::vector<torch::Tensor>& biases) {
    torch::NoGradGuard no_grad;
    weights.assign(nodes_.size(), torch::Tensor());
    biases.assign(nodes_.size(), torch::Tensor());
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!kernels_[i].defined()) continue;
        const torch::Tensor a = alpha(i, p);
        weights[i] = torch::tensordot(a, kernels_[i], {0}, {0}).contiguous();
        biases[i] = torch::matmul(a, biases_[i]).contiguous();
    }
}

std::vector<torch::Tensor> TunableGraphNetImpl::kernel_parameters() const {
    std::vector<torch::Tensor> out;
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!kernels_[i].defined()) continue;
        out.push_back(kernels_[i]);
        out.push_back(biases_[i]);
    }
    return out;
}

std::vector<torch::Tensor> TunableGraphNetImpl::mixing_maps() const {
    std::vector<torch::Tensor> out;
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!mix_w_[i].defined()) continue;
        out.push_back(mix_w_[i]);
        out.push_back(mix_b_[i]);
    }
    return out;
}

WeightFileContents TunableGraphNetImpl::to_weight_file(const std::map<std::string, std::string>& extra) const {
    WeightFileContents c;
    c.meta = meta_;
    c.meta["format"] = "tunable-graph";
    c.meta["objectives"] = std::to_string(objectives_);
    for (const auto& [k, v] : extra) c.meta[k] = v;
    c.graph = graph_lines_;
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (!kernels_[i].defined()) continue;
        const graph::Node& n = nodes_[i];
        for (int j = 0; j < objectives_; ++j) {
            c.tensors.push_back(to_raw_tensor(kernel_name(n.weight, j), kernels_[i][j]));
            c.tensors.push_back(to_raw_tensor(kernel_name(n.bias, j), biases_[i][j]));
        }
        c.tensors.push_back(to_raw_tensor(n.name + ".mix.weight", mix_w_[i]));
        c.tensors.push_back(to_raw_tensor(n.name + ".mix.bias", mix_b_[i]));
    }
    return c;
}

// ---- the torch-free face (engine.h) ----

struct TunableNetwork::Impl {
    TunableGraphNet net{nullptr};
    torch::Device device{torch::kCPU};
    ModelTraits traits;
};

TunableNetwork::TunableNetwork(const fs::path& file, DeviceKind device) : impl_(std::make_unique<Impl>()) {
    const WeightFileContents c = load_weight_file(file);
    if (!c.meta.count("format") || c.meta.at("format") != "tunable-graph") {
        throw Error(ErrorKind::Processing, file.string() + ": not a tunable network");
    }
    impl_->device = to_torch_device(device);
    impl_->net = TunableGraphNet(c, 0, file.string());
    impl_->net->to(impl_->device);
    impl_->net->eval();
    const auto& m = impl_->net->meta();
    try {
        impl_->traits.id = m.at("id");
        impl_->traits.scale = std::stoi(m.at("scale"));
        impl_->traits.context = std::stoi(m.at("context"));
    } catch (const std::exception&) {
        throw Error(ErrorKind::Processing, file.string() + ": the weight file lacks id/scale/context");
    }
    impl_->traits.multiple = m.count("multiple") != 0 ? std::max(1, std::atoi(m.at("multiple").c_str())) : 1;
}

TunableNetwork::~TunableNetwork() = default;

int TunableNetwork::objectives() const { return impl_->net->objectives(); }

std::unique_ptr<ImageModel> TunableNetwork::fold(const std::vector<double>& p) const {
    if (static_cast<int>(p.size()) != objectives()) {
        throw Error(ErrorKind::Usage, "the tunable network needs " + std::to_string(objectives()) + " weights");
    }
    std::vector<float> pf(p.begin(), p.end());
    const torch::Tensor pt =
        torch::from_blob(pf.data(), {static_cast<int64_t>(pf.size())}, torch::kFloat32).clone().to(impl_->device);
    std::vector<torch::Tensor> w;
    std::vector<torch::Tensor> b;
    impl_->net->fold(pt, w, b);
    const auto& m = impl_->net->meta();
    return graph::make_model(impl_->traits, impl_->device, impl_->net->nodes(), std::move(w), std::move(b),
                             std::stod(m.at("input_max")), std::stod(m.at("output_max")));
}

}  // namespace restora
