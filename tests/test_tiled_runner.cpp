// The tiled runner on real libtorch modules: tiled output equals one whole-image call with the
// same border policy, out-of-memory errors re-split the tile, cancel and progress behave.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "restora/models/torch_model.h"

using namespace restora;

namespace {

torch::Device test_device() { return cuda_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU); }

struct FloatImage {
    int w;
    int h;
    std::vector<float> px;
    FloatImage(int w_, int h_) : w(w_), h(h_), px(static_cast<size_t>(w_) * h_ * 3) {}
    PixelView view() {
        return PixelView{px.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 12, PixelType::F32, false};
    }
};

FloatImage random_image(int w, int h, uint64_t seed) {
    FloatImage img(w, h);
    uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (float& v : img.px) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v = static_cast<float>((s >> 33) % 10000) / 9999.0F;
    }
    return img;
}

float max_abs_diff(const FloatImage& a, const FloatImage& b) {
    float m = 0;
    for (size_t i = 0; i < a.px.size(); ++i) m = std::max(m, std::abs(a.px[i] - b.px[i]));
    return m;
}

// Two 3x3 convolutions (receptive field 2 px each side), an optional nearest upsample, and a
// size-multiple check, like a small restoration network.
class SmallNet : public TorchImageModel {
  public:
    SmallNet(int scale, int multiple, torch::Device device, bool border_context = true)
        : TorchImageModel(ModelTraits{"smallnet", scale, multiple, 6, border_context}, device),
          c1_(torch::nn::Conv2dOptions(3, 8, 3).padding(1)),
          c2_(torch::nn::Conv2dOptions(8, 3, 3).padding(1)) {
        torch::manual_seed(7);
        c1_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1));
        c2_ = torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 3, 3).padding(1));
        c1_->to(device);
        c2_->to(device);
    }
    torch::Tensor forward(const torch::Tensor& x) override {
        const int m = traits().multiple;
        TORCH_CHECK(x.size(2) % m == 0 && x.size(3) % m == 0, "input not a multiple of ", m);
        ++calls;
        torch::Tensor y = torch::relu(c1_->forward(x));
        if (traits().scale > 1) {
            namespace F = torch::nn::functional;
            y = F::interpolate(y, F::InterpolateFuncOptions()
                                      .scale_factor(std::vector<double>{double(traits().scale), double(traits().scale)})
                                      .mode(torch::kNearest));
        }
        return torch::sigmoid(c2_->forward(y));
    }
    int calls = 0;

  private:
    torch::nn::Conv2d c1_;
    torch::nn::Conv2d c2_;
};

}  // namespace

TEST(TiledRunner, TiledEqualsOneWholeImageTileWithTheSameBorderPolicy) {
    for (int scale : {1, 2, 3}) {
        for (int multiple : {1, 8}) {
            SmallNet net(scale, multiple, test_device());
            for (auto [w, h] : {std::pair{97, 61}, std::pair{130, 130}, std::pair{5, 200}}) {
                FloatImage in = random_image(w, h, static_cast<uint64_t>(w * 31 + h));
                FloatImage whole(w * scale, h * scale);
                RunOptions ref;
                ref.tile = 1 << 20;  // one tile, same mirrored context
                run_tiled(net, in.view(), whole.view(), ref, {});
                for (int tile : {16, 40, 64}) {
                    FloatImage tiled(w * scale, h * scale);
                    RunOptions o;
                    o.tile = tile;
                    const RunStats st = run_tiled(net, in.view(), tiled.view(), o, {});
                    EXPECT_GT(st.tiles, 1);
                    EXPECT_LE(max_abs_diff(whole, tiled), 1e-4F)
                        << w << "x" << h << " scale " << scale << " multiple " << multiple << " tile " << tile;
                }
            }
        }
    }
}

TEST(TiledRunner, BicubicUpscaleTiledMatchesWholeAndInterpolates) {
    auto model = make_bicubic_upscaler(2, DeviceKind::Auto);
    FloatImage in = random_image(90, 70, 3);
    FloatImage whole(180, 140);
    FloatImage tiled(180, 140);
    RunOptions ref;
    ref.tile = 1 << 20;
    run_tiled(*model, in.view(), whole.view(), ref, {});
    RunOptions o;
    o.tile = 32;
    run_tiled(*model, in.view(), tiled.view(), o, {});
    EXPECT_LE(max_abs_diff(whole, tiled), 1e-4F);
    // A constant image stays constant; a horizontal ramp stays a ramp.
    FloatImage flat(20, 20);
    for (size_t i = 0; i < flat.px.size(); ++i) flat.px[i] = (i % 3 == 0) ? 0.25F : 0.75F;
    FloatImage up(40, 40);
    run_tiled(*model, flat.view(), up.view(), o, {});
    for (size_t i = 0; i < up.px.size(); ++i) ASSERT_NEAR(up.px[i], (i % 3 == 0) ? 0.25F : 0.75F, 1e-6);
}

