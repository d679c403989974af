// Executes the layer graphs written by core's ONNX importer (onnx_import.cpp documents the line
// format) on libtorch, CPU or CUDA. Values are freed after their last use.
#include <torch/torch.h>

#include <map>
#include <sstream>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

enum class Op {
    Input,
    Conv,
    ConvT,
    Affine,
    Relu,
    Sigmoid,
    HardSigmoid,
    Clip,
    Add,
    Mul,
    Div,
    Gap,
    Upsample,
    Concat,
    Output
};

struct Node {
    Op op = Op::Input;
    std::string name;
    std::vector<int> inputs;
    torch::Tensor weight;
    torch::Tensor bias;
    torch::Tensor constant;
    bool const_first = false;
    std::vector<int64_t> stride{1, 1};
    std::vector<int64_t> pad{0, 0, 0, 0};
    std::vector<int64_t> dilation{1, 1};
    int64_t group = 1;
    double a = 0;
    double b = 0;
    int last_use = -1;
};

std::vector<int64_t> parse_ints(const std::string& s) {
    std::vector<int64_t> v;
    std::istringstream in(s);
    std::string tok;
    while (std::getline(in, tok, ',')) v.push_back(std::stoll(tok));
    return v;
}

torch::Tensor binary(Op op, const torch::Tensor& x, const torch::Tensor& y) {
    switch (op) {
        case Op::Add:
            return x + y;
        case Op::Mul:
            return x * y;
        default:
            return x / y;
    }
}

class OnnxGraph : public MapNetwork {
  public:
    OnnxGraph(std::vector<Node> nodes, torch::Device device, int multiple, std::map<std::string, std::string> meta)
        : nodes_(std::move(nodes)), device_(device), multiple_(multiple), meta_(std::move(meta)) {}

    [[nodiscard]] int multiple() const override { return multiple_; }
    [[nodiscard]] const std::map<std::string, std::string>& meta() const override { return meta_; }

    int run(int w, int h, const float* input, std::vector<float>& output) override {
        if (w % multiple_ != 0 || h % multiple_ != 0) {
            throw Error(ErrorKind::Processing, "network input must be a multiple of " + std::to_string(multiple_));
        }
        torch::NoGradGuard no_grad;
        const torch::Tensor x = torch::from_blob(const_cast<float*>(input), {1, 3, h, w}, torch::kFloat32).to(device_);
        std::vector<torch::Tensor> values(nodes_.size());
        torch::Tensor result;
        for (size_t i = 0; i < nodes_.size(); ++i) {
            const Node& n = nodes_[i];
            const auto in = [&](size_t k) -> const torch::Tensor& { return values[n.inputs.at(k)]; };
            torch::Tensor v;
            switch (n.op) {
                case Op::Input:
                    v = x;
                    break;
                case Op::Conv: {
                    torch::Tensor t = in(0);
                    if (n.pad[0] != n.pad[2] || n.pad[1] != n.pad[3]) {
                        t = torch::constant_pad_nd(t, {n.pad[1], n.pad[3], n.pad[0], n.pad[2]});
                        v = torch::conv2d(t, n.weight, n.bias, n.stride, torch::IntArrayRef({0, 0}), n.dilation,
                                          n.group);
                    } else {
                        v = torch::conv2d(t, n.weight, n.bias, n.stride, torch::IntArrayRef({n.pad[0], n.pad[1]}),
                                          n.dilation, n.group);
                    }
                    break;
                }
                case Op::ConvT:
                    if (n.pad[0] != n.pad[2] || n.pad[1] != n.pad[3]) {
                        throw Error(ErrorKind::Processing, n.name + ": asymmetric transposed-convolution padding");
                    }
                    v = torch::conv_transpose2d(in(0), n.weight, n.bias, n.stride,
                                                torch::IntArrayRef({n.pad[0], n.pad[1]}), torch::IntArrayRef({0, 0}),
                                                n.group);
                    break;
                case Op::Affine:
                    v = in(0) * n.weight + n.bias;
                    break;
                case Op::Relu:
                    v = torch::relu(in(0));
                    break;
                case Op::Sigmoid:
                    v = torch::sigmoid(in(0));
                    break;
                case Op::HardSigmoid:
                    v = torch::clamp(in(0) * n.a + n.b, 0.0, 1.0);
                    break;
                case Op::Clip:
                    v = torch::clamp(in(0), n.a, n.b);
                    break;
                case Op::Add:
                case Op::Mul:
                case Op::Div:
                    if (n.constant.defined()) {
                        v = n.const_first ? binary(n.op, n.constant, in(0)) : binary(n.op, in(0), n.constant);
                    } else {
                        v = binary(n.op, in(0), in(1));
                    }
                    break;
                case Op::Gap:
                    v = in(0).mean({2, 3}, true);
                    break;
                case Op::Upsample: {
                    const torch::Tensor& t = in(0);
                    const int64_t fh = static_cast<int64_t>(n.a);
                    const int64_t fw = static_cast<int64_t>(n.b);
                    // Exact pixel replication (ONNX asymmetric + floor with integer factors).
                    v = t.unsqueeze(3)
                            .unsqueeze(5)
                            .expand({t.size(0), t.size(1), t.size(2), fh, t.size(3), fw})
                            .reshape({t.size(0), t.size(1), t.size(2) * fh, t.size(3) * fw});
                    break;
                }
                case Op::Concat: {
                    std::vector<torch::Tensor> parts;
                    for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(in(k));
                    v = torch::cat(parts, 1);
                    break;
                }
                case Op::Output:
                    result = in(0);
                    break;
            }
            values[i] = v;
            // Free what no later node reads.
            for (int k : n.inputs) {
                if (nodes_[k].last_use == static_cast<int>(i)) values[k] = torch::Tensor();
            }
        }
        result = result.to(torch::kCPU).contiguous();
        if (result.dim() != 4 || result.size(2) != h || result.size(3) != w) {
            throw Error(ErrorKind::Processing, "the network's output does not have the input's size");
        }
        output.assign(result.data_ptr<float>(), result.data_ptr<float>() + result.numel());
        return static_cast<int>(result.size(1));
    }

