#pragma once
// The options that make `restora-cli run` a batch worker for schedulers (docs/BATCH.md): input
// lists, shards, resume, the manifest and the thread count; and the manifest's recording.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "restora/core/batch_shard.h"
#include "restora/core/manifest.h"

namespace restora::cli {

struct BatchOptions {
    std::vector<std::filesystem::path> lists;  // --from-list FILE|- (repeatable)
    std::optional<Shard> shard;                // --shard I/N
    bool resume = false;                       // --resume
    std::filesystem::path manifest;            // --manifest FILE.jsonl
    int threads = 0;                           // --threads N; 0: every core

    // -o is a folder even for one input file, and a summary line is printed.
    [[nodiscard]] bool batch_mode() const { return !lists.empty() || shard.has_value(); }
};

extern const char* const kBatchUsage;

// Parses the batch option args[i] (and its value, advancing i); false when args[i] is none.
bool parse_batch_option(const std::vector<std::string>& args, size_t& i, BatchOptions& o);

// The inputs named on the command line followed by those of the lists.
std::vector<std::filesystem::path> batch_inputs(std::vector<std::filesystem::path> named, const BatchOptions& o);

// libtorch's and OpenCV's thread pools at --threads (every core when 0).
void apply_threads(const BatchOptions& o);

// How one item of a batch ended.
struct ItemOutcome {
    std::string status;  // ok | failed | skipped
    int exit_code = 0;
    std::string error;
};

// Times each item, measures its peak memory and appends its manifest record (when --manifest).
class BatchRecorder {
  public:
    BatchRecorder(const BatchOptions& o, std::string op, DeviceKind device);
    void begin();
    // `edit`: the validated edit when validation got that far (its models are recorded).
    void finish(const BatchItem& item, const ItemOutcome& outcome, const ValidatedEdit* edit);

  private:
    std::unique_ptr<ManifestWriter> writer_;
    std::string op_, device_, shard_, host_;
    std::chrono::steady_clock::time_point start_;
    std::map<std::string, std::string> sha256_;  // model id -> installed weight sha256
};

}  // namespace restora::cli
