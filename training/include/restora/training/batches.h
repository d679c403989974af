#pragma once
// Turning shards (shard.h) into training batches: the crops as tensors, random picks, the
// evaluation's fixed ranges, and the dihedral augmentation. Shared by every trainer.
#include <torch/torch.h>

#include <random>
#include <string>
#include <vector>

#include "restora/training/shard.h"

namespace restora::training {

// Crops idx of `s` as [B,3,H,W] float32 in [0,1], on the CPU.
torch::Tensor shard_crops(const Shard& s, const std::vector<int>& idx);

// `count` crop indices of `s` drawn uniformly (with replacement).
std::vector<int> random_indices(const Shard& s, int count, std::mt19937& rng);

// start, start + 1, ..., end - 1: the evaluation's batches, in order.
std::vector<int> index_range(int start, int end);

// One of the eight flips and quarter turns of a [C,H,W] crop, chosen by the low three bits of
// `bits`: 1 mirrors left-right, 2 upside-down, 4 transposes. Applied alike to the two sides of a
// pair, it keeps the pair aligned.
torch::Tensor dihedral(torch::Tensor crop, unsigned bits);

// "a,b,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(const std::string& list);

// The rate of every parameter group of an Adam optimiser.
void set_learning_rate(torch::optim::Adam& opt, double lr);

}  // namespace restora::training
