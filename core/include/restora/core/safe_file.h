#pragma once
// Reading only regular files and writing outputs so that nothing is lost (docs/RELIABILITY.md):
// a temp file created exclusively next to the output, every write checked, fsync, an atomic
// rename (no-replace unless asked to replace), then fsync of the folder.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace restora {

// Throws Error(Input) naming `path` unless it is a regular file (links followed): missing files,
// folders, FIFOs, devices, sockets and symlink loops are refused without opening them.
void check_regular_file(const std::filesystem::path& path);

// Reads at most `max_bytes` of a regular file (opened without blocking, checked again after
// opening). With `whole`, a file longer than `max_bytes` is refused (Input) instead of cut.
std::vector<uint8_t> read_regular_file(const std::filesystem::path& path, uint64_t max_bytes, bool whole);

// Throws Error(Usage) when `out` exists and is one of `inputs`: the same file by device and inode
// (another spelling, a hard link or a symlink all count).
void check_not_an_input(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs);

enum class IfExists {
    Refuse,   // Error(Usage) "exists; pass --overwrite" (also when another process wins a race)
    Replace,  // atomically replaces it (never when it is one of `protect`)
    Keep,     // leaves it and returns false (content-addressed files such as masks)
};

// Writes `bytes` to `out` through an exclusively created temp file in its folder. Any failure
// removes the temp file and throws Error(Processing) naming `out`. Returns false only for Keep
// when `out` already existed.
bool write_file_safely(const std::filesystem::path& out, const std::vector<uint8_t>& bytes, IfExists if_exists,
                       const std::vector<std::filesystem::path>& protect = {});

}  // namespace restora
