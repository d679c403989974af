#pragma once
// The node list of an imported TF.js graph as tf_graph.cpp executes it: operators, nodes and the
// small readers of their attributes. Internal to the models layer.
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace restora::tfgraph {

enum class Op {
    Const,
    Placeholder,
    Identity,
    Output,
    Shape,
    StridedSlice,
    Pack,
    Reshape,
    BroadcastTo,
    Transpose,
    Einsum,
    Sum,
    Conv2D,
    Conv2DBackpropInput,
    GatherV2,
    SelectV2,
    Cast,
    Range,
    ExpandDims,
    Squeeze,
    ConcatV2,
    Mul,
    AddV2,
    Sub,
    RealDiv,
    Maximum,
    Minimum,
    FloorDiv,
    FloorMod,
    GreaterEqual,
    Greater,
    LessEqual,
    Less,
    NotEqual,
    LogicalAnd,
    Square,
    Rsqrt,
    Tanh,
    Abs,
    Neg,
    Exp,
    Reciprocal,
    Floor,
    Sign,
    // Fused at load (fuse_operators), never read from a file:
    Gelu,
    LayerNorm,
    Dense
};

inline const std::map<std::string, Op>& op_names() {
    static const std::map<std::string, Op> m = {{"Const", Op::Const},
                                                {"Placeholder", Op::Placeholder},
                                                {"Identity", Op::Identity},
                                                {"Output", Op::Output},
                                                {"Shape", Op::Shape},
                                                {"StridedSlice", Op::StridedSlice},
                                                {"Pack", Op::Pack},
                                                {"Reshape", Op::Reshape},
                                                {"BroadcastTo", Op::BroadcastTo},
                                                {"Transpose", Op::Transpose},
                                                {"Einsum", Op::Einsum},
                                                {"Sum", Op::Sum},
                                                {"Conv2D", Op::Conv2D},
                                                {"Conv2DBackpropInput", Op::Conv2DBackpropInput},
                                                {"GatherV2", Op::GatherV2},
                                                {"SelectV2", Op::SelectV2},
                                                {"Cast", Op::Cast},
                                                {"Range", Op::Range},
                                                {"ExpandDims", Op::ExpandDims},
                                                {"Squeeze", Op::Squeeze},
                                                {"ConcatV2", Op::ConcatV2},
                                                {"Mul", Op::Mul},
                                                {"AddV2", Op::AddV2},
                                                {"Sub", Op::Sub},
                                                {"RealDiv", Op::RealDiv},
                                                {"Maximum", Op::Maximum},
                                                {"Minimum", Op::Minimum},
                                                {"FloorDiv", Op::FloorDiv},
                                                {"FloorMod", Op::FloorMod},
                                                {"GreaterEqual", Op::GreaterEqual},
                                                {"Greater", Op::Greater},
                                                {"LessEqual", Op::LessEqual},
                                                {"Less", Op::Less},
                                                {"NotEqual", Op::NotEqual},
                                                {"LogicalAnd", Op::LogicalAnd},
                                                {"Square", Op::Square},
                                                {"Rsqrt", Op::Rsqrt},
                                                {"Tanh", Op::Tanh},
                                                {"Abs", Op::Abs},
                                                {"Neg", Op::Neg},
                                                {"Exp", Op::Exp},
                                                {"Reciprocal", Op::Reciprocal},
                                                {"Floor", Op::Floor},
                                                {"Sign", Op::Sign}};
    return m;
}

// The operator's name in profiles: TensorFlow's, or the fused operator's.
inline std::string op_display_name(Op op) {
    if (op == Op::Gelu) return "Gelu (fused)";
    if (op == Op::LayerNorm) return "LayerNorm (fused)";
    if (op == Op::Dense) return "Dense (fused)";
    for (const auto& [name, o] : op_names()) {
        if (o == op) return name;
    }
    return "";
}

struct Node {
    Op op = Op::Const;
    std::string name;
    std::vector<int> inputs;
    std::map<std::string, std::string> attr;
    torch::Tensor value;  // constants
    bool is_static = false;
    bool is_dead = false;  // not read by the output (left behind by fusion)
    int last_use = -1;
};

inline std::vector<int64_t> ints_of(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU).to(torch::kLong).contiguous();
    return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

inline std::vector<int64_t> parse_list(const std::string& s) {
    std::vector<int64_t> v;
    if (s.empty() || s == "-") return v;
    std::istringstream in(s);
    std::string tok;
    while (std::getline(in, tok, ',')) v.push_back(std::stoll(tok));
    return v;
}

inline int64_t attr_int(const Node& n, const std::string& k, int64_t def = 0) {
    auto it = n.attr.find(k);
    return it == n.attr.end() || it->second == "-" ? def : std::stoll(it->second);
}

}  // namespace restora::tfgraph
