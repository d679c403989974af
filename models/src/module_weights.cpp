#include "restora/models/module_weights.h"

#include <map>

#include "restora/models/errors.h"

namespace restora {

void load_parameters(torch::nn::Module& module, WeightFileContents& weights, const std::string& source,
                     const ParameterAdapter& adapt) {
    std::map<std::string, RawTensor*> by_name;
    for (auto& t : weights.tensors) by_name[t.name] = &t;
    torch::NoGradGuard ng;
    for (auto& p : module.named_parameters()) {
        auto it = by_name.find(p.key());
        if (it == by_name.end()) throw Error(ErrorKind::Processing, source + " lacks " + p.key());
        const torch::Tensor t = torch::from_blob(it->second->values.data(), it->second->shape, torch::kFloat32);
        if (adapt && adapt(p.key(), p.value(), t)) continue;
        if (t.sizes() != p.value().sizes()) throw Error(ErrorKind::Processing, source + ": wrong shape of " + p.key());
        p.value().copy_(t);
    }
}

RawTensor to_raw_tensor(const std::string& name, const torch::Tensor& t) {
    const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    RawTensor r;
    r.name = name;
    r.shape = c.sizes().vec();
    r.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return r;
}

void append_parameters(WeightFileContents& weights, const torch::nn::Module& module) {
    for (const auto& p : module.named_parameters()) {
        weights.tensors.push_back(to_raw_tensor(p.key(), p.value()));
    }
}

void save_weight_file_atomically(const std::filesystem::path& file, const WeightFileContents& weights) {
    const std::filesystem::path tmp = file.string() + ".tmp";
    save_weight_file(tmp, weights);
    std::filesystem::rename(tmp, file);
}

}  // namespace restora
