// restora-cli analyze INPUT... [--json] and restora-cli run auto INPUT... -o OUT: what is wrong
// with a photo and which tools would help (core/analysis.h), and Auto, which applies them.
#include "cmd_analyze.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "restora/core/analysis.h"
#include "restora/core/batch.h"
#include "restora/core/estimate.h"
#include "restora/models/errors.h"

namespace restora::cli {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void usage(const std::string& msg) { throw Error(ErrorKind::Usage, msg); }

struct AutoOptions {
    std::vector<fs::path> inputs;
    fs::path output;
    bool json = false;
    std::string device = "auto";
    ExportOptions export_options;
};

AutoOptions parse_options(const std::vector<std::string>& args, size_t from, bool with_output) {
    AutoOptions o;
    for (size_t i = from; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) usage(a + " needs a value");
            return args[++i];
        };
        if (a == "--json" && !with_output) {
            o.json = true;
        } else if ((a == "-o" || a == "--output") && with_output) {
            o.output = value();
        } else if (a == "--device") {
            o.device = value();
        } else if (a == "--quality" && with_output) {
            const std::string& v = value();
            try {
                size_t used = 0;
                const int q = std::stoi(v, &used);
                if (used != v.size() || q < 1 || q > 100) throw std::invalid_argument(v);
                o.export_options.jpeg_quality = o.export_options.webp_quality = q;
            } catch (const std::exception&) {
                usage("--quality must be 1-100, got '" + v + "'");
            }
        } else if (a == "--overwrite" && with_output) {
            o.export_options.overwrite = true;
        } else if (a == "--allow-loss" && with_output) {
            o.export_options.allow_loss = true;
        } else if (a.size() > 1 && a[0] == '-') {
            usage("unknown option " + a + (with_output ? " for run auto" : " for analyze"));
        } else {
            o.inputs.emplace_back(a);
        }
    }
    return o;
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
}

JobControl auto_job(const CancelToken& cancel, const std::string& label) {
    JobControl job;
    job.cancel = cancel;
    const bool tty = ::isatty(2) != 0;
    auto last = std::make_shared<int>(-1);
    job.progress = [label, tty, last](int p) {
        if (p / 10 == *last) return;
        *last = p / 10;
        std::fprintf(stderr, tty ? "\r%s %3d%%" : "%s %d%%\n", label.c_str(), p);
        if (tty && p == 100) std::fprintf(stderr, "\n");
        std::fflush(stderr);
    };
    job.log = [](const std::string& m) { std::fprintf(stderr, "note: %s\n", m.c_str()); };
    return job;
}

}  // namespace

int cmd_analyze(const std::vector<std::string>& args, const CancelToken& cancel) {
    const AutoOptions o = parse_options(args, 1, false);
    if (o.inputs.empty()) usage("analyze needs at least one INPUT");
    AnalysisOptions ao;
    ao.device = parse_device(o.device);
    if (ao.device == DeviceKind::Auto) ao.device = DeviceKind::Cpu;
    resolve_device_name(ao.device);
    configure_threads();
    ModelCache models;
    int worst = 0;
    for (const fs::path& input : o.inputs) {
        cancel.throw_if_requested();
        try {
            const Analysis a = analyze_file(input, ao, &models);
            if (o.json) {
                std::cout << analysis_json(a, input.string()) << "\n" << std::flush;
            } else {
                std::cout << input.string() << ":\n";
                for (const std::string& line : analysis_sentences(a)) std::cout << "  " << line << "\n";
                std::cout << std::flush;
            }
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            worst = std::max(worst, e.exit_code());
            if (o.inputs.size() == 1) return e.exit_code();
        }
    }
    return worst;
}

int cmd_run_auto(const std::vector<std::string>& args, const CancelToken& cancel) {
    const AutoOptions o = parse_options(args, 2, true);
    if (o.inputs.empty()) usage("run auto needs at least one INPUT");
    if (o.output.empty()) usage("run auto needs -o OUT");
    const DeviceKind device = parse_device(o.device);
    resolve_device_name(device);
    if (format_from_extension(fs::is_directory(o.output) || o.inputs.size() > 1 ? o.output / "probe.png" : o.output) ==
        ImageFormat::Unknown) {
        usage("output " + o.output.string() + ": choose a name ending in .jpg, .png, .tif or .webp");
    }
    configure_threads();
    const std::vector<BatchItem> items = plan_batch(o.inputs, o.output, {});
    ModelCache models;
    int worst = 0;
    int failed = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        const BatchItem& item = items[i];
        try {
            cancel.throw_if_requested();
            if (items.size() > 1) fs::create_directories(item.output.parent_path());
            const AutoOutcome out = run_auto(item.input, item.output, device, o.export_options,
                                             auto_job(cancel, item.input.filename().string()), &models);
            print_warnings(out.warnings);
            for (const std::string& line : analysis_sentences(out.analysis)) {
                std::fprintf(stderr, "  %s\n", line.c_str());
            }
            if (out.unchanged) {
                std::fprintf(stderr, "%s: nothing to restore; written unchanged -> %s\n", item.input.string().c_str(),
                             item.output.string().c_str());
            } else {
                std::string steps;
                for (const auto& s : out.applied) steps += (steps.empty() ? "" : ", ") + s;
                std::fprintf(stderr, "%s: %s -> %s\n", item.input.string().c_str(), steps.c_str(),
                             item.output.string().c_str());
            }
        } catch (const Cancelled&) {
            std::fprintf(stderr, "\ninterrupted: %s was not written\n", item.output.string().c_str());
            return 130;
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            worst = std::max(worst, e.exit_code());
            ++failed;
            if (items.size() == 1) return e.exit_code();
        }
    }
    if (items.size() > 1) {
        std::fprintf(stderr, "restora: %zu of %zu done, %d failed (exit %d)\n", items.size() - failed, items.size(),
                     failed, worst);
    }
    return worst;
}

}  // namespace restora::cli
