#pragma once
// Tunable convolutions (Maggioni et al., "Tunable Convolutions with Parametric Multi-Loss
// Optimization", CVPR 2023) over an imported SR layer graph (graph_exec.h). Every convolution owns
// P kernels and P biases and a small learned map ("mlp" mode: a P -> P affine layer) that turns the
// operating point p (on the simplex, one weight per training objective) into mixing weights
// alpha; kernel = sum_i alpha_i W_i, bias = sum_i alpha_i b_i, then an ordinary convolution. With p
// fixed the kernels fold once, so the tuned network costs what its plain twin costs.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "restora/models/graph_exec.h"
#include "restora/models/weight_file.h"

namespace restora {

class TunableGraphNetImpl : public torch::nn::Module {
  public:
    // From an imported plain graph (every objective starts at its weights, the maps start as the
    // identity, so the network reproduces the import at every p) or from a tunable file
    // (meta "format tunable-graph"; `objectives` is then read from the file). Throws
    // Error(Processing) naming `file` when the contents do not fit.
    TunableGraphNetImpl(const WeightFileContents& contents, int objectives, const std::string& file);

    [[nodiscard]] int objectives() const { return objectives_; }
    [[nodiscard]] const std::map<std::string, std::string>& meta() const { return meta_; }

    // x: [N,3,h,w] in [0,1]; p: [P] float on the module's device. Differentiable.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& p);
    // The folded kernels and biases for p, one per graph node (undefined for non-conv nodes).
    void fold(const torch::Tensor& p, std::vector<torch::Tensor>& weights, std::vector<torch::Tensor>& biases);

    // Parameter groups for training: the kernels and biases (all objectives), and the mixing maps.
    // (With p at a corner and the maps at the identity, only that corner's kernels get gradients.)
    std::vector<torch::Tensor> kernel_parameters() const;
    std::vector<torch::Tensor> mixing_maps() const;

    [[nodiscard]] const std::vector<graph::Node>& nodes() const { return nodes_; }
    // A weight file (format tunable-graph) with `extra` merged into the meta section.
    WeightFileContents to_weight_file(const std::map<std::string, std::string>& extra) const;

  private:
    torch::Tensor alpha(size_t node, const torch::Tensor& p) const;

    int objectives_ = 2;
    std::map<std::string, std::string> meta_;
    std::vector<std::string> graph_lines_;
    std::vector<graph::Node> nodes_;
    std::vector<int> last_use_;
    double input_max_ = 1;
    double output_max_ = 1;
    // Per node (undefined for non-conv nodes): [P,O,I,k,k], [P,O], [P,P], [P].
    std::vector<torch::Tensor> kernels_, biases_, mix_w_, mix_b_;
};
TORCH_MODULE(TunableGraphNet);

}  // namespace restora
