// restora-cli detect damage|text INPUT... -o OUT [--set KEY=VALUE]... [--overwrite] [--device D]
// Writes the mask an operation finds for itself (Operation::detect_mask) as an 8-bit PNG per
// input: white = damage / text, the input's size after EXIF orientation (the mask conventions,
// ARCHITECTURE.md). damage: remove-damage's detector (--set sensitivity=S); text: erase-text's.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "cli.h"
#include "restora/core/batch.h"
#include "restora/core/image_io.h"
#include "restora/core/model_cache.h"
#include "restora/core/registry.h"
#include "restora/core/safe_file.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"

namespace restora::cli {

namespace fs = std::filesystem;

namespace {

// The operation whose detector a `detect` kind runs.
const char* operation_for(const std::string& kind) {
    if (kind == "damage") return "remove-damage";
    if (kind == "text") return "erase-text";
    return nullptr;
}

}  // namespace

int cmd_detect(const std::vector<std::string>& args, const CancelToken& cancel) {
    std::vector<fs::path> inputs;
    fs::path output;
    std::map<std::string, std::string> given;
    std::string device = "auto";
    bool overwrite = false;
    std::string kind;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw Error(ErrorKind::Usage, a + " needs a value");
            return args[++i];
        };
        if (a == "-o" || a == "--output") {
            output = value();
        } else if (a == "--set") {
            const std::string& kv = value();
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0)
                throw Error(ErrorKind::Usage, "--set expects KEY=VALUE, got '" + kv + "'");
            given[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else if (a == "--device") {
            device = value();
        } else if (a == "--overwrite") {
            overwrite = true;
        } else if (a.size() > 1 && a[0] == '-') {
            throw Error(ErrorKind::Usage, "unknown option " + a + " for detect");
        } else if (kind.empty()) {
            kind = a;
        } else {
            inputs.emplace_back(a);
        }
    }
    const char* op_id = operation_for(kind);
    if (op_id == nullptr) throw Error(ErrorKind::Usage, "detect needs a kind: damage or text (got '" + kind + "')");
    if (inputs.empty()) throw Error(ErrorKind::Usage, "detect " + kind + " needs at least one input");
    if (output.empty()) throw Error(ErrorKind::Usage, "detect needs -o OUT");
    const Operation& op = Registry::instance().get(op_id);
    // Only the detector's own parameters are accepted (sensitivity for damage; none for text).
    for (const auto& [key, v] : given) {
        if (key != "sensitivity" || kind != "damage") {
            throw Error(ErrorKind::Usage, "detect " + kind + " has no parameter '" + key + "'" +
                                              (kind == "damage" ? " (only sensitivity)" : ""));
        }
    }
    const Params params = op.resolve(given);
    const DeviceKind dev = parse_device(device);
    const std::vector<BatchItem> items = plan_batch(inputs, output, {});
    const bool single = items.size() == 1 && !fs::is_directory(output);
    if (single && output.extension() != ".png") {
        throw Error(ErrorKind::Usage, "detect writes PNG masks: choose an output name ending in .png");
    }
    configure_threads();
    ModelCache models;
    int worst = 0, done = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        fs::path out = items[i].output;
        if (!single) out.replace_extension(".png");
        try {
            cancel.throw_if_requested();
            check_not_an_input(out, inputs);
            if (!overwrite && fs::exists(out)) {
                throw Error(ErrorKind::Usage, out.string() + " exists; pass --overwrite to replace it");
            }
            const LoadedImage img = load_image(items[i].input);  // EXIF orientation applied
            OpContext ctx;
            ctx.device = dev;
            ctx.models = &models;
            ctx.job.cancel = cancel;
            const DetectedMask d = op.detect_mask(img.pixels, params, ctx);
            std::vector<uint8_t> png;
            if (!cv::imencode(".png", d.mask, png)) throw Error(ErrorKind::Processing, "encoding the mask failed");
            if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
            write_file_safely(out, png, overwrite ? IfExists::Replace : IfExists::Refuse, inputs);
            std::fprintf(stderr, "%s: %d %s region(s), %.2f%% of the pixels -> %s\n", items[i].input.string().c_str(),
                         d.regions, kind.c_str(),
                         100.0 * cv::countNonZero(d.mask) / std::max<size_t>(1, d.mask.total()), out.string().c_str());
            ++done;
        } catch (const Cancelled&) {
            std::fprintf(stderr, "\ninterrupted: %s was not written\n", out.string().c_str());
            return 130;
        } catch (const Error& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            worst = std::max(worst, e.exit_code());
            if (items.size() == 1) return e.exit_code();
        }
    }
    if (items.size() > 1) {
        std::fprintf(stderr, "restora: %d of %zu masks written (exit %d)\n", done, items.size(), worst);
    }
    return worst;
}

}  // namespace restora::cli
