#pragma once
#include <string>
#include <vector>

namespace restora::cli {

// restora-cli manifest merge FILE... -o OUT [--overwrite] | manifest summary FILE... [--json]
// (args[0] is "manifest"). docs/BATCH.md.
int cmd_manifest(const std::vector<std::string>& args);

}  // namespace restora::cli
