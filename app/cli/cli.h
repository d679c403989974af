#pragma once
// restora-cli: argument parsing and the commands. Thin: everything real lives in core.
#include <string>
#include <vector>

#include "restora/models/job.h"

namespace restora::cli {

// Runs one command line; returns the process exit code (ARCHITECTURE.md).
int run(const std::vector<std::string>& args);

// `detect damage|text INPUT... -o OUT` (cmd_detect.cpp): args[0] is "detect".
int cmd_detect(const std::vector<std::string>& args, const CancelToken& cancel);

}  // namespace restora::cli
