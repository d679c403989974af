#pragma once
// Restora's own weight-file format (".rsw"): a short text header, then raw little-endian float32
// data. Chosen over torch::save so files written by any libtorch (1.13 here, 2.x on a GPU
// machine) load in any other, and so the importer needs no libtorch headers.
//
//   RSTW 1
//   meta <n>            then n lines "key value..."
//   graph <n>           then n lines, one layer each (see keras_graph.h)
//   tensors <n>         then n lines "name ndim d0 d1 ..."
//   data                then the tensors' float32 values, in order (IEEE fp16 instead when the
//                       meta section has "storage f16": half the size, values rounded)
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace restora {

struct RawTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
};

struct WeightFileContents {
    std::map<std::string, std::string> meta;
    std::vector<std::string> graph;
    std::vector<RawTensor> tensors;
};

// Throws Error(Processing) on I/O failure.
void save_weight_file(const std::filesystem::path& path, const WeightFileContents& contents);
// Throws Error(Processing) naming the file when it is missing, truncated or malformed.
WeightFileContents load_weight_file(const std::filesystem::path& path);
// Only the meta section (cheap: no tensors are read); empty when the file is not a weight file.
std::map<std::string, std::string> read_weight_meta(const std::filesystem::path& path);

}  // namespace restora
