#pragma once
// Model files (ARCHITECTURE.md): manifests found on the search path, each entry checked against
// its weight file's sha256.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace restora {

struct ModelEntry {
    std::string id;
    std::string task;
    std::string source;  // package@version or training run
    std::string licence;
    int64_t parameters = 0;
    std::string input_range;
    int scale = 1;
    int multiple = 1;
    std::string file;  // weight file, relative to the manifest's folder
    std::string sha256;
};

enum class ModelState { Installed, Missing, Corrupt };

struct ModelStatus {
    ModelEntry entry;
    ModelState state = ModelState::Missing;
    std::filesystem::path path;
    std::string restore_command;  // what a person runs to fix a missing or corrupt model
};

// <exe_dir>/../share/restora: the data installed with the binaries (<prefix>/share/restora), or
// in the build tree the copy the build makes (<build>/share/restora). Empty if unknown.
std::filesystem::path bundled_data_dir();
// $RESTORA_MODEL_DIR, ~/.local/share/restora/models, then bundled_data_dir()/models (the
// committed weights the project trained).
std::vector<std::filesystem::path> model_search_path();
// Every manifest entry on the search path (the first folder that lists an id wins).
std::vector<ModelStatus> list_models();
std::string models_json(const std::vector<ModelStatus>& models);
// The status of one model id (only its own weight file is hashed); Missing with the restoring
// command when no manifest on the search path lists it.
ModelStatus find_model(const std::string& id);
// Adds or replaces an entry in dir/manifest.json (written through a temp file and a rename).
void add_to_manifest(const std::filesystem::path& dir, const ModelEntry& entry);
// Throws Error(Processing) naming the restoring command unless `id` is installed and intact.
ModelStatus require_model(const std::string& id);

}  // namespace restora
