#include "restora/models/weight_file.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

void save_weight_file(const fs::path& path, const WeightFileContents& c) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(ErrorKind::Processing, "cannot write " + path.string());
    f << "RSTW 1\n";
    f << "meta " << c.meta.size() << "\n";
    for (const auto& [k, v] : c.meta) f << k << " " << v << "\n";
    f << "graph " << c.graph.size() << "\n";
    for (const auto& line : c.graph) f << line << "\n";
    f << "tensors " << c.tensors.size() << "\n";
    for (const auto& t : c.tensors) {
        f << t.name << " " << t.shape.size();
        for (int64_t d : t.shape) f << " " << d;
        f << "\n";
    }
    f << "data\n";
    for (const auto& t : c.tensors) {
        f.write(reinterpret_cast<const char*>(t.values.data()),
                static_cast<std::streamsize>(t.values.size() * sizeof(float)));
    }
    f.flush();
    if (!f) throw Error(ErrorKind::Processing, "writing " + path.string() + " failed (disk full?)");
}

std::map<std::string, std::string> read_weight_meta(const fs::path& path) {
    std::map<std::string, std::string> meta;
    std::ifstream f(path, std::ios::binary);
    std::string line;
    if (!std::getline(f, line) || line != "RSTW 1" || !std::getline(f, line) || line.rfind("meta ", 0) != 0) {
        return meta;
    }
    const size_t n = std::stoul(line.substr(5));
    for (size_t i = 0; i < n && std::getline(f, line); ++i) {
        const auto sp = line.find(' ');
        meta[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
    return meta;
}

WeightFileContents load_weight_file(const fs::path& path) {
    auto bad = [&](const std::string& why) {
        return Error(ErrorKind::Processing, "weight file " + path.string() + " is damaged (" + why + ")");
    };
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(ErrorKind::Processing, "weight file " + path.string() + " cannot be opened");
    std::string line;
    if (!std::getline(f, line) || line != "RSTW 1") throw bad("not a Restora weight file");
    WeightFileContents c;
    auto section = [&](const std::string& name) {
        if (!std::getline(f, line) || line.rfind(name + " ", 0) != 0) throw bad("missing " + name);
        return std::stoul(line.substr(name.size() + 1));
    };
    const size_t n_meta = section("meta");
    for (size_t i = 0; i < n_meta && std::getline(f, line); ++i) {
        const auto sp = line.find(' ');
        c.meta[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
    const size_t n_graph = section("graph");
    for (size_t i = 0; i < n_graph && std::getline(f, line); ++i) c.graph.push_back(line);
    const size_t n_tensors = section("tensors");
    for (size_t i = 0; i < n_tensors && std::getline(f, line); ++i) {
        std::istringstream s(line);
        RawTensor t;
        size_t ndim = 0;
        s >> t.name >> ndim;
        int64_t count = 1;
        for (size_t d = 0; d < ndim; ++d) {
            int64_t v = 0;
            s >> v;
            if (v <= 0) throw bad("bad shape of " + t.name);
            t.shape.push_back(v);
            count *= v;
        }
        if (!s) throw bad("bad tensor line");
        t.values.resize(static_cast<size_t>(count));
        c.tensors.push_back(std::move(t));
    }
    if (!std::getline(f, line) || line != "data") throw bad("missing data");
    for (auto& t : c.tensors) {
        f.read(reinterpret_cast<char*>(t.values.data()), static_cast<std::streamsize>(t.values.size() * sizeof(float)));
        if (f.gcount() != static_cast<std::streamsize>(t.values.size() * sizeof(float))) throw bad("truncated");
    }
    if (f.peek() != std::char_traits<char>::eof()) throw bad("trailing bytes");
    return c;
}

}  // namespace restora