TEST(TiledRunner, IntegerBuffersRoundTripExactly) {
    ModelTraits t{"identity", 1, 1, 0};
    FunctionModel identity(t, test_device(), [](const torch::Tensor& x) { return x.clone(); });
    std::vector<uint16_t> in16(30 * 20 * 4);
    for (size_t i = 0; i < in16.size(); ++i) in16[i] = static_cast<uint16_t>(i * 977 % 65536);
    std::vector<uint16_t> out16(in16.size(), 7);
    PixelView vin{in16.data(), 30, 20, 4, 30 * 4 * 2, PixelType::U16, true};
    PixelView vout{out16.data(), 30, 20, 4, 30 * 4 * 2, PixelType::U16, true};
    RunOptions o;
    o.tile = 8;
    run_tiled(identity, vin, vout, o, {});
    for (size_t i = 0; i < in16.size(); ++i) {
        if (i % 4 == 3) {
            ASSERT_EQ(out16[i], 7) << "alpha must be left to the caller";
        } else {
            ASSERT_EQ(out16[i], in16[i]);
        }
    }
}

// MAXIM's policy (ModelTraits::border_context = false): context only towards neighbouring tiles.
// A photo within one tile then gets exactly the raw call, and tiles still equal one whole tile.
TEST(TiledRunner, WithoutBorderContextOneTileIsTheRawCall) {
    for (int scale : {1, 2}) {
        for (int multiple : {1, 8}) {
            SmallNet net(scale, multiple, test_device(), false);
            for (auto [w, h] : {std::pair{97, 61}, std::pair{130, 130}, std::pair{5, 200}}) {
                FloatImage in = random_image(w, h, static_cast<uint64_t>(w * 17 + h));
                FloatImage raw(w * scale, h * scale);
                RunOptions o;
                o.tile = 0;
                run_tiled(net, in.view(), raw.view(), o, {});
                FloatImage whole(w * scale, h * scale);
                o.tile = 1 << 20;
                run_tiled(net, in.view(), whole.view(), o, {});
                EXPECT_EQ(max_abs_diff(raw, whole), 0.0F) << w << "x" << h;
                for (int tile : {16, 40}) {
                    FloatImage tiled(w * scale, h * scale);
                    o.tile = tile;
                    EXPECT_GT(run_tiled(net, in.view(), tiled.view(), o, {}).tiles, 1);
                    EXPECT_LE(max_abs_diff(whole, tiled), 1e-4F) << w << "x" << h << " tile " << tile;
                }
            }
        }
    }
}

TEST(TiledRunner, OutOfMemoryHalvesTheTileAndRetries) {
    SmallNet net(2, 1, torch::kCPU);
    FloatImage in = random_image(200, 150, 11);
    FloatImage ref(400, 300);
    RunOptions whole;
    whole.tile = 1 << 20;
    run_tiled(net, in.view(), ref.view(), whole, {});

    int failures = 0;
    ModelTraits traits = net.traits();
    FunctionModel picky(traits, torch::kCPU, [&](const torch::Tensor& x) {
        if (x.size(2) * x.size(3) > 90 * 90) {
            ++failures;
            TORCH_CHECK(false, "CUDA out of memory. Tried to allocate 2.00 GiB (simulated)");
        }
        return net.forward(x);
    });
    FloatImage out(400, 300);
    RunOptions o;
    o.tile = 128;
    std::vector<std::string> log;
    JobControl job;
    job.log = [&](const std::string& m) { log.push_back(m); };
    const RunStats st = run_tiled(picky, in.view(), out.view(), o, job);
    EXPECT_GT(st.oom_splits, 0);
    EXPECT_GT(failures, 0);
    EXPECT_FALSE(log.empty());
    EXPECT_LE(max_abs_diff(ref, out), 1e-4F);

    // Tile 0 is the raw call: it cannot split, and says what to do instead.
    RunOptions raw;
    raw.tile = 0;
    try {
        run_tiled(picky, in.view(), out.view(), raw, {});
        FAIL() << "expected an out-of-memory error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Processing);
        EXPECT_NE(std::string(e.what()).find("--tile"), std::string::npos) << e.what();
    }
}

