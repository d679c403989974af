#pragma once
// restora-cli: argument parsing and the commands. Thin: everything real lives in core.
#include <string>
#include <vector>

namespace restora::cli {

// Runs one command line; returns the process exit code (ARCHITECTURE.md).
int run(const std::vector<std::string>& args);

}  // namespace restora::cli
