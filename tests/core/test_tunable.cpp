// upscale model=tunable: the Realism slider retunes the network (different results at the two
// ends, in between a point of its own), Preview = Apply, the history records the value and replay
// reproduces it, and the parameter exists only where it applies.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/image_io.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
using test::quote;
namespace fs = std::filesystem;

namespace {

// One run of operation `id` through a shared cache (models load once), on a region or the whole.
cv::Mat run_op(const std::string& id, const std::map<std::string, std::string>& params, const cv::Mat& img,
               ModelCache& cache, int tile, const cv::Rect* region = nullptr) {
    const Operation& op = Registry::instance().get(id);
    const Params p = op.resolve(params);
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    ctx.tile = tile;
    ctx.models = &cache;
    if (region != nullptr) return op.run_region(img, {}, p, ctx, *region).pixels;
    return op.run(img, {}, p, ctx).pixels;
}

cv::Mat run(const cv::Mat& img, double realism, ModelCache& cache, const cv::Rect* region = nullptr) {
    return run_op("upscale", {{"model", "tunable"}, {"realism", std::to_string(realism)}}, img, cache, 32, region);
}

}  // namespace

TEST(TunableUpscale, RealismRetunesTheNetwork) {
    const cv::Mat img = test::synthetic_photo(48, 40);
    ModelCache cache;
    const cv::Mat fid = run(img, 0, cache), mid = run(img, 0.5, cache), real = run(img, 1, cache);
    ASSERT_EQ(fid.size(), cv::Size(192, 160));
    const double ends = cv::norm(fid, real, cv::NORM_L1) / static_cast<double>(fid.total() * 3);
    EXPECT_GT(ends, 0.3) << "the two ends must be different networks";
    // The middle is its own operating point: neither end.
    EXPECT_GT(cv::norm(mid, fid, cv::NORM_L1), 0.2 * cv::norm(real, fid, cv::NORM_L1));
    EXPECT_GT(cv::norm(mid, real, cv::NORM_L1), 0.2 * cv::norm(real, fid, cv::NORM_L1));
    // Preview = Apply: a region gives exactly the whole-image values there.
    const cv::Rect region(10, 8, 20, 16);
    const cv::Mat part = run(img, 0.7, cache, &region);
    const cv::Mat whole = run(img, 0.7, cache);
    EXPECT_EQ(cv::norm(part, whole(cv::Rect(40, 32, 80, 64)), cv::NORM_INF), 0);
}

TEST(TunableUpscale, RealismAppliesOnlyToTheTunableModelAtScaleFour) {
    const Operation& op = Registry::instance().get("upscale");
    EXPECT_EQ(op.resolve({{"model", "tunable"}}).text("realism"), "0");
    EXPECT_EQ(op.resolve({{"model", "medium"}}).values().count("realism"), 0U)
        << "not recorded where it does not apply";
    EXPECT_THROW(op.resolve({{"model", "medium"}, {"realism", "0.5"}}), Error);
    EXPECT_THROW(op.resolve({{"model", "tunable"}, {"scale", "2"}}), Error);
    EXPECT_THROW(op.resolve({{"model", "tunable"}, {"realism", "1.5"}}), Error);
}

