// Parity of the imported MAXIM models (TF.js graph models of @upscalerjs) with their original
// runtime: each npm package ships assets/fixture.png and assets/result.png, the output UpscalerJS
// computed with TensorFlow.js. The raw model call (--tile 0) on the fixture must reproduce it.
// Models that are not imported fail when CI=true (setup imports them) and skip otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

double psnr8(const cv::Mat& a, const cv::Mat& b) {
    const double mse = cv::norm(a, b, cv::NORM_L2SQR) / static_cast<double>(a.total() * a.channels());
    return mse == 0 ? 100.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

double sharpness(const cv::Mat& bgr) {
    cv::Mat grey;
    cv::Mat lap;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::Laplacian(grey, lap, CV_32F);
    cv::Scalar mean;
    cv::Scalar sd;
    cv::meanStdDev(lap, mean, sd);
    return sd[0] * sd[0];
}

// Only maxim-denoising's fixture is a multiple of 64, and its result.png is the model's output:
// that is the parity check (the raw call must reproduce it). The other packages' fixtures have
// other sizes, so UpscalerJS padded them its own way, and deblurring's result.png is the sharp
// ground-truth frame (people stand elsewhere), not a model output. For those, a 256x256 centre
// crop runs: near-parity where result.png is a model output (deraining, dehazing-indoor), clearly
// towards the target where it is the dataset's target (enhancement, retouching), and much sharper
// where the target cannot be compared (deblurring; dehazing-outdoor, whose result.png is almost
// the hazy input).
TEST_P(MaximParity, RawCallReproducesOrApproachesThePackagesResult) {
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
    cv::Mat in = cv::imread(fixture.string(), cv::IMREAD_COLOR);
    cv::Mat ref = cv::imread(result.string(), cv::IMREAD_COLOR);
    ASSERT_EQ(in.size(), ref.size());
    const bool exact = id == "maxim-denoising";
    if (!exact) {
        const cv::Rect c((in.cols - 256) / 2, (in.rows - 256) / 2, 256, 256);
        in = in(c).clone();
        ref = ref(c).clone();
    }
    configure_threads();
    auto model = load_tf_graph_model(s.path, DeviceKind::Cpu);
    cv::Mat out(in.size(), CV_8UC3);
    RunOptions raw;
    raw.tile = 0;
    run_tiled(*model, pixel_view(in), pixel_view(out), raw, {});
    const double p_out = psnr8(out, ref);
    const double p_in = psnr8(in, ref);
    std::printf("[maxim] %s: PSNR %.2f dB vs the package's result (input: %.2f dB), max |diff| %.0f; sharpness "
                "%.0f -> %.0f\n",
                id.c_str(), p_out, p_in, cv::norm(out, ref, cv::NORM_INF), sharpness(in), sharpness(out));
    if (exact) {
        EXPECT_GE(p_out, 45.0) << id;
    } else if (id == "maxim-deraining" || id == "maxim-dehazing-indoor") {
        EXPECT_GE(p_out, 40.0) << id;  // result.png is the model's output on the whole fixture
    } else if (id == "maxim-deblurring") {
        EXPECT_GT(sharpness(out), 2.0 * sharpness(in)) << id;
    } else if (id == "maxim-dehazing-outdoor") {
        // This package's result.png is almost the hazy input (33.6 dB); the network dehazes clearly.
        EXPECT_GT(sharpness(out), 1.5 * sharpness(in)) << id;
    } else {
        EXPECT_GT(p_out, p_in + 3.0) << id;  // result.png is the dataset's target
    }
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
