#pragma once
// Batches across machines (docs/BATCH.md): input lists, the shards of a batch, and the check that
// lets a restarted shard skip the photos it has already finished.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "restora/core/batch.h"
#include "restora/core/pipeline.h"

namespace restora {

// Shard `index` of `count` (0 <= index < count).
struct Shard {
    int index = 0;
    int count = 1;
};

// "I/N" with whole numbers 0 <= I < N; Error(Usage) otherwise.
Shard parse_shard(const std::string& text);

// One path per line (a trailing '\r' is dropped, empty lines are skipped); `name` is what errors
// call the list. Error(Input) for a list holding a NUL byte.
std::vector<std::filesystem::path> read_input_list(std::istream& in, const std::string& name);
// The same from a file, or from standard input for "-". Error(Input) when it cannot be read.
std::vector<std::filesystem::path> read_input_list_file(const std::filesystem::path& file);

// The partition rule: the items are ordered by their output path (byte order; outputs are unique
// by plan_batch's collision check), and shard I of N takes the items at positions k with
// k mod N == I. The N shards together hold every item exactly once, on whatever machines they run.
std::vector<BatchItem> select_shard(std::vector<BatchItem> items, const Shard& shard);

// Whether an existing output already holds this edit's result, so that --resume may skip it.
struct OutputCheck {
    bool complete = false;
    std::string reason;  // why the output must be made (again) when it is not complete
};

// The output is complete when it is a regular file that decodes fully and its history is the
// input's history (the same source sha256 and earlier steps) plus one step of this edit: the same
// operation and version, the same parameters (after the photo's own defaults), the same tile, the
// weights installed now (sha256 of each recorded model) and, with a mask, the same mask stored
// intact next to it. `installed_sha256` caches model id -> installed weight sha256 across calls.
OutputCheck check_finished_output(const ValidatedEdit& edit, std::map<std::string, std::string>& installed_sha256);

}  // namespace restora
