#include "restora/core/batch_shard.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include <opencv2/imgcodecs.hpp>

#include "restora/core/image_io.h"
#include "restora/core/mask.h"
#include "restora/core/metadata.h"
#include "restora/core/model_store.h"
#include "restora/core/safe_file.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

bool whole_number(const std::string& s, int& out) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(s);
    return true;
}

}  // namespace

Shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    Shard s;
    if (slash == std::string::npos || !whole_number(text.substr(0, slash), s.index) ||
        !whole_number(text.substr(slash + 1), s.count) || s.count < 1 || s.index >= s.count) {
        throw Error(ErrorKind::Usage,
                    "--shard expects I/N with 0 <= I < N (shard I of N, counted from 0), got '" + text + "'");
    }
    return s;
}

std::vector<fs::path> read_input_list(std::istream& in, const std::string& name) {
    std::vector<fs::path> paths;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find('\0') != std::string::npos) {
            throw Error(ErrorKind::Input,
                        name + " line " + std::to_string(number) + " holds a NUL byte: not a list of paths");
        }
        if (!line.empty()) paths.emplace_back(line);
    }
    if (in.bad()) throw Error(ErrorKind::Input, "cannot read the input list " + name);
    return paths;
}

std::vector<fs::path> read_input_list_file(const fs::path& file) {
    if (file == "-") return read_input_list(std::cin, "the input list on standard input");
    check_regular_file(file);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::Input, "cannot open the input list " + file.string());
    return read_input_list(in, "the input list " + file.string());
}

std::vector<BatchItem> select_shard(std::vector<BatchItem> items, const Shard& shard) {
    std::sort(items.begin(), items.end(),
              [](const BatchItem& a, const BatchItem& b) { return a.output.native() < b.output.native(); });
    std::vector<BatchItem> mine;
    for (size_t k = 0; k < items.size(); ++k) {
        if (k % static_cast<size_t>(shard.count) == static_cast<size_t>(shard.index)) mine.push_back(items[k]);
    }
    return mine;
}

namespace {

std::string differs(const std::string& what) { return "its history differs from this run's (" + what + ")"; }

// Why the recorded step is not this edit's, or empty when it is.
std::string step_mismatch(const HistoryEntry& got, const ValidatedEdit& edit,
                          std::map<std::string, std::string>& installed_sha256) {
    const OperationInfo& info = edit.op->info();
    if (got.op != info.id) return differs("operation " + got.op);
    if (got.version != info.version) return differs(got.op + " version " + std::to_string(got.version));
    if (got.params != edit.params.values()) return differs("parameters");
    if (got.tile != edit.request.tile) return differs("tile " + std::to_string(got.tile));
    if (!got.model.empty() && !got.model_sha256.empty()) {
        auto it = installed_sha256.find(got.model);
        if (it == installed_sha256.end())
            it = installed_sha256.emplace(got.model, find_model(got.model).entry.sha256).first;
        if (it->second != got.model_sha256) return differs("made with other weights of " + got.model);
    }
    if (got.mask_sha256.empty() != edit.request.mask.empty()) return differs("mask");
    return "";
}

// Why the mask stored next to the output is not this edit's mask, or empty when it is.
std::string mask_mismatch(const ValidatedEdit& edit, const std::string& sha) {
    const fs::path stored = mask_folder_for(edit.request.output) / (sha + ".png");
    std::error_code ec;
    if (!fs::is_regular_file(stored, ec)) return "its mask " + stored.string() + " is missing";
    const std::vector<uint8_t> bytes = read_regular_file(stored, uint64_t{1} << 30, true);
    if (sha256_hex(bytes) != sha) return "its mask " + stored.string() + " is damaged";
    const cv::Mat kept = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    if (kept.empty()) return "its mask " + stored.string() + " does not decode";
    const cv::Mat mask = load_mask(edit.request.mask, kept.size());
    std::vector<uint8_t> png;
    if (!cv::imencode(".png", mask, png) || sha256_hex(png) != sha) return differs("another mask");
    return "";
}

}  // namespace

OutputCheck check_finished_output(const ValidatedEdit& edit, std::map<std::string, std::string>& installed_sha256) {
    const EditRequest& r = edit.request;
    OutputCheck c;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(r.output, ec))) {
        c.reason = "no output yet";
        return c;
    }
    try {
        check_regular_file(r.output);
        const LoadedImage out = load_image(r.output);  // every pixel decodes
        const std::string json = out.metadata.history_json();
        if (json.empty()) {
            c.reason = "it holds no Restora history";
            return c;
        }
        const History got = History::from_json(json);
        // The history this run would write: the input's own, plus this step.
        const Metadata in_md = Metadata::read_file(r.input);
        History expected;
        if (const std::string in_json = in_md.history_json(); !in_json.empty()) {
            expected = History::from_json(in_json);
        } else {
            expected.source_sha256 = sha256_file(r.input);
        }
        if (got.source_sha256 != expected.source_sha256) {
            c.reason = "it was made from another photo (source sha256 differs)";
            return c;
        }
        if (got.dropped != expected.dropped || got.entries.size() != expected.entries.size() + 1 ||
            !std::equal(expected.entries.begin(), expected.entries.end(), got.entries.begin())) {
            c.reason = differs("earlier steps");
            return c;
        }
        c.reason = step_mismatch(got.entries.back(), edit, installed_sha256);
        if (c.reason.empty() && !r.mask.empty()) c.reason = mask_mismatch(edit, got.entries.back().mask_sha256);
    } catch (const Error& e) {
        c.reason = std::string("it cannot be read: ") + e.what();
        return c;
    }
    c.complete = c.reason.empty();
    return c;
}

}  // namespace restora
