#include "restora/training/denoiser_graph.h"

#include <cmath>
#include <string>

#include "restora/models/module_weights.h"

namespace restora {

WeightFileContents make_denoiser_graph(int width, int depth, uint64_t seed) {
    torch::manual_seed(seed);
    WeightFileContents c;
    // Cost for the job estimate: depth convolutions at a quarter of the pixels, 2 FLOPs a MAC.
    const double macs_per_px = (12.0 * width + width * width * (depth - 2.0) + width * 12.0) * 9.0 / 4.0;
    c.meta = {{"id", "denoise-tunable"},
              {"scale", "1"},
              {"multiple", "2"},
              {"context", std::to_string(2 * depth + 4)},
              {"input_max", "1"},
              {"output_max", "1"},
              {"gflops_per_mp", std::to_string(2.0 * macs_per_px / 1e3)},
              {"peak_floats_per_px", std::to_string(3.0 * width / 4.0 + 12.0)}};
    c.graph.push_back("input IN -");
    c.graph.push_back("space_to_depth S IN block=2");
    std::string prev = "S";
    int in_ch = 12;
    for (int i = 0; i < depth; ++i) {
        const bool last = i == depth - 1;
        const int out_ch = last ? 12 : width;
        const std::string index = std::to_string(i);
        const std::string n = std::string("C") + index;
        c.graph.push_back("conv2d " + n + " " + prev + " weight=" + n + ".weight bias=" + n + ".bias pad=1");
        // He initialisation; the last layer starts near zero so the network starts at the identity.
        const double std = std::sqrt(2.0 / (in_ch * 9.0)) * (last ? 0.01 : 1.0);
        c.tensors.push_back(to_raw_tensor(n + ".weight", torch::randn({out_ch, in_ch, 3, 3}) * std));
        c.tensors.push_back(to_raw_tensor(n + ".bias", torch::zeros({out_ch})));
        prev = n;
        if (!last) {
            c.graph.push_back(std::string("relu R") + index + " " + n);
            prev = std::string("R") + index;
        }
        in_ch = out_ch;
    }
    c.graph.push_back("depth_to_space D " + prev + " block=2");
    c.graph.push_back("add OUT D,IN");
    c.graph.push_back("output output OUT");
    return c;
}

}  // namespace restora
