#include "restora/core/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "restora/core/safe_file.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

std::string exit_class(int exit_code) {
    switch (exit_code) {
        case 0:
            return "ok";
        case 1:
            return "processing";
        case 2:
            return "usage";
        case 3:
            return "input";
        case 130:
            return "interrupted";
        default:
            return "exit " + std::to_string(exit_code);
    }
}

std::string manifest_line(const ManifestRecord& r) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : r.models) models.push_back({{"id", m.id}, {"sha256", m.sha256}});
    const nlohmann::json j = {{"input", r.input},
                              {"output", r.output},
                              {"status", r.status},
                              {"exit", r.exit_code},
                              {"exit_class", exit_class(r.exit_code)},
                              {"seconds", std::round(r.seconds * 1000.0) / 1000.0},
                              {"peak_rss_bytes", r.peak_rss_bytes},
                              {"device", r.device},
                              {"models", models},
                              {"error", r.error},
                              {"op", r.op},
                              {"shard", r.shard},
                              {"host", r.host},
                              {"time", r.time}};
    // Paths that are not UTF-8 are written with replacement characters rather than refused.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

ManifestRecord parse_manifest_line(const std::string& line, const std::string& where) {
    ManifestRecord r;
    try {
        const nlohmann::json j = nlohmann::json::parse(line);
        r.input = j.at("input").get<std::string>();
        r.output = j.value("output", "");
        r.status = j.at("status").get<std::string>();
        if (r.status != "ok" && r.status != "failed" && r.status != "skipped") {
            throw Error(ErrorKind::Input, where + ": status '" + r.status + "' is none of ok, failed, skipped");
        }
        r.exit_code = j.at("exit").get<int>();
        r.seconds = j.value("seconds", 0.0);
        r.peak_rss_bytes = j.value("peak_rss_bytes", int64_t{0});
        r.device = j.value("device", "");
        if (j.contains("models")) {
            for (const auto& m : j.at("models")) r.models.push_back({m.value("id", ""), m.value("sha256", "")});
        }
        r.error = j.value("error", "");
        r.op = j.value("op", "");
        r.shard = j.value("shard", "");
        r.host = j.value("host", "");
        r.time = j.value("time", "");
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::Input, where + ": not a manifest record (" + std::string(e.what()) + ")");
    }
    return r;
}

ManifestWriter::ManifestWriter(const fs::path& path) : path_(path) {
    // O_NONBLOCK: opening a FIFO for writing would otherwise wait for a reader.
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd_ < 0) {
        throw Error(ErrorKind::Processing, "cannot open the manifest " + path.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw Error(ErrorKind::Usage, "the manifest " + path.string() + " is not a regular file");
    }
    ::fcntl(fd_, F_SETFL, O_APPEND);
}

ManifestWriter::~ManifestWriter() {
    if (fd_ < 0) return;
    ::fdatasync(fd_);
    ::close(fd_);
}

void ManifestWriter::append(const ManifestRecord& record) {
    const std::string line = manifest_line(record);
    // One write of the whole line: O_APPEND places it at the end as one piece.
    ssize_t n = -1;
    do {
        n = ::write(fd_, line.data(), line.size());
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(line.size())) {
        const int e = n < 0 ? errno : ENOSPC;
        throw Error(ErrorKind::Processing, "cannot append to the manifest " + path_.string() + ": " + std::strerror(e));
    }
    if (record.status != "skipped" && ::fdatasync(fd_) != 0 && errno != EINVAL && errno != ENOTSUP) {
        throw Error(ErrorKind::Processing, "cannot flush the manifest " + path_.string() + ": " + std::strerror(errno));
    }
}

std::vector<ManifestRecord> read_manifest(const fs::path& path, std::vector<std::string>& damaged) {
    const std::vector<uint8_t> bytes = read_regular_file(path, uint64_t{4} << 30, true);
    std::vector<ManifestRecord> records;
    size_t start = 0;
    size_t number = 0;
    while (start < bytes.size()) {
        size_t end = start;
        while (end < bytes.size() && bytes[end] != '\n') ++end;
        ++number;
        const std::string line(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                               bytes.begin() + static_cast<std::ptrdiff_t>(end));
        const std::string where = path.string() + " line " + std::to_string(number);
        if (end == bytes.size()) {
            damaged.push_back(where + ": cut short (no end of line)");
        } else if (!line.empty()) {
            try {
                records.push_back(parse_manifest_line(line, where));
            } catch (const Error& e) {
                damaged.emplace_back(e.what());
            }
        }
        start = end + 1;
    }
    return records;
}

std::vector<ManifestRecord> merge_manifest_records(const std::vector<ManifestRecord>& in_order,
                                                   std::vector<std::string>& conflicts) {
    std::map<std::string, ManifestRecord> by_input;
    std::map<std::string, std::string> shard_of;
    for (const auto& r : in_order) {
        auto [it, fresh] = by_input.emplace(r.input, r);
        auto [sh, first_shard] = shard_of.emplace(r.input, r.shard);
        if (!first_shard && sh->second != r.shard && !r.shard.empty() && !sh->second.empty()) {
            conflicts.push_back(r.input + " was processed by shard " + sh->second + " and by shard " + r.shard);
            sh->second = r.shard;
        }
        if (fresh) continue;
        if (r.status == "skipped" && it->second.status == "ok") continue;  // still done, as recorded
        it->second = r;
    }
    std::vector<ManifestRecord> merged;
    merged.reserve(by_input.size());
    for (auto& [input, r] : by_input) merged.push_back(std::move(r));
    return merged;
}

ManifestSummary summarize(const std::vector<ManifestRecord>& merged) {
    ManifestSummary s;
    for (const auto& r : merged) {
        ++s.inputs;
        if (r.status == "ok") ++s.ok;
        if (r.status == "skipped") ++s.skipped;
        if (r.status == "failed") ++s.failed;
        if (r.status != "skipped") s.work_seconds += r.seconds;
        s.worst_exit = std::max(s.worst_exit, r.exit_code);
        s.max_peak_rss_bytes = std::max(s.max_peak_rss_bytes, r.peak_rss_bytes);
        ++s.by_host[r.host];
    }
    return s;
}

void reset_peak_rss() {
    const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    const ssize_t n = ::write(fd, "5", 1);  // 5: reset the peak resident set size
    (void)n;
    ::close(fd);
}

int64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            int64_t kib = 0;
            status >> kib;
            return kib * 1024;
        }
        status.ignore(1 << 16, '\n');
    }
    return 0;
}

}  // namespace restora
