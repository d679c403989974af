#pragma once
// The operation registry: every operation has a stable id, a version, a parameter schema the CLI
// validates and the GUI turns into widgets, and one run function shared by CLI and GUI.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/models/engine.h"
#include "restora/models/job.h"

namespace restora {

enum class ParamKind { Integer, Number, Choice };
enum class MaskUse { None, Required, Optional };

std::string to_string(MaskUse m);

struct ParamSpec {
    std::string key;
    std::string label;
    ParamKind kind = ParamKind::Number;
    double min = 0;
    double max = 1;
    double step = 0.1;
    double def = 0;                    // Integer / Number default
    std::vector<std::string> choices;  // Choice values, in display order
    std::string def_choice;            // Choice default
    std::string unit;
    std::string help;
    std::string only_for;  // "key=value": the parameter applies only with that setting
    std::string low_label;   // Number: what the low end of the slider means ("Fidelity")
    std::string high_label;  // Number: what the high end means ("Realism")

    [[nodiscard]] std::string default_text() const;
};

// Schema builders for the common parameter kinds.
ParamSpec choice_param(std::string key, std::string label, std::vector<std::string> choices,
                       std::string def, std::string help, std::string unit = {});
ParamSpec number_param(std::string key, std::string label, double min, double max, double step,
                       double def, std::string help);

// Parameter values, canonical text per key (what the history records and replay reads back).
class Params {
public:
    Params() = default;
    explicit Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}
    [[nodiscard]] const std::string& text(const std::string& key) const;
    [[nodiscard]] int integer(const std::string& key) const;
    [[nodiscard]] double number(const std::string& key) const;
    [[nodiscard]] const std::map<std::string, std::string>& values() const { return values_; }
    bool operator==(const Params&) const = default;

private:
    std::map<std::string, std::string> values_;
};

struct OperationInfo {
    std::string id;
    int version = 1;
    std::string name;
    std::string description;
    MaskUse mask = MaskUse::None;
    std::vector<ParamSpec> params;
};

// Loaded models kept for reuse by one thread (the GUI's worker, a CLI batch): weights are read
// and moved to the device once. Not thread-safe by design: one owner, one thread.
class ModelCache {
public:
    // The model in `file` on `device`, loading it on first use.
    std::shared_ptr<ImageModel> graph_model(const std::string& file, DeviceKind device,
                                            Precision precision = Precision::F32);
    // An imported ONNX graph (the text detector), loaded on first use.
    std::shared_ptr<MapNetwork> map_network(const std::string& file, DeviceKind device);
    // An image + mask network (inpainting, shadow removal, text erasure), loaded on first use.
    std::shared_ptr<MaskedNetwork> masked_network(MaskedTask task, const std::string& file, DeviceKind device);
    // A tunable network (upscale model=tunable): raw kernels kept, folded per operating point.
    std::shared_ptr<TunableNetwork> tunable_network(const std::string& file, DeviceKind device);
    void clear() {
        tunable_.clear();
        models_.clear();
        maps_.clear();
        masked_.clear();
    }

private:
    std::map<std::tuple<std::string, DeviceKind, Precision>, std::shared_ptr<ImageModel>> models_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<MapNetwork>> maps_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<MaskedNetwork>> masked_;
    std::map<std::pair<std::string, DeviceKind>, std::shared_ptr<TunableNetwork>> tunable_;
};

// The device's tile, unless the user chose one: 1024 px on CUDA, 512 on the CPU. Measured on an
// H200 (docs/PERFORMANCE.md): MAXIM over 1024x1024 took 1.225 s in 512-px tiles (each carries 64 px
// of context on every side) against 0.540 s in one call; on the CPU, 512 keeps the working memory
// of the x4 upscalers under a gigabyte. The runner halves a tile that runs out of memory.
// default_tile_for (estimate.h) refines it per operation: MAXIM takes 1024 on the CPU too when
// the machine's memory allows.
int default_tile(DeviceKind device);

struct OpContext {
    DeviceKind device = DeviceKind::Auto;
    int tile = 512;  // 0 = one raw model call on the whole image
    JobControl job;
    ModelCache* models = nullptr;  // optional: reuse loaded models across runs
    // The imported networks' arithmetic (upscale's and denoise's networks, MAXIM): BF16 on a CPU
    // runs them in bfloat16 (set_precision); the CLI and the desktop app choose it
    // (resolve_precision).
    Precision precision = Precision::F32;
};

// Networks loaded through ctx.models when the context has a cache, else for this run only.
std::shared_ptr<MaskedNetwork> load_masked_network(MaskedTask task, const std::filesystem::path& file,
                                                   const OpContext& ctx);
