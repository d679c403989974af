// Parity of the imported MAXIM models (TF.js graph models of @upscalerjs) with their original
// runtime: each npm package ships assets/fixture.png and assets/result.png, the output UpscalerJS
// computed with TensorFlow.js. The raw model call (--tile 0) on the fixture must reproduce it.
// Models that are not imported fail when CI=true (setup imports them) and skip otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>

#include "restora/core/image.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

fs::path package_asset(const std::string& package, const std::string& file) {
    for (const fs::path& root : npm_search_path()) {
        const fs::path p = root / package / "assets" / file;
        if (fs::exists(p)) return p;
    }
    return {};
}

class MaximParity : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(MaximParity, RawCallReproducesThePackagesResult) {
    const std::string id = GetParam();
    const ModelStatus s = find_model(id);
    if (s.state != ModelState::Installed) {
        if (in_ci()) FAIL() << id << " is not imported: " << s.restore_command;
        GTEST_SKIP() << id << " not imported (" << s.restore_command << ")";
    }
    const ImportableModel* m = find_importable(id);
    ASSERT_NE(m, nullptr);
    const fs::path fixture = package_asset(m->package, "fixture.png");
    const fs::path result = package_asset(m->package, "result.png");
    ASSERT_FALSE(fixture.empty()) << m->package << " has no assets/fixture.png";
    const cv::Mat in = cv::imread(fixture.string(), cv::IMREAD_COLOR);
    const cv::Mat ref = cv::imread(result.string(), cv::IMREAD_COLOR);
    ASSERT_EQ(in.size(), ref.size());
    auto model = load_tf_graph_model(s.path, DeviceKind::Cpu);
    cv::Mat out(in.size(), CV_8UC3);
    RunOptions raw;
    raw.tile = 0;
    run_tiled(*model, pixel_view(in), pixel_view(out), raw, {});
    const double mse = cv::norm(out, ref, cv::NORM_L2SQR) / static_cast<double>(out.total() * 3);
    const double psnr = mse == 0 ? 100.0 : 10 * std::log10(255.0 * 255.0 / mse);
    const double input_psnr = 10 * std::log10(255.0 * 255.0 / (cv::norm(in, ref, cv::NORM_L2SQR) / (in.total() * 3.0)));
    std::printf("[parity] %s: PSNR %.2f dB vs the package's result (input vs result %.2f dB), max |diff| %.0f\n",
                id.c_str(), psnr, input_psnr, cv::norm(out, ref, cv::NORM_INF));
    EXPECT_GE(psnr, 45.0) << id;
}

INSTANTIATE_TEST_SUITE_P(AllTasks, MaximParity,
                         ::testing::Values("maxim-denoising", "maxim-deblurring", "maxim-deraining",
                                           "maxim-dehazing-indoor", "maxim-dehazing-outdoor", "maxim-enhancement",
                                           "maxim-retouching"),
                         [](const auto& info) {
                             std::string n = info.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });
