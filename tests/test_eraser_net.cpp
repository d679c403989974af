// The guided text eraser (eraser_net.h): a per-pixel gate between the network's fill and a
// classical fill. Saturated gates must reproduce either side exactly, pixels outside the mask are
// kept, and the guided flag survives a file round trip.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "restora/models/eraser_net.h"
#include "restora/models/errors.h"
#include "restora/models/inpaint_net.h"

using namespace restora;
namespace fs = std::filesystem;

TEST(EraserNet, GuidedGateChoosesBetweenTheNetworkAndTheGuide) {
    torch::manual_seed(5);
    InpaintNet inpaint(8, 2);
    const fs::path init = fs::temp_directory_path() / "restora-test-eraser-init.rsw";
    save_inpaint_net(inpaint, init, {});
    torch::NoGradGuard ng;
    const torch::Tensor img = torch::rand({1, 3, 32, 40});
    torch::Tensor mask = torch::zeros({1, 1, 32, 40});
    mask.narrow(2, 8, 12).narrow(3, 10, 16).fill_(1);
    const torch::Tensor guide = torch::rand({1, 3, 32, 40});

    EraserNet plain = load_eraser_net(init, torch::kCPU);
    EXPECT_FALSE(plain.guided);
    const torch::Tensor own = eraser_forward(plain, img, mask).back();

    EraserNet to_guide = load_eraser_net(init, torch::kCPU, EraserInit{2, true, -40.0F});
    ASSERT_TRUE(to_guide.guided);
    const torch::Tensor g = eraser_forward(to_guide, img, mask, guide).back();
    EXPECT_TRUE(torch::equal(g * (1 - mask), img * (1 - mask)));
    EXPECT_LT((g - (img * (1 - mask) + guide * mask)).abs().max().item<float>(), 1e-6);

    // Gate open: the first pass equals the unguided network's (the estimate channels start at 0).
    EraserNet to_net = load_eraser_net(init, torch::kCPU, EraserInit{1, true, 40.0F});
    EraserNet plain1 = load_eraser_net(init, torch::kCPU, EraserInit{1, false, 0.0F});
    EXPECT_LT((eraser_forward(to_net, img, mask, guide).back() - eraser_forward(plain1, img, mask).back())
                  .abs()
                  .max()
                  .item<float>(),
              1e-6);
    EXPECT_GT((own - g).abs().max().item<float>(), 1e-3);  // the two sides differ, so the checks mean something

    EXPECT_THROW(eraser_forward(to_guide, img, mask), Error);  // a guided network without its guide

    const fs::path p = fs::temp_directory_path() / "restora-test-eraser-guided.rsw";
    save_eraser_net(to_guide, p, {});
    EraserNet back = load_eraser_net(p, torch::kCPU);
    EXPECT_TRUE(back.guided);
    EXPECT_EQ(back.passes, 2);
    EXPECT_TRUE(torch::equal(eraser_forward(back, img, mask, guide).back(), g));
    fs::remove(p);
    fs::remove(init);
}