TEST(TunableUpscale, CliRecordsRealismAndReplaysIt) {
    test::TempDir dir;
    const fs::path photo = dir / "p.png";
    cv::imwrite(photo.string(), test::synthetic_photo(40, 32));
    const std::string cli = quote(std::string(test::cli_path()));
    auto r = test::sh(cli + " run upscale " + quote(photo) + " -o " + quote(dir / "u.png") +
                      " --set model=tunable --set realism=0.65 --device cpu");
    ASSERT_EQ(r.code, 0) << r.output;
    const auto info = test::sh(cli + " info " + quote(dir / "u.png"));
    EXPECT_NE(info.output.find("realism"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find("0.65"), std::string::npos) << info.output;
    r = test::sh(cli + " replay " + quote(dir / "u.png") + " " + quote(photo) + " -o " + quote(dir / "r.png"));
    ASSERT_EQ(r.code, 0) << r.output;
    const cv::Mat a = cv::imread((dir / "u.png").string()), b = cv::imread((dir / "r.png").string());
    ASSERT_EQ(a.size(), b.size());
    EXPECT_LE(cv::norm(a, b, cv::NORM_INF), 1);
}

namespace {

cv::Mat denoise(const cv::Mat& img, double strength, double realism, ModelCache& cache,
                const cv::Rect* region = nullptr, double jpeg = 0) {
    return run_op("denoise",
                  {{"model", "tunable"},
                   {"strength", std::to_string(strength)},
                   {"realism", std::to_string(realism)},
                   {"jpeg", std::to_string(jpeg)}},
                  img, cache, 48, region);
}

// The bundled sample shrunk by `shrink` (its own noise averages away) as `clean`, and a copy with
// seeded Gaussian noise of `sigma` (8-bit units).
cv::Mat noisy_sample(int shrink, double sigma, uint64_t seed, cv::Mat& clean) {
    const cv::Mat sample = cv::imread(std::string(test::source_dir()) + "/resources/sample/chelsea-noisy.jpg");
    cv::resize(sample, clean, {sample.cols / shrink & ~1, sample.rows / shrink & ~1}, 0, 0, cv::INTER_AREA);
    cv::Mat noise(clean.size(), CV_32FC3);
    cv::theRNG().state = seed;
    cv::randn(noise, 0, sigma);
    cv::Mat f;
    clean.convertTo(f, CV_32F);
    cv::Mat noisy;
    cv::Mat(f + noise).convertTo(noisy, CV_8U);
    return noisy;
}

}  // namespace

TEST(TunableDenoise, StrengthAndRealismRetuneTheNetworkAndNoiseGoesDown) {
    // A natural photo: the bundled sample shrunk 4x (its own noise averages away), 112 x 74.
    cv::Mat clean;
    const cv::Mat noisy = noisy_sample(4, 20, 99, clean);
    ModelCache cache;
    const cv::Mat strong = denoise(noisy, 1, 0, cache), light = denoise(noisy, 0, 0, cache);
    const cv::Mat real = denoise(noisy, 1, 1, cache);
    EXPECT_GT(cv::PSNR(strong, clean), cv::PSNR(noisy, clean) + 2) << "strong fidelity denoising removes noise";
    EXPECT_GT(cv::PSNR(strong, clean), cv::PSNR(light, clean)) << "the light end keeps more of the noise";
    EXPECT_GT(cv::norm(strong, real, cv::NORM_L1) / static_cast<double>(strong.total() * 3), 0.2);
    // Preview = Apply, odd region offsets included (the network needs even sides: mirrored padding).
    const cv::Rect region(7, 5, 41, 33);  // inside the 112 x 74 photo
    EXPECT_EQ(cv::norm(denoise(noisy, 0.6, 0.3, cache, &region), denoise(noisy, 0.6, 0.3, cache)(region), cv::NORM_INF),
              0);
    // Alpha survives.
    std::vector<cv::Mat> planes;
    cv::split(noisy, planes);
    planes.emplace_back(noisy.size(), CV_8U);
    cv::randu(planes.back(), 0, 255);
    cv::Mat bgra;
    cv::merge(planes, bgra);
    const cv::Mat out = denoise(bgra, 0.5, 0, cache);
    std::vector<cv::Mat> a, b;
    cv::split(bgra, a);
    cv::split(out, b);
    EXPECT_EQ(cv::norm(a[3], b[3], cv::NORM_INF), 0);
}

// denoise's defaults are the tunable network's: on a noisy photo they beat non-local means at its
// defaults (docs/QUALITY.md measures both, on Gaussian and on simulated camera noise).
TEST(TunableDenoise, IsTheDefaultAndBeatsNonLocalMeans) {
    cv::Mat clean;
    const cv::Mat noisy = noisy_sample(3, 15, 11, clean);
    const Operation& op = Registry::instance().get("denoise");
    EXPECT_EQ(op.resolve({}).text("model"), "tunable");
    ModelCache cache;
    const double input = cv::PSNR(noisy, clean);
    const double tunable = cv::PSNR(run_op("denoise", {}, noisy, cache, 512), clean);
    const double nlmeans = cv::PSNR(run_op("denoise", {{"model", "nlmeans"}}, noisy, cache, 512), clean);
    std::printf("[defaults] sigma 15: input %.2f dB, tunable %.2f dB, nlmeans %.2f dB\n", input, tunable, nlmeans);
    EXPECT_GT(tunable, input + 3);
    EXPECT_GT(tunable, nlmeans);
    // 16-bit photos keep their depth.
    cv::Mat deep;
    noisy.convertTo(deep, CV_16U, 257);
    EXPECT_EQ(run_op("denoise", {}, deep, cache, 512).type(), CV_16UC3);
}

// The JPEG artefacts slider (denoise-tunable-v3's third axis): on noise saved as a JPEG, the slider
// at its default for the file's quality removes the blocks that the uncompressed-photo network
// (slider 0, denoise-tunable-v2) leaves.
TEST(TunableDenoise, JpegSliderCleansNoiseSavedAsJpeg) {
    cv::Mat clean;
    const cv::Mat noisy = noisy_sample(3, 12, 7, clean);
    std::vector<uchar> buf;
    cv::imencode(".jpg", noisy, buf, {cv::IMWRITE_JPEG_QUALITY, 40});
    const cv::Mat jpeg = cv::imdecode(buf, cv::IMREAD_COLOR);
    ModelCache cache;
    SourceInfo q40;  // the slider where a user finds it for this file: its default from quality 40
    q40.jpeg_quality = jpeg_quality_estimate({buf.begin(), buf.end()});
    const double slider = std::stod(Registry::instance().get("denoise").source_defaults(q40).at("jpeg"));
    const double plain = cv::PSNR(denoise(jpeg, 1, 0, cache, nullptr, 0), clean);
    const double aware = cv::PSNR(denoise(jpeg, 1, 0, cache, nullptr, slider), clean);
    std::printf(
        "[jpeg slider] noise sigma 12 saved at quality %d: input %.2f dB, slider 0 %.2f dB, slider %.2f %.2f dB\n",
        q40.jpeg_quality, cv::PSNR(jpeg, clean), plain, slider, aware);
    EXPECT_GT(aware, plain + 0.3);
    // The slider exists only for the tunable model.
    const Operation& op = Registry::instance().get("denoise");
    EXPECT_THROW((void)op.resolve({{"model", "nlmeans"}, {"jpeg", "0.5"}}), Error);
}

// The JPEG artefacts slider starts at the photo's own JPEG quality (through the weights' calibration), where it
// applies: through the CLI's validation, and in the GUI (the same source_defaults). An explicit value wins.
TEST(TunableDenoise, JpegSliderDefaultsToTheFilesQuality) {
    test::TempDir dir;
    cv::Mat img(32, 32, CV_8UC3, cv::Scalar(90, 120, 150));
    cv::imwrite((dir / "q50.jpg").string(), img, {cv::IMWRITE_JPEG_QUALITY, 50});
    cv::imwrite((dir / "q98.jpg").string(), img, {cv::IMWRITE_JPEG_QUALITY, 98});
    cv::imwrite((dir / "photo.png").string(), img);
    EditRequest r;
    r.op = "denoise";
    r.params = {{"model", "tunable"}};
    r.output = dir / "out.png";
    r.input = dir / "q50.jpg";
    const std::string at50 = validate_edit(r).params.text("jpeg");
    EXPECT_GT(std::stod(at50), 0.0);
    EXPECT_LE(std::stod(at50), 1.0);
    SourceInfo q50;
    q50.jpeg_quality = 50;
    EXPECT_EQ(Registry::instance().get("denoise").source_defaults(q50).at("jpeg"), at50)
        << "the GUI's default is the same";
    r.input = dir / "q98.jpg";
    EXPECT_EQ(validate_edit(r).params.text("jpeg"), "0");
    r.input = dir / "photo.png";
    EXPECT_EQ(validate_edit(r).params.text("jpeg"), "0");
    r.input = dir / "q50.jpg";
    r.params["jpeg"] = "0.2";
    EXPECT_EQ(validate_edit(r).params.text("jpeg"), "0.2");
    r.params = {{"model", "nlmeans"}};
    EXPECT_EQ(validate_edit(r).params.values().count("jpeg"), 0U) << "the slider does not apply to nlmeans";
}
