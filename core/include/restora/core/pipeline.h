#pragma once
// One edit of one file, end to end, as the CLI runs it and the GUI's export does: validate
// everything first, load, run the operation, record the history, export safely. And replay.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/registry.h"

namespace restora {

struct EditRequest {
    std::string op;
    std::map<std::string, std::string> params;
    std::filesystem::path input;
    std::filesystem::path output;
    std::filesystem::path mask;  // empty: none
    DeviceKind device = DeviceKind::Auto;
    int tile = 512;                  // the CLI's default: default_tile_for
    std::string precision = "auto";  // auto | fp32 | bf16 | fp16 (resolve_precision)
    ExportOptions export_options;
};

struct ValidatedEdit {
    EditRequest request;
    const Operation* op = nullptr;
    Params params;
};

struct EditOutcome {
    cv::Size input_size;
    cv::Size output_size;
    std::vector<std::string> warnings;
};

// Checks what needs no pixels: the operation, its parameters and their combination, the mask
// rule, the device, the output format and the weights. Throws Error(Usage/Processing).
ValidatedEdit validate_edit(const EditRequest& request);

// Runs a validated edit. Throws Error(Input) for bad inputs, Error(Processing) for failures,
// Cancelled when job.cancel is requested; nothing is left behind on failure.
// `models` (optional) keeps loaded models for the next edit of a batch.
EditOutcome run_edit(const ValidatedEdit& edit, const JobControl& job, ModelCache* models = nullptr);

// Re-runs the history stored in `edited` on `input` and exports to `output`. Without `tile`, each
// step runs with the tile it recorded, or with default_tile(device) when it recorded none (the
// default those histories were written with). Without `precision` (auto | fp32 | bf16 | fp16), each
// step runs in the precision it recorded where `auto` means the same here (bfloat16 on a CPU with
// native bfloat16, float16 on CUDA), else in float32 with a warning.
EditOutcome replay_edit(const std::filesystem::path& edited, const std::filesystem::path& input,
                        const std::filesystem::path& output, DeviceKind device, std::optional<int> tile,
                        const ExportOptions& options, const JobControl& job,
                        const std::optional<std::string>& precision = std::nullopt);

// The history entry of one run of `op`, which used `tile`.
HistoryEntry history_entry(const Operation& op, const Params& params, const OpResult& result, int tile);

// The folder that holds the masks of an output: OUT.restora/
std::filesystem::path mask_folder_for(const std::filesystem::path& output);

// Writes a mask as OUT.restora/<sha256>.png (once) and returns the sha256.
std::string store_mask(const cv::Mat& mask, const std::filesystem::path& output);

// The masks one export writes next to its output. Unless commit() is called (after the output
// is in place), the destructor removes the masks it wrote and OUT.restora/ when it created the
// folder: a failed export leaves nothing behind.
class MaskStore {
  public:
    explicit MaskStore(std::filesystem::path output);
    ~MaskStore();
    MaskStore(const MaskStore&) = delete;
    MaskStore& operator=(const MaskStore&) = delete;
    std::string store(const cv::Mat& mask);  // the sha256
    void commit() { committed_ = true; }

  private:
    std::filesystem::path output_;
    std::vector<std::filesystem::path> written_;
    bool created_folder_ = false;
    bool committed_ = false;
};
// A JPEG EXIF thumbnail (160 px on the long side) of the pixels.
std::vector<uint8_t> make_exif_thumbnail(const cv::Mat& pixels);

// Exports pixels with the source's metadata and this history (thumbnail regenerated for JPEG);
// returns export_image's warnings.
std::vector<std::string> export_with_history(const cv::Mat& pixels, const Metadata& metadata, const History& history,
                                             const std::filesystem::path& output, const ExportOptions& options);

// A side-by-side before/after image (before scaled to after's geometry), labelled.
cv::Mat side_by_side(const cv::Mat& before, const cv::Mat& after);

}  // namespace restora
