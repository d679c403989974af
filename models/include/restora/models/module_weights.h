#pragma once
// Moving a torch::nn::Module's parameters in and out of Restora's weight files (weight_file.h),
// by parameter name: the one loader and saver behind every network defined in C++ here.
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <string>

#include "restora/models/weight_file.h"

namespace restora {

// May take over one parameter (copy into `param` itself and return true), for initialising a
// network from another architecture's weights; false leaves it to the plain copy.
using ParameterAdapter =
    std::function<bool(const std::string& name, torch::Tensor& param, const torch::Tensor& stored)>;

// Copies every parameter of `module` from the tensor of the same name in `weights` (float32).
// Throws Error(Processing) naming `source` when one is missing or has another shape.
void load_parameters(torch::nn::Module& module, WeightFileContents& weights, const std::string& source,
                     const ParameterAdapter& adapt = {});

// One tensor as a weight file holds it: float32, contiguous, on the CPU.
RawTensor to_raw_tensor(const std::string& name, const torch::Tensor& t);

// Appends every parameter of `module` to `weights` as float32 on the CPU.
void append_parameters(WeightFileContents& weights, const torch::nn::Module& module);

// save_weight_file through a temporary file and a rename, so a reader never sees half a file.
void save_weight_file_atomically(const std::filesystem::path& file, const WeightFileContents& weights);

}  // namespace restora
