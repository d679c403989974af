// TF.js graph models (the MAXIM packages of @upscalerjs: jax2tf exports, ~43,000 nodes, 43
// operator types) -> a Restora weight file holding the node list in topological order and every
// constant (float32 and int32, both stored as float32: the int32 constants are shape and index
// arithmetic, all far below 2^24). models/src/tf_graph.cpp executes it.
//
// Graph lines:  OP NAME IN1,IN2,...|- key=value ...
//   Const NAME - tensor=NAME dtype=float|int
//   keys kept: equation padding strides shrink_axis_mask begin_mask end_mask ellipsis_mask
//              new_axis_mask axis keep_dims squeeze_dims DstT batch_dims
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "restora/core/model_import.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error(ErrorKind::Processing, msg); }

std::string base64_decode(const std::string& in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0;
    int bits = -8;
    for (char c : in) {
        const auto pos = chars.find(c);
        if (pos == std::string::npos) break;
        val = (val << 6) + static_cast<int>(pos);
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((val >> bits) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

std::string clean(const std::string& s) {
    std::string r = s;
    for (char& c : r) {
        if (c == ' ' || c == ',' || c == '=') c = '_';
    }
    return r;
}

std::string attr_text(const json& v) {
    if (v.contains("s")) {  // e.g. an einsum equation "abcg,gf->abcf": only spaces would break the line
        std::string t = base64_decode(v["s"].get<std::string>());
        for (char& c : t) {
            if (c == ' ') c = '_';
        }
        return t;
    }
    if (v.contains("i"))
        return v["i"].is_string() ? v["i"].get<std::string>() : std::to_string(v["i"].get<long long>());
    if (v.contains("b")) return v["b"].get<bool>() ? "1" : "0";
    if (v.contains("type")) return v["type"].get<std::string>();
    if (v.contains("list")) {
        std::string s;
        const json& l = v["list"];
        if (l.contains("i")) {
            for (const auto& x : l["i"]) {
                if (!s.empty()) s += ',';
                s += x.is_string() ? x.get<std::string>() : std::to_string(x.get<long long>());
            }
        }
        return s.empty() ? "-" : s;
    }
    return "-";
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) fail("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

ModelStatus import_tfjs_graph_model(const ImportableModel& m, const fs::path& pkg, const fs::path& dir) {
    const fs::path model_dir = pkg / "models";
    std::ifstream mf(model_dir / "model.json");
    if (!mf) fail("missing " + (model_dir / "model.json").string() + " in " + m.package + "@" + m.version);
    const json model = json::parse(mf, nullptr, false);
    if (model.is_discarded() || model.value("format", "") != "graph-model") {
        fail((model_dir / "model.json").string() + " is not a TF.js graph model");
    }
    WeightFileContents out;
    std::map<std::string, std::string> const_dtype;
    int64_t parameters = 0;
    try {
        for (const auto& group : model.at("weightsManifest")) {
            std::vector<uint8_t> blob;
            for (const auto& p : group.at("paths")) {
                const std::vector<uint8_t> part = read_bytes(model_dir / p.get<std::string>());
                blob.insert(blob.end(), part.begin(), part.end());
            }
            size_t offset = 0;
            for (const auto& w : group.at("weights")) {
                RawTensor t;
                t.name = clean(w.at("name").get<std::string>());
                t.shape = w.at("shape").get<std::vector<int64_t>>();
                const std::string dtype = w.value("dtype", "float32");
                if (w.contains("quantization")) fail("weight " + t.name + " is quantised");
                size_t count = 1;
                for (int64_t d : t.shape) count *= static_cast<size_t>(d);
                if (offset + count * 4 > blob.size())
                    fail("the weight shards of " + m.id + " are shorter than model.json says");
                t.values.resize(count);
                if (dtype == "float32") {
                    std::memcpy(t.values.data(), blob.data() + offset, count * 4);
                    parameters += count > 1 ? static_cast<int64_t>(count) : 0;
                    const_dtype[t.name] = "float";
                } else if (dtype == "int32") {
                    for (size_t i = 0; i < count; ++i) {
                        int32_t v;
                        std::memcpy(&v, blob.data() + offset + 4 * i, 4);
                        t.values[i] = static_cast<float>(v);
                    }
                    const_dtype[t.name] = "int";
                } else {
                    fail("weight " + t.name + " has unsupported dtype " + dtype);
                }
                offset += count * 4;
                out.tensors.push_back(std::move(t));
            }
        }
        static const std::set<std::string> keep = {
            "equation",      "padding", "strides",   "shrink_axis_mask", "begin_mask", "end_mask",  "ellipsis_mask",
            "new_axis_mask", "axis",    "keep_dims", "squeeze_dims",     "DstT",       "batch_dims"};
        for (const auto& n : model.at("modelTopology").at("node")) {
            const std::string op = n.at("op");
            const std::string name = clean(n.at("name"));
            std::string ins;
            for (const auto& i : n.value("input", json::array())) {
                std::string s = i.get<std::string>();
                if (!s.empty() && s[0] == '^') continue;  // control dependency
                const auto colon = s.find(':');
                if (colon != std::string::npos) {
                    if (s.substr(colon + 1) != "0")
                        fail("node " + name + " reads output " + s + " (only single outputs)");
                    s = s.substr(0, colon);
                }
                if (!ins.empty()) ins += ',';
                ins += clean(s);
            }
            std::string line = op + " " + name + " " + (ins.empty() ? "-" : ins);
            if (op == "Const") {
                auto it = const_dtype.find(name);
                if (it == const_dtype.end()) fail("constant " + name + " has no value in the weight shards");
                line += " tensor=" + name + " dtype=" + it->second;
            }
            const json attrs = n.value("attr", json::object());
            for (const auto& [k, v] : attrs.items()) {
                if (keep.count(k)) line += " " + k + "=" + attr_text(v);
            }
            out.graph.push_back(line);
        }
        const std::string output = model.at("signature").at("outputs").begin().value().at("name").get<std::string>();
        out.graph.push_back("Output output " + clean(output.substr(0, output.find(':'))));
    } catch (const json::exception& e) {
        fail(std::string("model.json of ") + m.id + " has an unexpected structure: " + e.what());
    }
    out.meta = {{"id", m.id},
                {"format", "tf-graph"},
                {"multiple", std::to_string(m.multiple)},
                {"gflops_per_mp", std::to_string(m.gflops_per_mp)},
                {"peak_floats_per_px", std::to_string(m.peak_floats_per_px)},
                {"input_range", "[0,1] NHWC RGB"},
                {"source", m.package + "@" + m.version},
                {"licence", m.licence}};
    ModelEntry e;
    e.id = m.id;
    e.task = m.task;
    e.source = m.package + "@" + m.version;
    e.licence = m.licence;
    e.parameters = parameters;
    e.input_range = "[0,1]";
    e.scale = 1;
    e.multiple = m.multiple;
    return install_imported_model(dir, out, e);
}

}  // namespace restora
