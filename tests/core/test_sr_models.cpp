// Parity of the imported ESRGAN/RDN/RRDN models with their original runtime: the raw model call
// (--tile 0) on a 40x40 crop of the bundled sample against outputs that @tensorflow/tfjs computed
// from the same npm files (tools/parity/make_sr_references.js, committed in tests/data/sr).
// Models that are not imported fail when CI=true (setup imports them) and skip otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(test::source_dir()) / "tests/data/sr";

class SrParity : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(SrParity, RawCallMatchesTensorflowJs) {
    const std::string id = GetParam();
    RESTORA_REQUIRE_MODEL(s, id);
    const cv::Mat input = cv::imread((kData / "input_40x40.png").string(), cv::IMREAD_COLOR);
    ASSERT_EQ(input.size(), cv::Size(40, 40));
    const std::vector<float> ref = test::read_f32(kData / (id + ".f32"));
    const int scale = s.entry.scale;
    ASSERT_EQ(ref.size(), static_cast<size_t>(40 * scale) * (40 * scale) * 3) << "reference of " << id;

    auto model = load_graph_model(s.path, DeviceKind::Cpu);
    std::vector<float> out(ref.size());
    const PixelView out_view{out.data(),     40 * scale, 40 * scale, 3, static_cast<std::ptrdiff_t>(40 * scale) * 12,
                             PixelType::F32, false};
    RunOptions raw;
    raw.tile = 0;
    run_tiled(*model, pixel_view(input), out_view, raw, {});
    const double p = test::psnr_unit(out, ref, false);
    const double p8 = test::psnr_unit(out, ref, true);
    EXPECT_GE(p, 50.0) << id;
    EXPECT_GE(p8, 45.0) << id;
    std::printf("[parity] %s: PSNR %.2f dB float, %.2f dB 8-bit\n", id.c_str(), p, p8);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, SrParity,
                         ::testing::Values("esrgan-slim-x2", "esrgan-slim-x3", "esrgan-slim-x4", "esrgan-slim-x8",
                                           "esrgan-medium-x2", "esrgan-medium-x3", "esrgan-medium-x4",
                                           "esrgan-medium-x8", "esrgan-thick-x2", "esrgan-thick-x3", "esrgan-thick-x4",
                                           "esrgan-thick-x8"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(ModelImport, MissingOrCorruptWeightsNameTheCommand) {
    test::TempDir dir;
    const char* before = std::getenv("RESTORA_MODEL_DIR");
    const std::string saved = before != nullptr ? before : "";
    setenv("RESTORA_MODEL_DIR", dir.path().c_str(), 1);
    test::write_bytes(dir / "x.rsw", {1, 2, 3});
    ModelEntry e;
    e.id = "esrgan-slim-x2";
    e.file = "x.rsw";
    e.sha256 = std::string(64, '0');
    add_to_manifest(dir.path(), e);
    try {
        require_model("esrgan-slim-x2");
        FAIL();
    } catch (const Error& err) {
        EXPECT_EQ(err.kind(), ErrorKind::Processing);
        EXPECT_NE(std::string(err.what()).find("corrupt"), std::string::npos) << err.what();
        EXPECT_NE(std::string(err.what()).find("restora-cli models import esrgan-slim-x2"), std::string::npos);
    }
    // A damaged weight file with a matching hash is still refused when loaded.
    EXPECT_THROW(load_graph_model(dir / "x.rsw", DeviceKind::Cpu), Error);
    if (before != nullptr) {
        setenv("RESTORA_MODEL_DIR", saved.c_str(), 1);
    } else {
        unsetenv("RESTORA_MODEL_DIR");
    }
}

TEST(SrTiling, SlimTilesEqualOneWholeTileBecauseItsContextCoversItsReach) {
    RESTORA_REQUIRE_MODEL(s, "esrgan-slim-x2");
    auto model = load_graph_model(s.path, DeviceKind::Cpu);
    const cv::Mat img = cv::imread((fs::path(test::source_dir()) / "resources/sample/chelsea-noisy.jpg").string());
    const cv::Mat crop = img(cv::Rect(100, 60, 150, 110)).clone();
    auto run = [&](int tile) {
        std::vector<float> out(static_cast<size_t>(300) * 220 * 3);
        RunOptions o;
        o.tile = tile;
        run_tiled(*model, pixel_view(crop), PixelView{out.data(), 300, 220, 3, 300 * 12, PixelType::F32, false}, o, {});
        return out;
    };
    const std::vector<float> whole = run(1 << 20);
    const std::vector<float> tiled = run(48);
    float max_diff = 0;
    for (size_t i = 0; i < whole.size(); ++i) max_diff = std::max(max_diff, std::abs(whole[i] - tiled[i]));
    EXPECT_LE(max_diff, 1e-4F);
}
