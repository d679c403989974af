#pragma once
// An operation: a stable id, a version, a parameter schema, one run function shared by CLI and
// GUI, and what it answers about itself (the networks it needs, its cost, its hints for the GUI),
// so that callers ask the operation instead of comparing its id.
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/model_cache.h"
#include "restora/core/params.h"
#include "restora/models/engine.h"
#include "restora/models/job.h"

namespace restora {

struct OperationInfo {
    std::string id;
    int version = 1;
    std::string name;
    std::string description;
    MaskUse mask = MaskUse::None;
    std::vector<ParamSpec> params;
};

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

// How a run with given parameters spends time and memory, as the operation describes it;
// estimate.h does the arithmetic (as a filter answers neededRect and the engine computes).
struct CostModel {
    // The weight id whose meta (gflops_per_mp, peak_floats_per_px) gives the cost; empty: no
    // network, the classical figures below apply.
    std::string network;
    // The network runs through MAXIM's tiling: 64 px of context towards each neighbouring tile
    // and calls padded to a multiple of 64 (else the tiled runner with the model's own context).
    bool maxim_tiles = false;
    // A photo larger than the tile runs as one call on a copy at the tile's size, and the edit is
    // carried to full resolution (tone_transfer.h); a preview then costs that whole pass too.
    bool whole_photo_pass = false;
    // Classical algorithms: seconds per megapixel on the 2-core reference machine, and working
    // bytes per pixel of a tile with 64 px of context (0: image_bytes_factor x the input's bytes).
    double seconds_per_mp = 0.5;
    double tile_bytes_per_px = 0;
    double image_bytes_factor = 3.0;
    std::string basis = "classical";  // for the status line
};

class Operation {
  public:
    virtual ~Operation() = default;
    [[nodiscard]] virtual const OperationInfo& info() const = 0;
    // Validates the given key=value pairs against the schema, fills defaults, canonicalises
    // numbers. Throws Error(Usage) naming the key, the value and what is allowed.
    // With `source`, parameters left out take source_defaults() where the operation has them.
    [[nodiscard]] Params resolve(const std::map<std::string, std::string>& given,
                                 const SourceInfo* source = nullptr) const;
    // Defaults that depend on the photo, as key -> value text (denoise: the JPEG artefacts slider
    // from the file's own JPEG quality). Applied only where the parameter applies (only_for).
    [[nodiscard]] virtual std::map<std::string, std::string> source_defaults(const SourceInfo& source) const;
    [[nodiscard]] virtual cv::Size output_size(cv::Size input, const Params& params) const;
    // The weight ids (model_store.h) a run with these parameters needs; empty for classical runs.
    [[nodiscard]] virtual std::vector<std::string> networks(const Params& params) const;
    // Loads what the run needs (weights); throws Error(Processing) naming the restoring command.
    // The default requires every one of networks(params).
    virtual void check_available(const Params& params) const;
    // What estimate_job needs to know about a run with these parameters.
    [[nodiscard]] virtual CostModel cost(const Params& params) const;
    // image: BGR(A) 8/16-bit; mask: CV_8U 0/255 of the same size, or empty.
    [[nodiscard]] virtual OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& params,
                                       const OpContext& ctx) const = 0;
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

}  // namespace restora
