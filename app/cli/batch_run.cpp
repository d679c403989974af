#include "batch_run.h"

#include <unistd.h>

#include <ctime>

#include <opencv2/core/utility.hpp>

#include "restora/core/model_store.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"

namespace restora::cli {

namespace fs = std::filesystem;

const char* const kBatchUsage = R"(Batch options for run (docs/BATCH.md):
  --from-list FILE     read more inputs from FILE, one path per line; - reads standard input
  --shard I/N          process only shard I of N (0 <= I < N) of the expanded input list:
                       inputs ordered by output path, position k belongs to shard k mod N
  --resume             skip an input whose output exists, decodes and records this very edit
                       of this input; make (or replace) it otherwise
  --manifest FILE      append one JSON line per input: status ok|failed|skipped, exit class,
                       seconds, peak memory, device, model sha256s, error
  --threads N          threads for this process (default: every core); give each of several
                       shards on one machine its share
)";

bool parse_batch_option(const std::vector<std::string>& args, size_t& i, BatchOptions& o) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
        if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, a + " needs a value");
        return args[++i];
    };
    if (a == "--from-list") {
        o.lists.emplace_back(value());
    } else if (a == "--shard") {
        o.shard = parse_shard(value());
    } else if (a == "--resume") {
        o.resume = true;
    } else if (a == "--manifest") {
        o.manifest = value();
    } else if (a == "--threads") {
        const std::string& v = value();
        if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 1) {
            throw Error(ErrorKind::Usage, "--threads expects a whole number from 1, got '" + v + "'");
        }
        o.threads = std::stoi(v);
    } else {
        return false;
    }
    return true;
}

std::vector<fs::path> batch_inputs(std::vector<fs::path> named, const BatchOptions& o) {
    for (const auto& list : o.lists) {
        std::vector<fs::path> more = read_input_list_file(list);
        named.insert(named.end(), more.begin(), more.end());
    }
    return named;
}

void apply_threads(const BatchOptions& o) {
    configure_threads(o.threads);
    if (o.threads > 0) cv::setNumThreads(o.threads);
}

namespace {

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

}  // namespace

BatchRecorder::BatchRecorder(const BatchOptions& o, std::string op, DeviceKind device)
    : op_(std::move(op)), device_(resolve_device_name(device)), host_(host_name()) {
    if (o.shard) shard_ = std::to_string(o.shard->index) + "/" + std::to_string(o.shard->count);
    if (!o.manifest.empty()) writer_ = std::make_unique<ManifestWriter>(o.manifest);
}

void BatchRecorder::begin() {
    start_ = std::chrono::steady_clock::now();
    if (writer_) reset_peak_rss();
}

void BatchRecorder::finish(const BatchItem& item, const ItemOutcome& outcome, const ValidatedEdit* edit) {
    if (!writer_) return;
    ManifestRecord r;
    r.input = item.input.string();
    r.output = item.output.string();
    r.status = outcome.status;
    r.exit_code = outcome.exit_code;
    r.error = outcome.error;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    r.peak_rss_bytes = peak_rss_bytes();
    r.device = device_;
    r.op = op_;
    r.shard = shard_;
    r.host = host_;
    r.time = utc_now();
    if (edit != nullptr) {
        for (const auto& id : edit->op->networks(edit->params)) {
            auto it = sha256_.find(id);
            if (it == sha256_.end()) it = sha256_.emplace(id, find_model(id).entry.sha256).first;
            r.models.push_back({id, it->second});
        }
    }
    writer_->append(r);
}

}  // namespace restora::cli
