// libFuzzer target: the history parser (Xmp.restora.History's JSON, which `replay` trusts only
// after its checks). A refusal is restora::Error; a parsed history must serialise again and
// parse to the same entries.
#include <cstdint>
#include <string>

#include "restora/core/history.h"
#include "restora/models/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string json(reinterpret_cast<const char*>(data), size);
    restora::History h;
    try {
        h = restora::History::from_json(json);
    } catch (const restora::Error&) {
        return 0;
    }
    if (h.dropped != 0) return 0;  // to_json keeps the count; the entries are what round-trips
    const restora::History again = restora::History::from_json(h.to_json());
    const size_t kept = again.entries.size();
    if (kept > h.entries.size()) __builtin_trap();
    // to_json drops the oldest entries beyond its size limit: the newest ones must be intact.
    for (size_t i = 0; i < kept; ++i) {
        if (!(again.entries[kept - 1 - i] == h.entries[h.entries.size() - 1 - i])) __builtin_trap();
    }
    return 0;
}