std::shared_ptr<TunableNetwork> load_tunable_network(const std::filesystem::path& file, const OpContext& ctx);
// An imported network (load_graph_model) computing in `precision`; throws Error(Usage) where it
// cannot (bfloat16 on CUDA).
std::shared_ptr<ImageModel> load_graph_model_in(const std::filesystem::path& file, DeviceKind device,
                                                Precision precision);
// Switches a loaded network to `precision`; throws Error(Usage) where it cannot.
void use_precision(ImageModel& model, Precision precision);
// OpResult::precision for a network that ran in `precision`: empty for float32.
std::string precision_used(Precision precision);

struct OpResult {
    cv::Mat pixels;
    std::string model_id;      // empty for classical algorithms
    std::string model_sha256;  // empty when the model has no weight file
    std::string precision;     // "bf16" when the network ran in bfloat16; empty: float32
    std::vector<std::string> warnings;
};

// What an operation may learn about the photo before it runs, for defaults that depend on it.
struct SourceInfo {
    int jpeg_quality = 0;  // the file's estimated JPEG quality (image_io.h); 0: not a JPEG
};

// A mask an operation finds for itself (erase-text: the text in the photo).
struct DetectedMask {
    cv::Mat mask;     // CV_8U 0/255, the image's size
    int regions = 0;  // how many regions were found, for the status line
};

// What the desktop app shows for an operation beyond its parameter form; it asks the operation
// instead of comparing ids.
struct OperationHints {
    std::string detect_label;  // non-empty: detect_mask() works; the action's text ("Detect text")
    std::string detect_help;   // the action's tooltip
    std::string region_noun;   // what a detected region is, for the status line ("text region")
};

class Operation {
public:
    virtual ~Operation() = default;
    [[nodiscard]] virtual const OperationInfo& info() const = 0;
    // Validates the given key=value pairs against the schema, fills defaults, canonicalises
    // numbers. Throws Error(Usage) naming the key, the value and what is allowed.
    // With `source`, parameters left out take source_defaults() where the operation has them.
    [[nodiscard]] Params resolve(const std::map<std::string, std::string>& given, const SourceInfo* source = nullptr) const;
    // Defaults that depend on the photo, as key -> value text (denoise: the JPEG artefacts slider
    // from the file's own JPEG quality). Applied only where the parameter applies (only_for).
    [[nodiscard]] virtual std::map<std::string, std::string> source_defaults(const SourceInfo& source) const;
    [[nodiscard]] virtual cv::Size output_size(cv::Size input, const Params& params) const;
    // Loads what the run needs (weights); throws Error(Processing) naming the restoring command.
    virtual void check_available(const Params& params) const;
    // image: BGR(A) 8/16-bit; mask: CV_8U 0/255 of the same size, or empty.
    [[nodiscard]] virtual OpResult run(const cv::Mat& image, const cv::Mat& mask,
                                       const Params& params, const OpContext& ctx) const = 0;
    // Preview = Apply: the output pixels over `region` (input coordinates; the result covers
    // region x the operation's scale), exactly what run() computes there. The default runs the
    // whole image and crops; tiled operations run only the tiles that touch the region.
    [[nodiscard]] virtual OpResult run_region(const cv::Mat& image, const cv::Mat& mask, const Params& params,
                                              const OpContext& ctx, const cv::Rect& region) const;

    // Whether the costly part of a run on this photo is already computed and kept (retouch's
    // whole-photo pass), so that run_region now costs little more than carrying it: the
    // desktop's estimates then leave that part out. Hashes the photo's pixels.
    [[nodiscard]] virtual bool has_cached_pass(const cv::Mat& image, const Params& params, const OpContext& ctx) const;

    [[nodiscard]] virtual OperationHints hints() const { return {}; }
    // Finds the operation's mask in the image (hints().detect_label non-empty); the default throws
    // Error(Usage). Throws Error(Processing) naming the restoring command when a detector is missing.
    [[nodiscard]] virtual DetectedMask detect_mask(const cv::Mat& image, const Params& params,
                                                   const OpContext& ctx) const;

protected:
    virtual void check_combination(const Params& params) const;
};

// The default text of parameter `key` of an operation (empty when it has no such parameter).
std::string default_of(const OperationInfo& info, const std::string& key);

class Registry {
public:
    static const Registry& instance();
    [[nodiscard]] const Operation* find(const std::string& id) const;
    [[nodiscard]] const Operation& get(const std::string& id) const;  // throws Error(Usage)
    [[nodiscard]] std::vector<const Operation*> all() const;
    [[nodiscard]] std::string to_json() const;
    void add(std::unique_ptr<Operation> op);

private:
    std::vector<std::unique_ptr<Operation>> ops_;
};

}  // namespace restora
