#include "restora/core/model_store.h"

#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "restora/core/sha256.h"

#ifndef RESTORA_INSTALL_PREFIX
#define RESTORA_INSTALL_PREFIX "/usr/local"
#endif

namespace restora {

namespace fs = std::filesystem;

std::vector<fs::path> model_search_path() {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("RESTORA_MODEL_DIR"); env != nullptr && *env != 0) dirs.emplace_back(env);
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
        dirs.push_back(fs::path(home) / ".local/share/restora/models");
    }
    dirs.push_back(fs::path(RESTORA_INSTALL_PREFIX) / "share/restora/models");
    return dirs;
}

namespace {

const char* state_name(ModelState s) {
    switch (s) {
        case ModelState::Installed: return "installed";
        case ModelState::Missing: return "missing";
        case ModelState::Corrupt: return "corrupt";
    }
    return "missing";
}

}  // namespace

std::vector<ModelStatus> list_models() {
    std::vector<ModelStatus> out;
    std::set<std::string> seen;
    for (const fs::path& dir : model_search_path()) {
        const fs::path manifest = dir / "manifest.json";
        std::ifstream f(manifest);
        if (!f) continue;
        nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
        if (j.is_discarded() || !j.contains("models")) continue;
        for (const auto& m : j["models"]) {
            ModelStatus s;
            s.entry.id = m.value("id", "");
            if (s.entry.id.empty() || !seen.insert(s.entry.id).second) continue;
            s.entry.task = m.value("task", "");
            s.entry.source = m.value("source", "");
            s.entry.licence = m.value("licence", "");
            s.entry.parameters = m.value("parameters", int64_t{0});
            s.entry.input_range = m.value("input_range", "");
            s.entry.scale = m.value("scale", 1);
            s.entry.multiple = m.value("multiple", 1);
            s.entry.file = m.value("file", "");
            s.entry.sha256 = m.value("sha256", "");
            s.path = dir / s.entry.file;
            s.restore_command = "restora-cli models import " + s.entry.id;
            if (!fs::is_regular_file(s.path)) {
                s.state = ModelState::Missing;
            } else {
                s.state = sha256_file(s.path) == s.entry.sha256 ? ModelState::Installed : ModelState::Corrupt;
            }
            out.push_back(s);
        }
    }
    return out;
}

std::string models_json(const std::vector<ModelStatus>& models) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : models) {
        list.push_back({{"id", m.entry.id},          {"task", m.entry.task},
                        {"state", state_name(m.state)}, {"path", m.path.string()},
                        {"source", m.entry.source},  {"licence", m.entry.licence},
                        {"parameters", m.entry.parameters}, {"sha256", m.entry.sha256},
                        {"restore", m.restore_command}});
    }
    nlohmann::json dirs = nlohmann::json::array();
    for (const auto& d : model_search_path()) dirs.push_back(d.string());
    return nlohmann::json{{"models", list}, {"search_path", dirs}}.dump(2);
}

}  // namespace restora
