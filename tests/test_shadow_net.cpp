// The shadow-removal network's contract and the fp16 weight storage it ships in.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "restora/models/inpaint_net.h"
#include "restora/models/shadow_net.h"
#include "restora/models/weight_file.h"

using namespace restora;
namespace fs = std::filesystem;

TEST(WeightFile, HalfStorageRoundTripsWithinHalfPrecision) {
    WeightFileContents c;
    c.meta["storage"] = "f16";
    RawTensor t;
    t.name = "w";
    t.shape = {6};
    t.values = {0.0F, 1.0F, -2.5F, 3.14159F, 1e-6F, 70000.0F};
    c.tensors.push_back(t);
    RawTensor big;
    big.name = "big";
    big.shape = {1000};
    big.values.assign(1000, 0.5F);
    c.tensors.push_back(big);
    const fs::path p = fs::temp_directory_path() / "restora-test-half.rsw";
    save_weight_file(p, c);
    const WeightFileContents back = load_weight_file(p);
    ASSERT_EQ(back.tensors.size(), 2U);
    EXPECT_EQ(back.tensors[1].values[999], 0.5F);
    const auto& v = back.tensors[0].values;
    EXPECT_EQ(v[0], 0.0F);
    EXPECT_EQ(v[1], 1.0F);
    EXPECT_EQ(v[2], -2.5F);
    EXPECT_NEAR(v[3], 3.14159F, 2e-3);
    EXPECT_NEAR(v[4], 1e-6F, 1e-7);  // a subnormal half
    EXPECT_TRUE(std::isinf(v[5]));   // beyond the half range
    c.meta.erase("storage");
    const fs::path p32 = fs::temp_directory_path() / "restora-test-float.rsw";
    save_weight_file(p32, c);
    EXPECT_EQ(load_weight_file(p32).tensors[0].values[3], 3.14159F);
    // Two bytes saved per value, less the header line that says so.
    EXPECT_EQ(fs::file_size(p32) - fs::file_size(p), 1006U * 2U - std::string("storage f16\n").size());
    fs::remove(p);
    fs::remove(p32);
}

TEST(ShadowNet, KeepsPixelsOutsideTheMaskAndStartsFromTheInpaintingNetwork) {
    torch::manual_seed(3);
    InpaintNet inpaint(8, 2);
    ShadowNet net(8, 2);
    EXPECT_EQ(net->init_from_inpaint(inpaint), static_cast<int>(inpaint->parameters().size()) + 6);
    EXPECT_TRUE(torch::equal(net->enc_inpaint->down2->weight, inpaint->down2->weight));
    EXPECT_TRUE(torch::equal(net->enc_shadow->in_conv->weight, inpaint->in_conv->weight));
    EXPECT_TRUE(torch::equal(net->out_conv->weight, inpaint->out_conv->weight));
    net->eval();
    torch::NoGradGuard ng;
    const torch::Tensor img = torch::rand({1, 3, 32, 40});
    torch::Tensor mask = torch::zeros({1, 1, 32, 40});
    mask.narrow(2, 8, 12).narrow(3, 10, 16).fill_(1);
    const torch::Tensor y = net->forward(img, mask);
    EXPECT_TRUE(torch::equal(y * (1 - mask), img * (1 - mask)));
    // The relighting head starts at zero gain: inside, 88% of the input plus 12% of the colour head.
    EXPECT_GT((y - img).abs().max().item<float>(), 0.0F);
    const fs::path p = fs::temp_directory_path() / "restora-test-shadow.rsw";
    save_shadow_net(net, p, {}, true);
    ShadowNet back = load_shadow_net(p, torch::kCPU);
    EXPECT_LT((back->forward(img, mask) - y).abs().max().item<float>(), 5e-3);
    fs::remove(p);
}
