// The registry's parameter contract and the first operations on real pixels.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/estimate.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

ErrorKind resolve_error(const std::string& op, const std::map<std::string, std::string>& p) {
    try {
        (void)Registry::instance().get(op).resolve(p);
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::Processing;
}

OpContext cpu(int tile = 512) {
    OpContext c;
    c.device = DeviceKind::Cpu;
    c.tile = tile;
    return c;
}

}  // namespace

TEST(Registry, ListsOperationsWithSchemas) {
    const Registry& reg = Registry::instance();
    for (const char* id : {"upscale", "denoise", "inpaint"}) ASSERT_NE(reg.find(id), nullptr) << id;
    EXPECT_EQ(reg.get("inpaint").info().mask, MaskUse::Required);
    const auto j = nlohmann::json::parse(reg.to_json());
    ASSERT_EQ(j["operations"].size(), reg.all().size());
    const auto& up = j["operations"][0];
    EXPECT_EQ(up["id"], "upscale");
    EXPECT_EQ(up["params"][0]["key"], "scale");
    EXPECT_EQ(up["params"][0]["default"], "4");
    EXPECT_THROW((void)reg.get("sharpen"), Error);
}

TEST(Registry, ResolvesDefaultsAndRejectsBadParameters) {
    const Params p = Registry::instance().get("denoise").resolve({});
    EXPECT_EQ(p.text("model"), "tunable") << "denoise defaults to the tunable network (docs/QUALITY.md)";
    EXPECT_DOUBLE_EQ(p.number("strength"), 0.5);
    EXPECT_EQ(Registry::instance().get("denoise").resolve({{"strength", "0.250"}}).text("strength"), "0.25");
    EXPECT_EQ(resolve_error("denoise", {{"strength", "1.5"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error("denoise", {{"strength", "abc"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error("denoise", {{"strength", "0.5x"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error("denoise", {{"radius", "3"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error("upscale", {{"scale", "5"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error("upscale", {{"model", "magic"}}), ErrorKind::Usage);
    const Operation& up = Registry::instance().get("upscale");
    EXPECT_EQ(up.output_size({10, 7}, up.resolve({{"scale", "3"}, {"model", "bicubic"}})), cv::Size(30, 21));
}

TEST(Upscale, BicubicThroughTheRunnerMatchesOpenCvInTheInterior) {
    const cv::Mat img = test::synthetic_photo(80, 60);
    const Operation& up = Registry::instance().get("upscale");
    const OpResult r = up.run(img, {}, up.resolve({{"scale", "2"}, {"model", "bicubic"}}), cpu(32));
    ASSERT_EQ(r.pixels.size(), cv::Size(160, 120));
    cv::Mat ref;
    cv::resize(img, ref, {160, 120}, 0, 0, cv::INTER_CUBIC);
    const cv::Rect inner(8, 8, 144, 104);
    EXPECT_GT(test::psnr(r.pixels(inner), ref(inner)), 40.0);
    // Whole-image call and tiles give the same pixels.
    const OpResult whole = up.run(img, {}, up.resolve({{"scale", "2"}, {"model", "bicubic"}}), cpu(0));
    EXPECT_EQ(cv::norm(whole.pixels(inner), r.pixels(inner), cv::NORM_INF), 0);
}

TEST(Upscale, KeepsSixteenBitsAndResizesAlpha) {
    cv::Mat img;
    cv::cvtColor(test::synthetic_photo(40, 30, CV_16U), img, cv::COLOR_BGR2BGRA);
    img.forEach<cv::Vec4w>([](cv::Vec4w& p, const int* pos) { p[3] = pos[1] < 20 ? 65535 : 0; });
    const Operation& up = Registry::instance().get("upscale");
    const OpResult r = up.run(img, {}, up.resolve({{"scale", "3"}, {"model", "bicubic"}}), cpu());
    ASSERT_EQ(r.pixels.type(), CV_16UC4);
    EXPECT_EQ(r.pixels.at<cv::Vec4w>(10, 5)[3], 65535);
    EXPECT_EQ(r.pixels.at<cv::Vec4w>(10, 100)[3], 0);
}

TEST(Denoise, NonLocalMeansImprovesNoisyPhotos) {
    for (int depth : {CV_8U, CV_16U}) {
        const cv::Mat clean = test::synthetic_photo(160, 120, depth);
        const cv::Mat noisy = test::add_noise(clean, 15.0);
        const Operation& dn = Registry::instance().get("denoise");
        const OpResult r = dn.run(noisy, {}, dn.resolve({{"model", "nlmeans"}}), cpu(64));
        ASSERT_EQ(r.pixels.type(), clean.type());
        const double before = test::psnr(noisy, clean);
        const double after = test::psnr(r.pixels, clean);
        EXPECT_GT(after, before + 4.0) << "depth " << depth << ": " << before << " -> " << after;
    }
}

TEST(Denoise, TilesMatchTheWholeImage) {
    const cv::Mat noisy = test::add_noise(test::synthetic_photo(150, 110), 20.0);
    const Operation& dn = Registry::instance().get("denoise");
    const OpResult tiled = dn.run(noisy, {}, dn.resolve({{"model", "nlmeans"}}), cpu(64));
    const OpResult whole = dn.run(noisy, {}, dn.resolve({{"model", "nlmeans"}}), cpu(0));
    // The whole-image call sees OpenCV's own border handling at the image edge; inside, tiles
    // with their 16-pixel context are exact.
    const cv::Rect inner(16, 16, 150 - 32, 110 - 32);
    EXPECT_EQ(cv::norm(tiled.pixels(inner), whole.pixels(inner), cv::NORM_INF), 0);
}

TEST(Inpaint, TeleaFillsTheMaskAndLeavesEverythingElseBitIdentical) {
    const cv::Mat clean = test::synthetic_photo(120, 90);
    cv::Mat damaged = clean.clone();
    cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
    cv::line(mask, {10, 20}, {110, 70}, cv::Scalar(255), 5);
    damaged.setTo(cv::Scalar(255, 0, 255), mask);
    const Operation& in = Registry::instance().get("inpaint");
    const OpResult r = in.run(damaged, mask, in.resolve({{"model", "telea"}}), cpu());
    cv::Mat outside;
    cv::bitwise_not(mask, outside);
    cv::Mat diff;
    cv::absdiff(r.pixels, damaged, diff);
    EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside), 0);
    const double err_before = cv::norm(damaged, clean, cv::NORM_L1, mask);
    const double err_after = cv::norm(r.pixels, clean, cv::NORM_L1, mask);
    EXPECT_LT(err_after, 0.25 * err_before);
    // An empty mask changes nothing and says so.
    const OpResult none = in.run(damaged, cv::Mat::zeros(clean.size(), CV_8U), in.resolve({{"model", "telea"}}), cpu());
    EXPECT_EQ(cv::norm(none.pixels, damaged, cv::NORM_INF), 0);
    EXPECT_FALSE(none.warnings.empty());
}

TEST(Inpaint, LearnedNetworkFillsTheHoleAndLeavesEverythingElseBitIdentical) {
    for (int depth : {CV_8U, CV_16U}) {
        const cv::Mat clean = test::synthetic_photo(200, 150, depth);
        cv::Mat damaged = clean.clone();
        cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
        cv::line(mask, {20, 30}, {180, 120}, cv::Scalar(255), 9);
        cv::rectangle(mask, cv::Rect(120, 20, 30, 25), cv::Scalar(255), -1);
        damaged.setTo(cv::Scalar::all(depth == CV_16U ? 65535 : 255), mask);
        const Operation& in = Registry::instance().get("inpaint");
        const OpResult r = in.run(damaged, mask, in.resolve({{"model", "learned"}}), cpu());
        ASSERT_EQ(r.pixels.type(), damaged.type());
        EXPECT_EQ(r.model_id, "inpaint-ffc-v1");
        EXPECT_EQ(r.model_sha256.size(), 64U);
        cv::Mat diff;
        cv::absdiff(r.pixels, damaged, diff);
        cv::Mat outside;
        cv::bitwise_not(mask, outside);
        EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside), 0) << "pixels outside the mask changed";
        const double before = test::psnr(damaged, clean);
        const double after = test::psnr(r.pixels, clean);
        EXPECT_GT(after, before + 10.0) << before << " -> " << after;
    }
}

TEST(ApplyTiled, MirroredExtractionAndCancel) {
    cv::Mat m(3, 4, CV_8U);
    for (int i = 0; i < 12; ++i) m.data[i] = static_cast<uint8_t>(i);
    const cv::Mat e = extract_mirrored(m, -1, -1, 6, 5);
    EXPECT_EQ(e.at<uint8_t>(0, 0), m.at<uint8_t>(1, 1));
    EXPECT_EQ(e.at<uint8_t>(1, 1), m.at<uint8_t>(0, 0));
    EXPECT_EQ(e.at<uint8_t>(4, 5), m.at<uint8_t>(1, 2));
    JobControl job;
    job.cancel.request();
    EXPECT_THROW(apply_tiled(
                     m, 2, 1, [](const cv::Mat& t) { return t; }, job),
                 Cancelled);
}

TEST(Estimate, ScalesWithTheImageAndTheTile) {
    const Operation& dn = Registry::instance().get("denoise");
    const Params p = dn.resolve({{"model", "nlmeans"}});
    const JobEstimate small = estimate_job(dn, p, {1000, 1000}, 3, 512, 100.0);
    const JobEstimate big = estimate_job(dn, p, {4000, 3000}, 3, 512, 100.0);
    EXPECT_GT(small.seconds, 0);
    EXPECT_NEAR(big.seconds / small.seconds, 12.0, 1e-9);
    EXPECT_NEAR(big.peak_bytes, small.peak_bytes, 1.0);  // tiles bound the working memory
    EXPECT_DOUBLE_EQ(big.output_bytes, 4000.0 * 3000 * 3);
    const JobEstimate smaller_tiles = estimate_job(dn, p, {4000, 3000}, 3, 128, 100.0);
    EXPECT_LT(smaller_tiles.peak_bytes, big.peak_bytes);
    // A budget between the two picks a tile that fits.
    const double budget = (smaller_tiles.peak_bytes + big.peak_bytes) / 2 + big.output_bytes;
    const int t = tile_that_fits(dn, p, {4000, 3000}, 3, 512, 100.0, budget);
    EXPECT_GE(t, 64);
    EXPECT_LT(t, 512);
    EXPECT_EQ(tile_that_fits(dn, p, {4000, 3000}, 3, 512, 100.0, 1.0), 0);
    EXPECT_GT(available_memory_bytes(), 0);
}

TEST(PreviewEqualsApply, EveryOperationOnRegions) {
    cv::Mat img = test::add_noise(test::synthetic_photo(300, 200), 12.0);
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
    cv::circle(mask, {150, 100}, 20, cv::Scalar(255), -1);
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
        {"upscale", {{"scale", "2"}, {"model", "bicubic"}}},
        {"upscale", {{"scale", "3"}, {"model", "bicubic"}}},
        {"denoise", {{"model", "nlmeans"}, {"strength", "0.6"}}},
        {"denoise", {{"strength", "0.6"}}},  // the default, the tunable network
        {"inpaint", {}},
        {"remove-shadow", {{"model", "relight"}}},
        {"remove-shadow", {{"model", "learned"}, {"grow", "12"}}},
    };
    for (const auto& [id, given] : cases) {
        const Operation& op = Registry::instance().get(id);
        const Params p = op.resolve(given);
        const cv::Mat m = op.info().mask == MaskUse::None ? cv::Mat() : mask;
        const cv::Mat full = op.run(img, m, p, cpu(96)).pixels;
        const int s = full.cols / img.cols;
        for (const cv::Rect r : {cv::Rect(0, 0, 50, 40), cv::Rect(95, 85, 100, 60), cv::Rect(250, 150, 50, 50)}) {
            const cv::Mat part = op.run_region(img, m, p, cpu(96), r).pixels;
            const cv::Mat expect = full(cv::Rect(r.x * s, r.y * s, r.width * s, r.height * s));
            ASSERT_EQ(part.size(), expect.size()) << id;
            EXPECT_EQ(cv::norm(part, expect, cv::NORM_INF), 0) << id << " region " << r;
        }
    }
}

TEST(DefaultTile, LargerOnCudaThanOnTheCpu) {
    EXPECT_EQ(default_tile(DeviceKind::Cpu), 512);
    EXPECT_EQ(default_tile(DeviceKind::Cuda), 1024);
    EXPECT_EQ(default_tile(DeviceKind::Auto), cuda_available() ? 1024 : 512);
}

// MAXIM's tiles carry 64 px of context towards their neighbours (none at the photo's edges) and a
// 32-px feather at interior seams, padded to a multiple of 64: 512-px tiles compute 4 calls of
// 640x640 for a 1024x1024 photo, one 1024-px tile one call of 1024x1024, an interior 1024-px tile
// of a large photo 1216x1216. The estimate counts the calls' pixels, and the CPU default for MAXIM
// is the larger tile where the memory allows.
TEST(DefaultTile, MaximOnTheCpuTakesTheLargerTileWhenTheMemoryAllows) {
    const Operation& dehaze = Registry::instance().get("dehaze");  // tiled (not carried over)
    const Params p = dehaze.resolve({});
    if (find_model("maxim-dehazing-outdoor").state != ModelState::Installed) {
        if (test::in_ci()) FAIL() << "maxim-dehazing-outdoor is not imported";
        GTEST_SKIP() << "maxim-dehazing-outdoor not imported";
    }
    const JobEstimate small = estimate_job(dehaze, p, {1024, 1024}, 3, 512, 100.0);
    const JobEstimate large = estimate_job(dehaze, p, {1024, 1024}, 3, 1024, 100.0);
    EXPECT_NEAR(small.seconds / large.seconds, 4.0 * 640 * 640 / (1024.0 * 1024.0), 1e-9);
    // 1100 floats per pixel of the largest call (measured 947-1059 at 1024x1024) plus 4x the weights.
    const double weights = 4.0 * static_cast<double>(fs::file_size(find_model("maxim-dehazing-outdoor").path));
    EXPECT_NEAR(large.peak_bytes, 1100.0 * 4 * 1024 * 1024 + weights, 1.0);
    EXPECT_NEAR(small.peak_bytes, 1100.0 * 4 * 640 * 640 + weights, 1.0);
    const JobEstimate big = estimate_job(dehaze, p, {4096, 4096}, 3, 1024, 100.0);
    EXPECT_NEAR(big.peak_bytes, 1100.0 * 4 * 1216 * 1216 + weights, 1.0);  // 1024 + 2 (32 + 64), padded

    const double total = static_cast<double>(physical_memory_bytes());
    ASSERT_GT(total, 0);
    const int expected = big.peak_bytes <= 0.6 * total ? 1024 : 512;
    std::printf("[tile] %.1f GB of memory, a 1024-px MAXIM tile needs %.1f GB: CPU default %d\n", total / 1e9,
                big.peak_bytes / 1e9, expected);
    if (total >= 16e9) {
        EXPECT_EQ(expected, 1024);  // 16 GB machines and up
    }
    EXPECT_EQ(default_tile_for(DeviceKind::Cpu, dehaze, p), expected);
    EXPECT_EQ(default_tile_for(DeviceKind::Cuda, dehaze, p), 1024);
    // Retouch and enhance-lowlight run a larger photo as one call at the tile's size (maxim.cpp):
    // 1024x768 for 4000x3000 at 1024, plus the transfer.
    const Operation& retouch = Registry::instance().get("retouch");
    const Params rp = retouch.resolve({});
    const JobEstimate r = estimate_job(retouch, rp, {4000, 3000}, 3, 1024, 100.0);
    const JobEstimate one_call = estimate_job(retouch, rp, {1024, 768}, 3, 0, 100.0);
    EXPECT_NEAR(r.seconds, one_call.seconds + 0.3 * 12.0, 1e-9);
    EXPECT_NEAR(r.peak_bytes, one_call.peak_bytes, 1.0);
    EXPECT_LT(r.seconds, estimate_job(dehaze, p, {4000, 3000}, 3, 1024, 100.0).seconds / 10);
    // Its live preview costs that one call whatever the region; other tools' previews their region.
    EXPECT_DOUBLE_EQ(estimate_preview(retouch, rp, {4000, 3000}, {300, 200}, 3, 1024, 100.0).seconds, r.seconds);
    const Operation& lowlight = Registry::instance().get("enhance-lowlight");
    const Params lp = lowlight.resolve({});
    EXPECT_NEAR(estimate_job(lowlight, lp, {4000, 3000}, 3, 1024, 100.0).seconds,
                estimate_job(lowlight, lp, {1024, 768}, 3, 0, 100.0).seconds + 0.3 * 12.0, 1e-9);
    EXPECT_DOUBLE_EQ(estimate_preview(dehaze, p, {4000, 3000}, {300, 200}, 3, 1024, 100.0).seconds,
                     estimate_job(dehaze, p, {300, 200}, 3, 1024, 100.0).seconds);
    // Networks whose tiles are exact (their context covers their reach) keep the device's default.
    const Operation& upscale = Registry::instance().get("upscale");
    EXPECT_EQ(default_tile_for(DeviceKind::Cpu, upscale, upscale.resolve({})), 512);
    const Operation& denoise = Registry::instance().get("denoise");
    EXPECT_EQ(default_tile_for(DeviceKind::Cpu, denoise, denoise.resolve({{"model", "nlmeans"}})), 512);
}
