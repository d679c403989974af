#include "restora/core/model_store.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "restora/core/model_import.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

fs::path bundled_data_dir() {
    // No path is compiled in: the data folder is found beside the running binary, the same way
    // in the build tree (<build>/app/..) and in an installation (<prefix>/bin/..).
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty()) return {};
    return exe.parent_path().parent_path() / "share/restora";
}

std::vector<fs::path> model_search_path() {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("RESTORA_MODEL_DIR"); env != nullptr && *env != 0) dirs.emplace_back(env);
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
        dirs.push_back(fs::path(home) / ".local/share/restora/models");
    }
    if (const fs::path data = bundled_data_dir(); !data.empty()) dirs.push_back(data / "models");
    return dirs;
}

namespace {

const char* state_name(ModelState s) {
    switch (s) {
        case ModelState::Installed:
            return "installed";
        case ModelState::Missing:
            return "missing";
        case ModelState::Corrupt:
            return "corrupt";
    }
    return "missing";
}

}  // namespace

namespace {

ModelEntry entry_from_json(const nlohmann::json& m) {
    ModelEntry e;
    e.id = m.value("id", "");
    e.task = m.value("task", "");
    e.source = m.value("source", "");
    e.licence = m.value("licence", "");
    e.parameters = m.value("parameters", int64_t{0});
    e.input_range = m.value("input_range", "");
    e.scale = m.value("scale", 1);
    e.multiple = m.value("multiple", 1);
    e.file = m.value("file", "");
    e.sha256 = m.value("sha256", "");
    return e;
}

nlohmann::json entry_to_json(const ModelEntry& e) {
    return {{"id", e.id},
            {"task", e.task},
            {"source", e.source},
            {"licence", e.licence},
            {"parameters", e.parameters},
            {"input_range", e.input_range},
            {"scale", e.scale},
            {"multiple", e.multiple},
            {"file", e.file},
            {"sha256", e.sha256}};
}

// Published models are re-imported; the project's own trained weights ship with Restora.
std::string restore_command_for(const std::string& id) {
    if (find_importable(id) != nullptr || id.rfind("esrgan-", 0) == 0) return "restora-cli models import " + id;
    return "git checkout models/weights (or reinstall Restora) to restore " + id;
}

// Manifest entries on the search path, first folder first, without hashing anything.
std::vector<ModelStatus> manifest_entries() {
    std::vector<ModelStatus> out;
    std::set<std::string> seen;
    for (const fs::path& dir : model_search_path()) {
        std::ifstream f(dir / "manifest.json");
        if (!f) continue;
        nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
        if (j.is_discarded() || !j.contains("models")) continue;
        for (const auto& m : j["models"]) {
            ModelStatus s;
            s.entry = entry_from_json(m);
            if (s.entry.id.empty() || !seen.insert(s.entry.id).second) continue;
            s.path = dir / s.entry.file;
            s.restore_command = restore_command_for(s.entry.id);
            out.push_back(s);
        }
    }
    return out;
}

// The sha256 of a weight file, computed once per process while its size and modification time
// stay the same: hashing a MAXIM file (68-106 MB) takes 0.3-0.5 s, and a tool's availability,
// its job estimate and its default tile each look the model up, on the GUI thread too.
std::string cached_sha256(const fs::path& path) {
    static std::mutex mutex;
    static std::map<std::string, std::tuple<uintmax_t, fs::file_time_type, std::string>> known;
    const uintmax_t size = fs::file_size(path);
    const fs::file_time_type mtime = fs::last_write_time(path);
    const std::lock_guard<std::mutex> lock(mutex);
    auto it = known.find(path.string());
    if (it != known.end() && std::get<0>(it->second) == size && std::get<1>(it->second) == mtime) {
        return std::get<2>(it->second);
    }
    std::string sha = sha256_file(path);
    known[path.string()] = {size, mtime, sha};
    return sha;
}

void check_state(ModelStatus& s) {
    if (!fs::is_regular_file(s.path)) {
        s.state = ModelState::Missing;
    } else {
        s.state = cached_sha256(s.path) == s.entry.sha256 ? ModelState::Installed : ModelState::Corrupt;
    }
}

}  // namespace

ModelStatus find_model(const std::string& id) {
    for (ModelStatus s : manifest_entries()) {
        if (s.entry.id == id) {
            check_state(s);
            return s;
        }
    }
    ModelStatus s;
    s.entry.id = id;
    s.state = ModelState::Missing;
    s.restore_command = restore_command_for(id);
    return s;
}

ModelStatus require_model(const std::string& id) {
    ModelStatus s = find_model(id);
    if (s.state == ModelState::Installed) return s;
    const std::string what = s.state == ModelState::Corrupt
                                 ? "is corrupt (" + s.path.string() + " does not match its sha256)"
                                 : "is not installed";
    throw Error(ErrorKind::Processing, "model " + id + " " + what + "; run: " + s.restore_command);
}

void add_to_manifest(const fs::path& dir, const ModelEntry& entry) {
    nlohmann::json j = {{"models", nlohmann::json::array()}};
    {
        std::ifstream f(dir / "manifest.json");
        if (f) {
            nlohmann::json old = nlohmann::json::parse(f, nullptr, false);
            if (!old.is_discarded() && old.contains("models")) j = old;
        }
    }
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : j["models"]) {
        if (m.value("id", "") != entry.id) models.push_back(m);
    }
    models.push_back(entry_to_json(entry));
    j["models"] = models;
    const std::string text = j.dump(2) + "\n";
    const fs::path tmp = dir / ".manifest.json.tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << text;
        if (!f) throw Error(ErrorKind::Processing, "cannot write " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, dir / "manifest.json", ec);
    if (ec)
        throw Error(ErrorKind::Processing, "cannot update " + (dir / "manifest.json").string() + ": " + ec.message());
}

std::vector<ModelStatus> list_models() {
    std::vector<ModelStatus> out = manifest_entries();
    for (ModelStatus& s : out) check_state(s);
    return out;
}

std::string models_json(const std::vector<ModelStatus>& models) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : models) {
        list.push_back({{"id", m.entry.id},
                        {"task", m.entry.task},
                        {"state", state_name(m.state)},
                        {"path", m.path.string()},
                        {"source", m.entry.source},
                        {"licence", m.entry.licence},
                        {"parameters", m.entry.parameters},
                        {"sha256", m.entry.sha256},
                        {"restore", m.restore_command}});
    }
    nlohmann::json dirs = nlohmann::json::array();
    for (const auto& d : model_search_path()) dirs.push_back(d.string());
    return nlohmann::json{{"models", list}, {"search_path", dirs}}.dump(2);
}

}  // namespace restora
