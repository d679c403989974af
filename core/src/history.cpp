#include "restora/core/history.h"

#include <nlohmann/json.hpp>

#include "restora/models/errors.h"

namespace restora {

namespace {

nlohmann::json entry_json(const HistoryEntry& e) {
    nlohmann::json j = {{"op", e.op}, {"version", e.version}, {"params", e.params}};
    if (!e.model.empty()) j["model"] = e.model;
    if (!e.model_sha256.empty()) j["model_sha256"] = e.model_sha256;
    if (!e.mask_sha256.empty()) j["mask_sha256"] = e.mask_sha256;
    if (e.tile >= 0) j["tile"] = e.tile;
    if (!e.precision.empty()) j["precision"] = e.precision;
    return j;
}

// An integer field within [lo, hi], or `absent` when the key is missing. nlohmann's own
// conversion would turn 1e300 or 2^40 into an arbitrary int (a tile of 32 from 4294967328).
int int_field(const nlohmann::json& j, const char* key, int absent, int lo, int hi) {
    const auto it = j.find(key);
    if (it == j.end()) return absent;
    if (it->is_number_integer()) {
        const auto v = it->get<int64_t>();
        if (v >= lo && v <= hi) return static_cast<int>(v);
    } else if (it->is_number_unsigned()) {
        const auto v = it->get<uint64_t>();
        if (v <= static_cast<uint64_t>(hi) && static_cast<int64_t>(v) >= lo) return static_cast<int>(v);
    }
    throw Error(ErrorKind::Input, std::string("the Restora history in this file is damaged: '") + key + "' is " +
                                      it->dump().substr(0, 40) + ", not a whole number from " + std::to_string(lo) +
                                      " to " + std::to_string(hi));
}

}  // namespace

std::string History::to_json() const {
    size_t first = 0;
    while (true) {
        nlohmann::json entries = nlohmann::json::array();
        for (size_t i = first; i < this->entries.size(); ++i) entries.push_back(entry_json(this->entries[i]));
        nlohmann::json j = {{"format", 1}, {"source_sha256", source_sha256}, {"entries", entries}};
        const int drop = dropped + static_cast<int>(first);
        if (drop > 0) j["dropped"] = drop;
        std::string text = j.dump();
        if (text.size() <= kMaxJsonBytes || first >= this->entries.size()) return text;
        ++first;
    }
}

History History::from_json(const std::string& json) {
    History h;
    try {
        const nlohmann::json j = nlohmann::json::parse(json);
        h.source_sha256 = j.value("source_sha256", "");
        h.dropped = int_field(j, "dropped", 0, 0, 1 << 30);
        for (const auto& e : j.at("entries")) {
            HistoryEntry entry;
            entry.op = e.at("op").get<std::string>();
            (void)e.at("version");  // required
            entry.version = int_field(e, "version", 1, -(1 << 30), 1 << 30);
            entry.params = e.at("params").get<std::map<std::string, std::string>>();
            entry.model = e.value("model", "");
            entry.model_sha256 = e.value("model_sha256", "");
            entry.mask_sha256 = e.value("mask_sha256", "");
            entry.tile = int_field(e, "tile", -1, -1, 1 << 30);
            entry.precision = e.value("precision", "");
            h.entries.push_back(entry);
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::Input, std::string("the Restora history in this file is damaged: ") + e.what());
    }
    return h;
}

}  // namespace restora
