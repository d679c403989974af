#include "restora/training/batches.h"

#include <cstring>
#include <sstream>

namespace restora::training {

torch::Tensor shard_crops(const Shard& s, const std::vector<int>& idx) {
    const size_t per = static_cast<size_t>(s.h) * s.w * 3;
    torch::Tensor t = torch::empty({static_cast<int64_t>(idx.size()), s.h, s.w, 3}, torch::kUInt8);
    for (size_t i = 0; i < idx.size(); ++i) {
        std::memcpy(t.data_ptr<uint8_t>() + i * per, s.pixels.data() + idx[i] * per, per);
    }
    return t.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0);
}

std::vector<int> random_indices(const Shard& s, int count, std::mt19937& rng) {
    std::uniform_int_distribution<int> pick(0, s.n - 1);
    std::vector<int> idx(count);
    for (int& i : idx) i = pick(rng);
    return idx;
}

std::vector<int> index_range(int start, int end) {
    std::vector<int> idx;
    for (int i = start; i < end; ++i) idx.push_back(i);
    return idx;
}

torch::Tensor dihedral(torch::Tensor crop, unsigned bits) {
    if (bits & 1U) crop = crop.flip({2});
    if (bits & 2U) crop = crop.flip({1});
    if (bits & 4U) crop = crop.transpose(1, 2);
    return crop;
}

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(item);
    return out;
}

void set_learning_rate(torch::optim::Adam& opt, double lr) {
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
}

}  // namespace restora::training
