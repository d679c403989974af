#pragma once
// The layer graph of imported Keras SR models (RDN / RRDN), shared by the plain executor
// (graph_model.cpp) and the tunable network (tunable_net.cpp). The importer writes the graph in
// topological order, one layer a line:
//   input  NAME -
//   conv2d NAME IN weight=TENSOR bias=TENSOR pad=P      (stride 1, OIHW weights)
//   relu   NAME IN
//   leaky_relu NAME IN slope=S
//   prelu  NAME IN weight=TENSOR                        (one slope per channel)
//   concat NAME IN1,IN2,...                             (channels)
//   add    NAME IN1,IN2,...
//   scale  NAME IN value=V
//   upsample_nearest NAME IN factor=F
//   depth_to_space   NAME IN block=B                     (TensorFlow's channel order)
//   space_to_depth   NAME IN block=B                     (its inverse; sides multiples of B)
//   pixel_shuffle    NAME IN block=B                     (PyTorch's and ncnn's channel order)
//   output NAME IN
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "restora/models/torch_model.h"

namespace restora::graph {

enum class Op {
    Input,
    Conv,
    Relu,
    LeakyRelu,
    PRelu,
    Concat,
    Add,
    Scale,
    Upsample,
    DepthToSpace,
    SpaceToDepth,
    PixelShuffle,
    Output
};

struct Node {
    Op op = Op::Input;
    std::string name;
    std::vector<int> inputs;
    int ivalue = 0;      // conv: padding; upsample: factor; depth_to_space, space_to_depth: block
    double fvalue = 0;   // scale; leaky_relu: slope
    std::string weight;  // conv, prelu: tensor names in the weight file
    std::string bias;
};

// Parses the graph section; throws Error(Processing) naming `file` when it is malformed.
std::vector<Node> parse(const std::vector<std::string>& lines, const std::string& file);

// For each node, the index of the last node that reads it (values are freed after it).
std::vector<int> last_uses(const std::vector<Node>& nodes);

// Runs the graph on x ([N,3,h,w], values in [0,1]); conv(i, x) computes node i of the nodes with
// weights: conv, and prelu (its slopes are node i's weight).
using ConvFn = std::function<torch::Tensor(size_t, const torch::Tensor&)>;
torch::Tensor run(const std::vector<Node>& nodes, const std::vector<int>& last_use, const torch::Tensor& x,
                  double input_max, double output_max, const ConvFn& conv);

// A plain (non-tunable) executor with one weight and bias per conv node and one weight per prelu
// node (undefined elsewhere).
std::unique_ptr<TorchImageModel> make_model(ModelTraits traits, torch::Device device, std::vector<Node> nodes,
                                            std::vector<torch::Tensor> weights, std::vector<torch::Tensor> biases,
                                            double input_max, double output_max);

}  // namespace restora::graph
