#pragma once
// The edit history stored in XMP (Xmp.restora.History) so that `restora-cli replay` can re-run it.
#include <map>
#include <string>
#include <vector>

namespace restora {

struct HistoryEntry {
    std::string op;
    int version = 1;
    std::map<std::string, std::string> params;
    std::string model;         // model id, empty for classical algorithms
    std::string model_sha256;  // weight file hash, empty when there is none
    std::string mask_sha256;   // sha256 of the mask PNG kept in OUT.restora/
    int tile = -1;             // tile size the run used (0 = whole image); -1: not recorded
    std::string precision;     // "bf16" when its network ran in bfloat16; empty: float32
    bool operator==(const HistoryEntry&) const = default;
};

struct History {
    std::string source_sha256;  // the file the first entry was applied to
    std::vector<HistoryEntry> entries;
    int dropped = 0;  // oldest entries dropped to stay under the size limit

    static constexpr size_t kMaxJsonBytes = 32 * 1024 - 512;  // XMP packet stays under 32 KB

    // Serialises, dropping the oldest entries if needed to stay under kMaxJsonBytes.
    [[nodiscard]] std::string to_json() const;
    // Throws Error(Input) for malformed JSON.
    static History from_json(const std::string& json);
};

}  // namespace restora
