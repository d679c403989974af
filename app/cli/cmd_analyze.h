#pragma once
// restora-cli analyze and run auto (cmd_analyze.cpp).
#include <string>
#include <vector>

#include "restora/models/job.h"

namespace restora::cli {

// restora-cli analyze INPUT... [--json] [--device D]; args[0] is "analyze".
int cmd_analyze(const std::vector<std::string>& args, const CancelToken& cancel);
// restora-cli run auto INPUT... -o OUT [--device D] [--quality Q] [--overwrite] [--allow-loss];
// args[0..1] are "run auto".
int cmd_run_auto(const std::vector<std::string>& args, const CancelToken& cancel);

}  // namespace restora::cli
