#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace restora {

std::string sha256_hex(const void* data, size_t size);
std::string sha256_hex(const std::vector<uint8_t>& bytes);
std::string sha256_file(const std::filesystem::path& path);  // throws restora::Error(Input)

}  // namespace restora
