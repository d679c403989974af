#pragma once
// The batch manifest (docs/BATCH.md): one JSON line per input of a run, appended with a single
// write so that shards on many machines can be merged and their failures listed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace restora {

struct ManifestModel {
    std::string id;
    std::string sha256;  // of the installed weight file
};

struct ManifestRecord {
    std::string input;
    std::string output;
    std::string status;  // ok | failed | skipped (already complete, --resume)
    int exit_code = 0;   // 0, 1 processing, 2 usage, 3 input, 130 interrupted
    double seconds = 0;
    int64_t peak_rss_bytes = 0;
    std::string device;
    std::vector<ManifestModel> models;
    std::string error;  // the message, for a failure; why it was redone is not an error
    std::string op;
    std::string shard;  // "I/N", or empty
    std::string host;
    std::string time;  // UTC, ISO 8601, when the record was written
};

// "ok", "processing", "usage", "input", "interrupted" (others: "exit N").
std::string exit_class(int exit_code);

// One line of JSON, ending in '\n'.
std::string manifest_line(const ManifestRecord& record);
// Error(Input) naming `where` when the line is not a manifest record.
ManifestRecord parse_manifest_line(const std::string& line, const std::string& where);

// Appends records to a manifest: the file is opened once with O_APPEND (created 0644 when absent;
// FIFOs, devices and folders are refused), and each record is one write() of its whole line, so
// lines of several writers never interleave and a killed run leaves whole lines. Records of work
// done (ok, failed) are flushed to the disk (fdatasync) at once, the skipped ones when the
// manifest is closed. Error(Processing) naming the file when it cannot be opened or written.
class ManifestWriter {
  public:
    explicit ManifestWriter(const std::filesystem::path& path);
    ~ManifestWriter();
    ManifestWriter(const ManifestWriter&) = delete;
    ManifestWriter& operator=(const ManifestWriter&) = delete;
    void append(const ManifestRecord& record);

  private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// Every record of a manifest in file order; lines that are not records (a line cut short by a
// full disk, another file) are left out and described in `damaged` ("FILE line N: ...").
std::vector<ManifestRecord> read_manifest(const std::filesystem::path& path, std::vector<std::string>& damaged);

// Merges records read in order (manifests in the order given, lines in file order): one record
// per input, sorted by input. A later record replaces an earlier one (a rerun redid or failed it),
// except that a skipped record keeps the earlier ok record it stands for. Inputs recorded by two
// different shards are listed in `conflicts`.
std::vector<ManifestRecord> merge_manifest_records(const std::vector<ManifestRecord>& in_order,
                                                   std::vector<std::string>& conflicts);

struct ManifestSummary {
    size_t inputs = 0, ok = 0, skipped = 0, failed = 0;
    int worst_exit = 0;
    double work_seconds = 0;  // sum over ok and failed records
    int64_t max_peak_rss_bytes = 0;
    std::map<std::string, size_t> by_host;
};
ManifestSummary summarize(const std::vector<ManifestRecord>& merged);

// The peak resident memory since the last reset, in bytes (Linux: VmHWM of /proc/self/status;
// reset through /proc/self/clear_refs; where that is refused, the process's peak so far).
void reset_peak_rss();
int64_t peak_rss_bytes();

}  // namespace restora
