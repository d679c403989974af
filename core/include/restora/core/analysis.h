#pragma once
// What is wrong with a photo, and which tools would help: classical estimators measure the
// pixels (and the file's JPEG tables), calibrated findings with a confidence in [0,1] and a
// level, and a proposed pipeline of registry operations in the order that works best (damage and
// text before denoise, denoise before everything else, upscaling proposed but never applied by
// Auto). Auto runs the proposed steps, each recorded in the history as its own step.
// Calibration and measurements: docs/QUALITY.md, "Analysis and Auto".
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/image_io.h"
#include "restora/core/operation.h"

namespace restora {

// The kinds, in the order they are reported (the names are the JSON contract).
inline const std::vector<std::string>& analysis_kinds() {
    static const std::vector<std::string> kinds = {"noise", "jpeg",   "blur", "haze",       "lowlight",
                                                   "faded", "damage", "text", "monochrome", "small"};
    return kinds;
}

// The confidence at which a finding counts and its step is proposed.
inline constexpr double kFindingThreshold = 0.5;

// The raw measurements the findings are calibrated from (analysis_measure.cpp).
struct AnalysisMeasures {
    int width = 0, height = 0;
    int file_jpeg_quality = 0;      // from the file's quantisation tables; 0: not a JPEG
    double noise_raw = 0;           // the quietest blocks' estimate, before the JPEG correction
    double noise_sigma = 0;         // noise standard deviation per channel, 8-bit levels
    double noise_median = 0;        // the same from the median block (JPEG flattens the quietest blocks)
    double blockiness = 0;          // 8x8 grid gradient excess (0: none), from the pixels
    double pixel_jpeg_quality = 0;  // the JPEG quality the blockiness corresponds to (100: none)
    double blur_metric = 0;         // re-blur ratio of the sharpest regions (0 sharp .. 1 flat)
    double blur_prefilter = 0;      // the Gaussian applied first against noise, pixels
    double blur_sigma = 0;          // the Gaussian blur that metric corresponds to, pixels
    double dark_channel = 0;        // median dark channel, 0..1
    double airlight = 0;            // brightness of the haziest pixels, 0..1
    double luma_median = 0;         // 0..1
    double luma_p99 = 0;            // 0..1
    double luma_p1 = 0;             // 0..1
    double cast = 0;                // distance from neutral of the least colourful quarter of the pixels, Lab units
    double chroma_mean = 0;         // mean chroma around the photo's own mean colour, Lab units
    int text_regions = -1;          // captions and date stamps found; -1: the detector is not available
};

struct Finding {
    std::string kind;
    double confidence = 0;  // [0,1]
    double level = 0;       // in the kind's unit (finding_unit)
    bool available = true;  // false: no detector for this kind yet (damage), or its weights are missing
};

struct ProposedStep {
    std::string op;
    std::map<std::string, std::string> params;  // the chosen values, registry parameter names
    std::vector<std::string> chosen;            // keys whose values the analysis chose from the photo
    std::string reason;                         // the finding kinds it answers
    bool applied_by_auto = true;                // false: proposed only (upscale changes the size)
};

struct Analysis {
    AnalysisMeasures measures;
    std::vector<Finding> findings;  // every kind of analysis_kinds(), in that order
    std::vector<ProposedStep> steps;
    double seconds = 0;
    [[nodiscard]] const Finding* find(const std::string& kind) const;
    // Whether any finding reaches kFindingThreshold.
    [[nodiscard]] bool clean() const;
};

struct AnalysisOptions {
    bool text = true;  // run the text detector (needs ppocr-det-v4)
    DeviceKind device = DeviceKind::Cpu;
};

// The measurements alone (for calibration); `file_jpeg_quality` from jpeg_quality_of_file.
AnalysisMeasures measure_photo(const cv::Mat& pixels, int file_jpeg_quality, const AnalysisOptions& options = {},
                               ModelCache* models = nullptr);
// The calibrated mappings (analysis.cpp): IJG quality from blockiness, Gaussian blur sigma from the
// re-blur metric, the gain that recovers noise under a JPEG of a quality; the quality that counts
// (the lower of the file's tables and the pixels').
double quality_from_blockiness(double blockiness);
double blur_sigma_from_metric(double metric);
double noise_gain_under_jpeg(double quality);
double effective_jpeg_quality(const AnalysisMeasures& m);

// Findings and steps from measurements (the calibrated mappings).
Analysis analysis_from_measures(const AnalysisMeasures& m, const std::optional<Finding>& damage);

// The damage finding (scratches, dust, tears) from the old-photo damage detector; nullopt until
// that detector exists, and the finding is then reported as not available.
std::optional<Finding> damage_finding(const cv::Mat& pixels);

// Everything: measure, find, propose.
Analysis analyze_image(const cv::Mat& pixels, int file_jpeg_quality, const AnalysisOptions& options = {},
                       ModelCache* models = nullptr);
// Loads the file (load_image) and analyses it. Throws Error(Input) like load_image.
Analysis analyze_file(const std::filesystem::path& path, const AnalysisOptions& options = {},
                      ModelCache* models = nullptr);

// The JSON object of the CLI contract: {"file", "findings": [{"kind", "confidence", "level"}],
// "steps": [{"op", "params"}]} (single line).
std::string analysis_json(const Analysis& a, const std::string& file);
// The unit of a kind's level, for text ("σ", "quality", "px", ...).
std::string finding_unit(const std::string& kind);
// One sentence per finding that counts and per step ("noise σ≈18 → denoise, tunable, strength 0.6").
std::vector<std::string> analysis_sentences(const Analysis& a);

// Auto: the proposed steps that Auto applies, on a photo, each recorded as its own history entry.
struct AutoOutcome {
    Analysis analysis;
    std::vector<std::string> applied;  // op ids, in order
    bool unchanged = false;            // nothing to do: the photo was written as it was
    cv::Size size;
    std::vector<std::string> warnings;
};
AutoOutcome run_auto(const std::filesystem::path& input, const std::filesystem::path& output, DeviceKind device,
                     const ExportOptions& options, const JobControl& job, ModelCache* models = nullptr);

// Runs the steps that Auto applies on pixels (no files): the result and one history entry per
// step. Used by run_auto, the benchmark and the desktop app's Apply all.
struct AutoStepResult {
    ProposedStep step;  // with every parameter resolved
    OpResult result;
    int tile = -1;  // the tile it ran with (its history entry records it)
};
struct AutoRun {
    cv::Mat pixels;
    std::vector<AutoStepResult> results;
};
AutoRun apply_steps(const cv::Mat& pixels, const std::vector<ProposedStep>& steps, int file_jpeg_quality,
                    DeviceKind device, const JobControl& job, ModelCache* models);

}  // namespace restora
