#pragma once
// Training shards: N uint8 RGB crops of H x W in one raw file, so a set travels to a GPU machine
// and the libtorch-only trainer needs no image decoder.
//   "RSTS 1\n" "<n> <h> <w> 3\n" then n*h*w*3 bytes (RGB, HWC, row-major)
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace restora {

struct Shard {
    int n = 0;
    int h = 0;
    int w = 0;
    std::vector<uint8_t> pixels;  // n*h*w*3
};

void write_shard(const std::filesystem::path& path, const Shard& shard);  // throws Error(Processing)
Shard read_shard(const std::filesystem::path& path);                      // throws Error(Processing)
// Comma-separated shard files of one crop size, concatenated; throws Error(Usage) when sizes differ.
Shard read_shards(const std::string& list);

}  // namespace restora