TEST(TiledRunner, OtherModelErrorsAreNotRetried) {
    ModelTraits t{"broken", 1, 1, 4};
    int calls = 0;
    FunctionModel broken(t, torch::kCPU, [&](const torch::Tensor&) -> torch::Tensor {
        ++calls;
        TORCH_CHECK(false, "shape mismatch");
    });
    FloatImage in = random_image(64, 64, 1);
    FloatImage out(64, 64);
    RunOptions o;
    o.tile = 32;
    EXPECT_THROW(run_tiled(broken, in.view(), out.view(), o, {}), c10::Error);
    EXPECT_EQ(calls, 1);
}

TEST(TiledRunner, CancelIsCheckedPerTileAndProgressOnlyOnIntegerChanges) {
    SmallNet net(1, 1, torch::kCPU);
    FloatImage in = random_image(256, 256, 5);
    FloatImage out(256, 256);
    RunOptions o;
    o.tile = 32;  // 64 tiles
    std::vector<int> seen;
    JobControl job;
    job.progress = [&](int p) { seen.push_back(p); };
    run_tiled(net, in.view(), out.view(), o, job);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), 0);
    EXPECT_EQ(seen.back(), 100);
    for (size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i], seen[i - 1]);

    net.calls = 0;
    JobControl cancelling;
    cancelling.progress = [&](int p) {
        if (p > 0) cancelling.cancel.request();
    };
    EXPECT_THROW(run_tiled(net, in.view(), out.view(), o, cancelling), Cancelled);
    EXPECT_EQ(net.calls, 1);
}

TEST(TiledRunner, RejectsMismatchedBuffers) {
    auto model = make_bicubic_upscaler(2, DeviceKind::Cpu);
    FloatImage in = random_image(10, 10, 1);
    FloatImage wrong(10, 10);
    try {
        run_tiled(*model, in.view(), wrong.view(), {}, {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Processing);
    }
}

TEST(Device, ParsesNamesAndRefusesCudaWithoutCuda) {
    EXPECT_EQ(parse_device("cpu"), DeviceKind::Cpu);
    EXPECT_EQ(parse_device("auto"), DeviceKind::Auto);
    EXPECT_THROW(parse_device("gpu"), Error);
    if (!cuda_available()) {
        try {
            resolve_device_name(DeviceKind::Cuda);
            FAIL();
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Usage);
        }
    } else {
        EXPECT_EQ(resolve_device_name(DeviceKind::Cuda).rfind("cuda", 0), 0U);
    }
    configure_threads();
    EXPECT_GE(torch::get_num_threads(), 1);
}

TEST(TiledRunner, ARegionGivesExactlyTheWholeRunsPixels) {
    for (int scale : {1, 3}) {
        SmallNet net(scale, 1, torch::kCPU);
        FloatImage in = random_image(150, 110, 21);
        FloatImage whole(150 * scale, 110 * scale);
        RunOptions o;
        o.tile = 40;
        run_tiled(net, in.view(), whole.view(), o, {});
        for (const Region r : {Region{0, 0, 10, 10}, Region{37, 41, 50, 30}, Region{100, 60, 50, 50},
                               Region{39, 0, 2, 110}, Region{0, 0, 150, 110}}) {
            FloatImage part(r.w * scale, r.h * scale);
            RunOptions ro = o;
            ro.region = r;
            const RunStats st = run_tiled(net, in.view(), part.view(), ro, {});
            if (r.w < 150) {
                EXPECT_LT(st.tiles, 12) << "only the touching tiles run";
            }
            float max_diff = 0;
            for (int y = 0; y < r.h * scale; ++y)
                for (int x = 0; x < r.w * scale; ++x)
                    for (int c = 0; c < 3; ++c) {
                        const float a = part.px[(static_cast<size_t>(y) * r.w * scale + x) * 3 + c];
                        const float b =
                            whole.px[(static_cast<size_t>(y + r.y * scale) * 150 * scale + x + r.x * scale) * 3 + c];
                        max_diff = std::max(max_diff, std::abs(a - b));
                    }
            EXPECT_EQ(max_diff, 0.0F) << "scale " << scale << " region " << r.x << "," << r.y << " " << r.w << "x"
                                      << r.h;
        }
    }
}
