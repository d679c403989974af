// The plain executor for imported Keras SR models (graph format: graph_exec.h). Values are freed
// after their last use, so memory stays near the widest cut of the graph.
#include <torch/torch.h>

#include <map>
#include <sstream>

#include "restora/models/graph_exec.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

namespace restora {

namespace fs = std::filesystem;

namespace graph {

namespace {

Op parse_op(const std::string& s) {
    static const std::map<std::string, Op> ops = {{"input", Op::Input},
                                                  {"conv2d", Op::Conv},
                                                  {"relu", Op::Relu},
                                                  {"leaky_relu", Op::LeakyRelu},
                                                  {"prelu", Op::PRelu},
                                                  {"pixel_shuffle", Op::PixelShuffle},
                                                  {"concat", Op::Concat},
                                                  {"add", Op::Add},
                                                  {"scale", Op::Scale},
                                                  {"upsample_nearest", Op::Upsample},
                                                  {"depth_to_space", Op::DepthToSpace},
                                                  {"space_to_depth", Op::SpaceToDepth},
                                                  {"output", Op::Output}};
    auto it = ops.find(s);
    if (it == ops.end()) throw Error(ErrorKind::Processing, "unknown layer type '" + s + "' in weight file");
    return it->second;
}

// TensorFlow's depth_to_space on NCHW data: channel index (i*B + j)*C + c of the input becomes
// channel c at offset (i, j) of each B x B block (torch's pixel_shuffle expects c*B*B + i*B + j).
torch::Tensor depth_to_space_tf(const torch::Tensor& x, int64_t b) {
    const int64_t n = x.size(0);
    const int64_t c = x.size(1) / (b * b);
    const int64_t h = x.size(2);
    const int64_t w = x.size(3);
    return x.view({n, b, b, c, h, w}).permute({0, 3, 4, 1, 5, 2}).reshape({n, c, h * b, w * b});
}

// The inverse of depth_to_space_tf.
torch::Tensor space_to_depth_tf(const torch::Tensor& x, int64_t b) {
    const int64_t n = x.size(0);
    const int64_t c = x.size(1);
    const int64_t h = x.size(2) / b;
    const int64_t w = x.size(3) / b;
    return x.view({n, c, h, b, w, b}).permute({0, 3, 5, 1, 2, 4}).reshape({n, b * b * c, h, w});
}

std::map<std::string, std::string> parse_kv(std::istringstream& s) {
    std::map<std::string, std::string> kv;
    std::string tok;
    while (s >> tok) {
        const auto eq = tok.find('=');
        if (eq != std::string::npos) kv[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
    return kv;
}

class GraphModel : public TorchImageModel {
  public:
    GraphModel(ModelTraits traits, torch::Device device, std::vector<Node> nodes, std::vector<torch::Tensor> weights,
               std::vector<torch::Tensor> biases, double input_max, double output_max)
        : TorchImageModel(std::move(traits), device),
          nodes_(std::move(nodes)),
          last_use_(last_uses(nodes_)),
          weights_(std::move(weights)),
          biases_(std::move(biases)),
          input_max_(input_max),
          output_max_(output_max) {}

    bool set_half(bool half) override {
        if (half && !device().is_cuda()) return false;
        const auto dtype = half ? torch::kFloat16 : torch::kFloat32;
        for (auto& w : weights_)
            if (w.defined()) w = w.to(dtype);
        for (auto& b : biases_)
            if (b.defined()) b = b.to(dtype);
        half_ = half;
        return true;
    }

    // bfloat16 on the CPU: weights and activations in bfloat16 (oneDNN accumulates each
    // convolution in float32), channels-last; the float32 weights are kept, so switching back is
    // exact. Measured on a photo (bench_models, all twelve): 1.8-3.1x faster (about 2x), 54.1-57.7
    // dB from float32 (docs/PERFORMANCE.md, "bfloat16 on the CPU").
    bool set_float_type(torch::ScalarType type) override {
        if (type != torch::kBFloat16) {
            bf16_weights_.clear();
            bf16_biases_.clear();
            return TorchImageModel::set_float_type(type);
        }
        if (device().is_cuda() || !set_half(false)) return false;
        bf16_weights_.clear();
        bf16_biases_.clear();
        for (const auto& w : weights_) {
            bf16_weights_.push_back(!w.defined() ? w
                                    : w.dim() == 4
                                        ? w.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast)
                                        : w.to(torch::kBFloat16));
        }
        for (const auto& b : biases_) bf16_biases_.push_back(b.defined() ? b.to(torch::kBFloat16) : b);
        return true;
    }

    torch::Tensor forward(const torch::Tensor& input) override {
        const bool bf16 = !bf16_weights_.empty();
        const torch::Tensor x = half_  ? input.to(torch::kFloat16)
                                : bf16 ? input.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast)
                                       : input;
        const auto& w = bf16 ? bf16_weights_ : weights_;
        const auto& b = bf16 ? bf16_biases_ : biases_;
        torch::Tensor out = run(nodes_, last_use_, x, input_max_, output_max_, [&](size_t i, const torch::Tensor& v) {
            if (nodes_[i].op == Op::PRelu) return torch::prelu(v, w[i]);
            return torch::conv2d(v, w[i], b[i], 1, nodes_[i].ivalue);
        });
        return half_ || bf16 ? out.to(torch::kFloat32) : out;
    }

  private:
    std::vector<Node> nodes_;
    std::vector<int> last_use_;
    std::vector<torch::Tensor> weights_;
    std::vector<torch::Tensor> biases_;
    double input_max_;
    double output_max_;
    bool half_ = false;
    std::vector<torch::Tensor> bf16_weights_;  // set_float_type(kBFloat16); empty in float32
    std::vector<torch::Tensor> bf16_biases_;
};

}  // namespace

std::vector<Node> parse(const std::vector<std::string>& lines, const std::string& file) {
    std::map<std::string, int> index;
    std::vector<Node> nodes;
    try {
        for (const std::string& line : lines) {
            std::istringstream s(line);
            std::string op;
            std::string name;
            std::string inputs;
            s >> op >> name >> inputs;
            Node n;
            n.op = parse_op(op);
            n.name = name;
            if (inputs != "-") {
                std::istringstream ins(inputs);
                std::string in;
                while (std::getline(ins, in, ',')) {
                    auto it = index.find(in);
                    if (it == index.end())
                        throw Error(ErrorKind::Processing, file + ": layer " + name + " reads unknown " + in);
                    n.inputs.push_back(it->second);
                }
            }
            const auto kv = parse_kv(s);
            if (n.op == Op::Conv) {
                n.weight = kv.at("weight");
                n.bias = kv.at("bias");
                n.ivalue = std::stoi(kv.at("pad"));
            } else if (n.op == Op::Scale) {
                n.fvalue = std::stod(kv.at("value"));
            } else if (n.op == Op::Upsample) {
                n.ivalue = std::stoi(kv.at("factor"));
            } else if (n.op == Op::LeakyRelu) {
                n.fvalue = std::stod(kv.at("slope"));
            } else if (n.op == Op::PRelu) {
                n.weight = kv.at("weight");
            } else if (n.op == Op::DepthToSpace || n.op == Op::SpaceToDepth || n.op == Op::PixelShuffle) {
                n.ivalue = std::stoi(kv.at("block"));
            }
            index[name] = static_cast<int>(nodes.size());
            nodes.push_back(std::move(n));
        }
    } catch (const std::out_of_range&) {
        throw Error(ErrorKind::Processing, file + ": a layer lacks a parameter");
    } catch (const std::invalid_argument&) {
        throw Error(ErrorKind::Processing, file + ": a layer has a malformed parameter");
    }
    if (nodes.empty() || nodes.back().op != Op::Output) {
        throw Error(ErrorKind::Processing, file + ": the graph has no output");
    }
    return nodes;
}

std::vector<int> last_uses(const std::vector<Node>& nodes) {
    std::vector<int> last(nodes.size(), -1);
    for (size_t i = 0; i < nodes.size(); ++i) {
        for (int in : nodes[i].inputs) last[in] = static_cast<int>(i);
    }
    return last;
}

torch::Tensor run(const std::vector<Node>& nodes, const std::vector<int>& last_use, const torch::Tensor& x,
                  double input_max, double output_max, const ConvFn& conv) {
    std::vector<torch::Tensor> v(nodes.size());
    torch::Tensor out;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        auto in = [&](size_t k) -> const torch::Tensor& { return v[n.inputs[k]]; };
        switch (n.op) {
            case Op::Input:
                v[i] = input_max == 1.0 ? x : x * input_max;
                // On the CPU in float32 the whole graph runs channels-last: oneDNN's convolutions
                // read and write that layout without reordering, and ReLU, sums, concatenation and
                // nearest upsampling keep it (x4 at 400x400 on the dev machine: slim 1.7x, medium 1.45x faster).
                if (v[i].device().is_cpu() && v[i].scalar_type() == torch::kFloat) {
                    v[i] = v[i].contiguous(torch::MemoryFormat::ChannelsLast);
                }
                break;
            case Op::Conv:
                v[i] = conv(i, in(0));
                break;
            case Op::Relu:
                v[i] = torch::relu(in(0));
                break;
            case Op::LeakyRelu:
                v[i] = torch::leaky_relu(in(0), n.fvalue);
                break;
            case Op::PRelu:
                v[i] = conv(i, in(0));
                break;
            case Op::Concat: {
                std::vector<torch::Tensor> parts;
                for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(in(k));
                v[i] = torch::cat(parts, 1);
                break;
            }
            case Op::Add: {
                torch::Tensor s = in(0) + in(1);
                for (size_t k = 2; k < n.inputs.size(); ++k) s = s + in(k);
                v[i] = s;
                break;
            }
            case Op::Scale:
                v[i] = in(0) * n.fvalue;
                break;
            case Op::Upsample: {  // nearest, integer factor: each pixel repeated f x f times
                const auto f = static_cast<int64_t>(n.ivalue);
                v[i] = torch::upsample_nearest2d(in(0), {in(0).size(2) * f, in(0).size(3) * f});
                break;
            }
            case Op::DepthToSpace:
                v[i] = depth_to_space_tf(in(0), n.ivalue);
                break;
            case Op::SpaceToDepth:
                v[i] = space_to_depth_tf(in(0), n.ivalue);
                break;
            case Op::PixelShuffle:
                v[i] = torch::pixel_shuffle(in(0), n.ivalue);
                break;
            case Op::Output:
                out = in(0);
                break;
        }
        for (int k : n.inputs) {
            if (last_use[k] == static_cast<int>(i)) v[k] = torch::Tensor();
        }
    }
    return output_max == 1.0 ? out : out / output_max;
}

std::unique_ptr<TorchImageModel> make_model(ModelTraits traits, torch::Device device, std::vector<Node> nodes,
                                            std::vector<torch::Tensor> weights, std::vector<torch::Tensor> biases,
                                            double input_max, double output_max) {
    return std::make_unique<GraphModel>(std::move(traits), device, std::move(nodes), std::move(weights),
                                        std::move(biases), input_max, output_max);
}

}  // namespace graph

