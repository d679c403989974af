// Tunable convolutions: a network made tunable from a plain graph reproduces it at every p, the
// folded kernels give exactly the unfolded forward pass, and the file round trip keeps both.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/torch_model.h"
#include "restora/models/tunable_net.h"
#include "restora/models/weight_file.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

RawTensor raw(const std::string& name, const torch::Tensor& t) {
    RawTensor r;
    r.name = name;
    r.shape = t.sizes().vec();
    const torch::Tensor c = t.contiguous();
    r.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return r;
}

// A tiny x2 graph in the importer's format: conv, relu, conv, residual add, upsample, conv.
WeightFileContents tiny_graph() {
    torch::manual_seed(3);
    WeightFileContents c;
    c.meta = {{"id", "tiny-x2"}, {"scale", "2"}, {"context", "4"}, {"input_max", "255"}, {"output_max", "255"}};
    c.graph = {"input LR -",
               "conv2d A LR weight=A.weight bias=A.bias pad=1",
               "relu Ar A",
               "conv2d B Ar weight=B.weight bias=B.bias pad=1",
               "add S B,A",
               "upsample_nearest U S factor=2",
               "conv2d SR U weight=SR.weight bias=SR.bias pad=1",
               "output output SR"};
    c.tensors = {raw("A.weight", torch::randn({8, 3, 3, 3}) * 0.2),  raw("A.bias", torch::randn({8})),
                 raw("B.weight", torch::randn({8, 8, 3, 3}) * 0.1),  raw("B.bias", torch::randn({8})),
                 raw("SR.weight", torch::randn({3, 8, 3, 3}) * 0.1), raw("SR.bias", torch::randn({3}))};
    return c;
}

torch::Tensor run_model(ImageModel& m, const torch::Tensor& x) {
    torch::NoGradGuard ng;
    return dynamic_cast<TorchImageModel&>(m).forward(x);
}

}  // namespace

TEST(TunableNet, FromPlainGraphReproducesItAtEveryP) {
    const fs::path dir = fs::temp_directory_path() / "restora-tunable-test";
    fs::create_directories(dir);
    const WeightFileContents plain = tiny_graph();
    save_weight_file(dir / "plain.rsw", plain);
    auto reference = load_graph_model(dir / "plain.rsw", DeviceKind::Cpu);
    TunableGraphNet net(plain, 2, "tiny");
    const torch::Tensor x = torch::rand({1, 3, 12, 10});
    const torch::Tensor ref = run_model(*reference, x);
    EXPECT_EQ(ref.sizes(), torch::IntArrayRef({1, 3, 24, 20}));
    for (float r : {0.0F, 0.3F, 1.0F}) {
        torch::NoGradGuard ng;
        const torch::Tensor y = net->forward(x, torch::tensor({1 - r, r}));
        EXPECT_LT((y - ref).abs().max().item<float>(), 1e-5F) << "r=" << r;
    }
}

TEST(TunableNet, FoldedKernelsMatchTheTunableForwardAndSurviveTheFile) {
    const fs::path dir = fs::temp_directory_path() / "restora-tunable-test";
    fs::create_directories(dir);
    TunableGraphNet net(tiny_graph(), 2, "tiny");
    {
        torch::NoGradGuard ng;  // make the two objectives and the mixing maps differ
        for (auto& t : net->kernel_parameters()) t.add_(torch::randn_like(t) * 0.05);
        for (auto& t : net->mixing_maps()) t.add_(torch::randn_like(t) * 0.1);
    }
    save_weight_file(dir / "tunable.rsw", net->to_weight_file({{"steps", "0"}}));
    const TunableNetwork loaded(dir / "tunable.rsw", DeviceKind::Cpu);
    EXPECT_EQ(loaded.objectives(), 2);
    const torch::Tensor x = torch::rand({1, 3, 9, 11});
    torch::Tensor at0;
    torch::Tensor at1;
    for (double r : {0.0, 0.25, 0.5, 1.0}) {
        torch::Tensor y;
        {
            torch::NoGradGuard ng;
            y = net->forward(x, torch::tensor({static_cast<float>(1 - r), static_cast<float>(r)}));
        }
        auto folded = loaded.fold({1 - r, r});
        EXPECT_EQ(folded->traits().scale, 2);
        const torch::Tensor f = run_model(*folded, x);
        EXPECT_LT((f - y).abs().max().item<float>(), 1e-4F) << "r=" << r;
        if (r == 0.0) at0 = f;
        if (r == 1.0) at1 = f;
    }
    EXPECT_GT((at0 - at1).abs().max().item<float>(), 1e-3F) << "the two ends are different networks";
    EXPECT_THROW(loaded.fold({1.0}), Error);
}

TEST(TunableNet, RejectsPlainAndDamagedFiles) {
    const fs::path dir = fs::temp_directory_path() / "restora-tunable-test";
    fs::create_directories(dir);
    save_weight_file(dir / "plain2.rsw", tiny_graph());
    EXPECT_THROW(TunableNetwork(dir / "plain2.rsw", DeviceKind::Cpu), Error);
    TunableGraphNet net(tiny_graph(), 2, "tiny");
    WeightFileContents c = net->to_weight_file({});
    c.tensors.pop_back();  // a missing mixing map
    save_weight_file(dir / "broken.rsw", c);
    EXPECT_THROW(TunableNetwork(dir / "broken.rsw", DeviceKind::Cpu), Error);
    EXPECT_THROW(TunableNetwork(dir / "absent.rsw", DeviceKind::Cpu), Error);
}

// A new slider axis: a tunable network with identity maps grows to twice its objectives; objective
// j starts from objective j mod P, so the grown network reproduces the original at (1 - j) p + j p
// for every split j. A network with learned maps cannot grow that way and says so.
TEST(TunableNet, GrowsANewAxisFromItsOwnObjectives) {
    TunableGraphNet net(tiny_graph(), 2, "tiny");
    {
        torch::NoGradGuard ng;  // two different objectives
        for (auto& t : net->kernel_parameters()) t.add_(torch::randn_like(t) * 0.05);
    }
    const WeightFileContents two = net->to_weight_file({});
    TunableGraphNet grown(two, 4, "tiny-two");
    EXPECT_EQ(grown->objectives(), 4);
    const torch::Tensor x = torch::rand({1, 3, 8, 8});
    torch::NoGradGuard ng;
    for (float r : {0.0F, 0.4F, 1.0F}) {
        const torch::Tensor ref = net->forward(x, torch::tensor({1 - r, r}));
        for (float j : {0.0F, 0.5F, 1.0F}) {
            const torch::Tensor y =
                grown->forward(x, torch::tensor({(1 - j) * (1 - r), (1 - j) * r, j * (1 - r), j * r}));
            EXPECT_LT((y - ref).abs().max().item<float>(), 1e-5F) << "r=" << r << " j=" << j;
        }
    }
    for (auto& t : net->mixing_maps()) t.add_(0.1);
    EXPECT_THROW(TunableGraphNet(net->to_weight_file({}), 4, "learned-maps"), Error);
}