  private:
    std::vector<Node> nodes_;
    torch::Device device_;
    int multiple_;
    std::map<std::string, std::string> meta_;
};

}  // namespace

std::unique_ptr<MapNetwork> load_onnx_graph(const fs::path& file, DeviceKind device_kind) {
    const torch::Device device = to_torch_device(device_kind);
    WeightFileContents c = load_weight_file(file);
    if (c.meta["format"] != "onnx-graph") {
        throw Error(ErrorKind::Processing, file.string() + " is not an imported ONNX graph");
    }
    std::map<std::string, torch::Tensor> tensors;
    for (auto& t : c.tensors) {
        tensors[t.name] = torch::from_blob(t.values.data(), t.shape, torch::kFloat32).clone().to(device);
    }
    static const std::map<std::string, Op> ops = {{"input", Op::Input},
                                                  {"conv", Op::Conv},
                                                  {"convtranspose", Op::ConvT},
                                                  {"affine", Op::Affine},
                                                  {"relu", Op::Relu},
                                                  {"sigmoid", Op::Sigmoid},
                                                  {"hardsigmoid", Op::HardSigmoid},
                                                  {"clip", Op::Clip},
                                                  {"add", Op::Add},
                                                  {"mul", Op::Mul},
                                                  {"div", Op::Div},
                                                  {"gap", Op::Gap},
                                                  {"upsample_nearest", Op::Upsample},
                                                  {"concat", Op::Concat},
                                                  {"output", Op::Output}};
    std::map<std::string, int> index;
    std::vector<Node> nodes;
    const auto tensor = [&](const std::string& name) {
        auto it = tensors.find(name);
        if (it == tensors.end()) throw Error(ErrorKind::Processing, file.string() + ": missing tensor " + name);
        return it->second;
    };
    try {
        for (const std::string& line : c.graph) {
            std::istringstream s(line);
            std::string op;
            std::string name;
            std::string inputs;
            s >> op >> name >> inputs;
            auto o = ops.find(op);
            if (o == ops.end()) throw Error(ErrorKind::Processing, file.string() + ": unknown layer type " + op);
            Node n;
            n.op = o->second;
            n.name = name;
            if (inputs != "-") {
                std::istringstream ins(inputs);
                std::string in;
                while (std::getline(ins, in, ',')) {
                    auto it = index.find(in);
                    if (it == index.end())
                        throw Error(ErrorKind::Processing, file.string() + ": " + name + " reads unknown " + in);
                    nodes[it->second].last_use = static_cast<int>(nodes.size());
                    n.inputs.push_back(it->second);
                }
            }
            std::map<std::string, std::string> kv;
            std::string tok;
            while (s >> tok) {
                const auto eq = tok.find('=');
                if (eq != std::string::npos) kv[tok.substr(0, eq)] = tok.substr(eq + 1);
            }
            const auto get = [&](const std::string& k) {
                auto it = kv.find(k);
                if (it == kv.end()) throw Error(ErrorKind::Processing, file.string() + ": " + name + " lacks " + k);
                return it->second;
            };
            switch (n.op) {
                case Op::Conv:
                case Op::ConvT:
                    n.weight = tensor(get("weight"));
                    if (kv.count("bias")) n.bias = tensor(kv["bias"]);
                    n.stride = parse_ints(get("stride"));
                    n.pad = parse_ints(get("pad"));
                    n.group = std::stoll(get("group"));
                    if (kv.count("dilation")) n.dilation = parse_ints(kv["dilation"]);
                    break;
                case Op::Affine:
                    n.weight = tensor(get("mul"));
                    n.bias = tensor(get("add"));
                    break;
                case Op::HardSigmoid:
                    n.a = std::stod(get("alpha"));
                    n.b = std::stod(get("beta"));
                    break;
                case Op::Clip:
                    n.a = std::stod(get("min"));
                    n.b = std::stod(get("max"));
                    break;
                case Op::Add:
                case Op::Mul:
                case Op::Div:
                    if (kv.count("const")) {
                        n.constant = tensor(kv["const"]);
                        n.const_first = kv.count("const_first") != 0;
                    } else if (n.inputs.size() != 2) {
                        throw Error(ErrorKind::Processing, file.string() + ": " + name + " needs two inputs");
                    }
                    break;
                case Op::Upsample:
                    n.a = std::stod(get("factor_h"));
                    n.b = std::stod(get("factor_w"));
                    break;
                default:
                    break;
            }
            index[name] = static_cast<int>(nodes.size());
            nodes.push_back(std::move(n));
        }
    } catch (const std::invalid_argument&) {
        throw Error(ErrorKind::Processing, file.string() + ": a malformed number in the graph");
    }
    if (nodes.empty() || nodes.back().op != Op::Output || nodes.front().op != Op::Input) {
        throw Error(ErrorKind::Processing, file.string() + ": the graph has no input or output");
    }
    const int multiple = c.meta.count("multiple") ? std::stoi(c.meta["multiple"]) : 1;
    return std::make_unique<OnnxGraph>(std::move(nodes), device, multiple, c.meta);
}

}  // namespace restora
