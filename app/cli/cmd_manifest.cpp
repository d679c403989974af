// restora-cli manifest: merges the manifests of a batch's shards (one record per input) and
// summarises them: counts, work time, peak memory, and every failure with its message.
#include "cmd_manifest.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "restora/core/manifest.h"
#include "restora/core/safe_file.h"
#include "restora/models/errors.h"

namespace restora::cli {

namespace fs = std::filesystem;

namespace {

struct Merged {
    std::vector<ManifestRecord> records;
    std::vector<std::string> damaged;
    std::vector<std::string> conflicts;
};

Merged merge_files(const std::vector<fs::path>& files) {
    Merged m;
    std::vector<ManifestRecord> all;
    for (const auto& f : files) {
        std::vector<ManifestRecord> records = read_manifest(f, m.damaged);
        all.insert(all.end(), records.begin(), records.end());
    }
    m.records = merge_manifest_records(all, m.conflicts);
    for (const auto& d : m.damaged) std::fprintf(stderr, "warning: %s\n", d.c_str());
    for (const auto& c : m.conflicts) std::fprintf(stderr, "warning: %s\n", c.c_str());
    return m;
}

std::string summary_line(const ManifestSummary& s) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%zu inputs: %zu ok, %zu skipped (already complete), %zu failed; worst exit %d (%s); work %.1f s; "
                  "peak memory %.0f MiB",
                  s.inputs, s.ok, s.skipped, s.failed, s.worst_exit, exit_class(s.worst_exit).c_str(), s.work_seconds,
                  static_cast<double>(s.max_peak_rss_bytes) / (1024.0 * 1024.0));
    return buf;
}

}  // namespace

int cmd_manifest(const std::vector<std::string>& args) {
    if (args.size() < 2 || (args[1] != "merge" && args[1] != "summary")) {
        throw Error(ErrorKind::Usage, "manifest needs merge FILE... -o OUT, or summary FILE... [--json]");
    }
    const bool merge = args[1] == "merge";
    std::vector<fs::path> files;
    fs::path output;
    bool json = false;
    bool overwrite = false;
    for (size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        if ((a == "-o" || a == "--output") && merge) {
            if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, a + " needs a value");
            output = args[++i];
        } else if (a == "--overwrite" && merge) {
            overwrite = true;
        } else if (a == "--json" && !merge) {
            json = true;
        } else if (a.size() > 1 && a[0] == '-') {
            throw Error(ErrorKind::Usage, "unknown option " + a + " for manifest " + args[1]);
        } else {
            files.emplace_back(a);
        }
    }
    if (files.empty()) throw Error(ErrorKind::Usage, "manifest " + args[1] + " needs at least one manifest file");
    if (merge && output.empty()) throw Error(ErrorKind::Usage, "manifest merge needs -o OUT.jsonl");
    if (merge) check_not_an_input(output, files);  // before reading anything

    const Merged m = merge_files(files);
    const ManifestSummary s = summarize(m.records);
    const int damaged_exit = m.damaged.empty() ? 0 : 3;  // a record may be lost

    if (merge) {
        std::string text;
        for (const auto& r : m.records) text += manifest_line(r);
        write_file_safely(output, std::vector<uint8_t>(text.begin(), text.end()),
                          overwrite ? IfExists::Replace : IfExists::Refuse, files);
        std::fprintf(stderr, "merged %zu manifests into %s: %s\n", files.size(), output.string().c_str(),
                     summary_line(s).c_str());
        return damaged_exit;
    }
    if (json) {
        nlohmann::json failures = nlohmann::json::array();
        for (const auto& r : m.records) {
            if (r.status == "failed") {
                failures.push_back({{"input", r.input}, {"exit", r.exit_code}, {"error", r.error}});
            }
        }
        nlohmann::json hosts = nlohmann::json::object();
        for (const auto& [h, n] : s.by_host) hosts[h] = n;
        const nlohmann::json j = {{"inputs", s.inputs},
                                  {"ok", s.ok},
                                  {"skipped", s.skipped},
                                  {"failed", s.failed},
                                  {"worst_exit", s.worst_exit},
                                  {"work_seconds", s.work_seconds},
                                  {"max_peak_rss_bytes", s.max_peak_rss_bytes},
                                  {"hosts", hosts},
                                  {"failures", failures},
                                  {"damaged_lines", m.damaged},
                                  {"conflicts", m.conflicts}};
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::cout << summary_line(s) << "\n";
        for (const auto& r : m.records) {
            if (r.status == "failed") {
                std::cout << "failed: " << r.input << ": exit " << r.exit_code << " (" << exit_class(r.exit_code)
                          << "): " << r.error << "\n";
            }
        }
    }
    return std::max(s.worst_exit, damaged_exit);
}

}  // namespace restora::cli