std::unique_ptr<ImageModel> load_graph_model(const fs::path& file, DeviceKind device_kind) {
    const auto meta_only = read_weight_meta(file);
    if (meta_only.count("format") && meta_only.at("format") == "tf-graph") {
        return load_tf_graph_model(file, device_kind);  // MAXIM
    }
    const torch::Device device = to_torch_device(device_kind);
    WeightFileContents c = load_weight_file(file);
    auto meta = [&](const std::string& k) -> std::string {
        auto it = c.meta.find(k);
        if (it == c.meta.end()) throw Error(ErrorKind::Processing, file.string() + ": missing '" + k + "'");
        return it->second;
    };
    std::map<std::string, torch::Tensor> tensors;
    for (auto& t : c.tensors) {
        tensors[t.name] = torch::from_blob(t.values.data(), t.shape, torch::kFloat32).clone().to(device);
    }
    std::vector<graph::Node> nodes = graph::parse(c.graph, file.string());
    std::vector<torch::Tensor> weights(nodes.size());
    std::vector<torch::Tensor> biases(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        const bool prelu = nodes[i].op == graph::Op::PRelu;
        if (nodes[i].op != graph::Op::Conv && !prelu) continue;
        auto w = tensors.find(nodes[i].weight);
        auto b = prelu ? tensors.end() : tensors.find(nodes[i].bias);
        if (w == tensors.end() || (!prelu && b == tensors.end())) {
            throw Error(ErrorKind::Processing, file.string() + ": layer " + nodes[i].name + " names a missing tensor");
        }
        weights[i] = w->second;
        if (!prelu) biases[i] = b->second;
    }
    ModelTraits traits;
    traits.id = meta("id");
    traits.scale = std::stoi(meta("scale"));
    traits.multiple = 1;
    traits.context = std::stoi(meta("context"));
    // Imported ncnn networks (Real-ESRGAN) pad with zeros at the photo's edges as a whole call does.
    traits.border_context = c.meta.count("border_context") == 0 || c.meta.at("border_context") != "0";
    return graph::make_model(traits, device, std::move(nodes), std::move(weights), std::move(biases),
                             std::stod(meta("input_max")), std::stod(meta("output_max")));
}

bool set_precision(ImageModel& model, Precision precision) {
    auto* m = dynamic_cast<TorchImageModel*>(&model);
    if (m == nullptr) return false;
    switch (precision) {
        case Precision::F16:
            return m->set_float_type(torch::kFloat16);
        case Precision::F32:
            return m->set_float_type(torch::kFloat32);
        case Precision::F64:
            return m->set_float_type(torch::kFloat64);
        case Precision::BF16:
            return m->set_float_type(torch::kBFloat16);
    }
    return false;
}

}  // namespace restora
