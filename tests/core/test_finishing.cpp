// The common finishing every operation gets from the registry: `amount` blends the result with the
// input, and operations without a mask of their own take one with a feathered edge.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "restora/core/finishing.h"
#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;

namespace {

const Operation& op(const std::string& id) { return Registry::instance().get(id); }

OpResult run(const std::string& id, const cv::Mat& img, const cv::Mat& mask,
             const std::map<std::string, std::string>& params) {
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    return op(id).run(img, mask, op(id).resolve(params), ctx);
}

// A disc in the middle of a w x h frame, 0/255.
cv::Mat disc(int w, int h, int r) {
    cv::Mat m(h, w, CV_8U, cv::Scalar(0));
    cv::circle(m, {w / 2, h / 2}, r, cv::Scalar(255), -1);
    return m;
}

int max_abs(const cv::Mat& a, const cv::Mat& b) { return static_cast<int>(cv::norm(a, b, cv::NORM_INF)); }

}  // namespace

TEST(Finishing, EveryOperationHasAmountAndMaskFreeOperationsTakeAFeatheredMask) {
    for (const Operation* o : Registry::instance().all()) {
        const OperationInfo& inf = o->info();
        EXPECT_EQ(default_of(inf, "amount"), "1") << inf.id;
        const bool same_size = o->output_size({64, 48}, o->resolve({})) == cv::Size(64, 48);
        if (same_size) {
            EXPECT_NE(inf.mask, MaskUse::None) << inf.id << ": every same-size tool can be limited to a mask";
        } else {
            EXPECT_EQ(inf.mask, MaskUse::None) << inf.id;
            EXPECT_EQ(default_of(inf, "feather"), "") << inf.id;
        }
    }
    EXPECT_EQ(op("denoise").info().mask, MaskUse::Optional);
    EXPECT_EQ(default_of(op("denoise").info(), "feather"), "8");
    EXPECT_EQ(default_of(op("inpaint").info(), "feather"), "") << "inpaint's mask is its own";
    EXPECT_EQ(op("inpaint").info().mask, MaskUse::Required);
    try {
        (void)op("denoise").resolve({{"amount", "1.5"}});
        FAIL() << "amount above 1 accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("amount"), std::string::npos) << e.what();
    }
    // The operation's own rules still apply with the common parameters present.
    EXPECT_THROW((void)op("upscale").resolve({{"model", "tunable"}, {"scale", "2"}, {"amount", "0.5"}}), Error);
}

TEST(Finishing, FeatherWeightsAreZeroOutsideAndOneAFeatherInside) {
    const cv::Mat m = disc(80, 60, 20);
    const cv::Mat w = feather_weights(m, 8);
    ASSERT_EQ(w.type(), CV_32F);
    EXPECT_EQ(cv::countNonZero((w > 0) & (m == 0)), 0) << "weight outside the mask";
    EXPECT_FLOAT_EQ(w.at<float>(30, 40), 1.0F) << "the centre is 20 px inside";
    EXPECT_GT(w.at<float>(30, 21), 0.0F);
    EXPECT_LT(w.at<float>(30, 21), 0.5F) << "two pixels inside the edge";
    EXPECT_LT(w.at<float>(30, 21), w.at<float>(30, 25));
    const cv::Mat hard = feather_weights(m, 0);
    EXPECT_EQ(cv::countNonZero(hard), cv::countNonZero(m));
    double lo = 0, hi = 0;
    cv::minMaxLoc(hard, &lo, &hi);
    EXPECT_EQ(hi, 1.0);
}

TEST(Finishing, BlendKeepsZeroWeightPixelsExactAndLandsHalfway) {
    for (int depth : {CV_8U, CV_16U}) {
        const cv::Mat a = test::synthetic_photo(40, 30, depth, 3);
        const cv::Mat b = test::synthetic_photo(40, 30, depth, 4);
        EXPECT_EQ(max_abs(blend_result(a, b, {}, 0), a), 0);
        EXPECT_EQ(max_abs(blend_result(a, b, {}, 1), b), 0);
        cv::Mat half_ref;
        cv::addWeighted(a, 0.5, b, 0.5, 0, half_ref);
        EXPECT_LE(max_abs(blend_result(a, b, {}, 0.5), half_ref), 1);
        const cv::Mat w = feather_weights(disc(40, 30, 8), 4);
        const cv::Mat out = blend_result(a, b, w, 1);
        cv::Mat outside = w == 0;
        EXPECT_EQ(cv::norm(out, a, cv::NORM_INF, outside), 0) << "outside the mask: the input, bit for bit";
    }
    EXPECT_THROW((void)blend_result(cv::Mat(4, 4, CV_8UC3), cv::Mat(5, 4, CV_8UC3), {}, 0.5), Error);
}

TEST(Finishing, MaskLimitsAToolWithoutAMaskOfItsOwn) {
    const cv::Mat clean = test::synthetic_photo(96, 72);
    const cv::Mat noisy = test::add_noise(clean, 20);
    const cv::Mat mask = disc(96, 72, 26);
    const cv::Mat full = run("denoise", noisy, {}, {{"model", "nlmeans"}}).pixels;
    const cv::Mat limited = run("denoise", noisy, mask, {{"model", "nlmeans"}, {"feather", "8"}}).pixels;
    ASSERT_GT(max_abs(full, noisy), 10) << "the tool changes the photo";
    cv::Mat outside = mask == 0;
    EXPECT_EQ(cv::norm(limited, noisy, cv::NORM_INF, outside), 0) << "outside the mask, bit-identical";
    cv::Mat deep;
    cv::erode(mask, deep, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * 9 + 1, 2 * 9 + 1}));
    EXPECT_LE(cv::norm(limited, full, cv::NORM_INF, deep), 1) << "beyond the feather, the unmasked result";
    // The feather band lies between the two.
    cv::Mat band = mask & ~deep;
    EXPECT_GT(cv::norm(limited, full, cv::NORM_INF, band), 0);
    // Preview = Apply with a mask too: a region is what the whole run gives there.
    const cv::Rect region(30, 20, 40, 30);
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    const Params p = op("denoise").resolve({{"model", "nlmeans"}});
    const cv::Mat part = op("denoise").run_region(noisy, mask, p, ctx, region).pixels;
    EXPECT_EQ(max_abs(part, limited(region)), 0);
    // A mask that selects nothing: the photo, with a warning.
    const OpResult none = run("denoise", noisy, cv::Mat::zeros(noisy.size(), CV_8U), {{"model", "nlmeans"}});
    EXPECT_EQ(max_abs(none.pixels, noisy), 0);
    EXPECT_FALSE(none.warnings.empty());
}

TEST(Finishing, AmountBlendsWithTheInputOrWithBicubicForUpscale) {
    const cv::Mat noisy = test::add_noise(test::synthetic_photo(64, 48), 20);
    const cv::Mat full = run("denoise", noisy, {}, {{"model", "nlmeans"}}).pixels;
    EXPECT_EQ(max_abs(run("denoise", noisy, {}, {{"model", "nlmeans"}, {"amount", "0"}}).pixels, noisy), 0);
    cv::Mat half_ref;
    cv::addWeighted(noisy, 0.5, full, 0.5, 0, half_ref);
    EXPECT_LE(max_abs(run("denoise", noisy, {}, {{"model", "nlmeans"}, {"amount", "0.5"}}).pixels, half_ref), 1);
    // Masked tools with a mask of their own: amount blends inside it, outside stays exact.
    const cv::Mat mask = disc(64, 48, 12);
    const cv::Mat filled = run("inpaint", noisy, mask, {{"model", "telea"}}).pixels;
    const cv::Mat half = run("inpaint", noisy, mask, {{"model", "telea"}, {"amount", "0.5"}}).pixels;
    cv::addWeighted(noisy, 0.5, filled, 0.5, 0, half_ref);
    EXPECT_LE(max_abs(half, half_ref), 1);
    EXPECT_GT(max_abs(half, filled), 5);
    // Upscale: amount 0 is the bicubic enlargement, 1 the network's (here bicubic itself).
    const cv::Mat small = test::synthetic_photo(24, 16);
    const cv::Mat bicubic = run("upscale", small, {}, {{"model", "bicubic"}, {"scale", "2"}}).pixels;
    const cv::Mat zero = run("upscale", small, {}, {{"model", "bicubic"}, {"scale", "2"}, {"amount", "0"}}).pixels;
    EXPECT_EQ(zero.size(), cv::Size(48, 32));
    EXPECT_EQ(max_abs(zero, bicubic), 0);
}

TEST(Finishing, TheHistoryRecordsAmountFeatherAndMaskAndReplayReproducesThem) {
    test::TempDir dir;
    const cv::Mat noisy = test::add_noise(test::synthetic_photo(80, 60), 20);
    const auto in = dir.path() / "in.png";
    const auto mask_path = dir.path() / "mask.png";
    ASSERT_TRUE(cv::imwrite(in.string(), noisy));
    ASSERT_TRUE(cv::imwrite(mask_path.string(), disc(80, 60, 20)));
    EditRequest r;
    r.op = "denoise";
    r.params = {{"model", "nlmeans"}, {"amount", "0.7"}, {"feather", "4"}};
    r.input = in;
    r.output = dir.path() / "out.png";
    r.mask = mask_path;
    r.device = DeviceKind::Cpu;
    (void)run_edit(validate_edit(r), JobControl{});
    const LoadedImage out = load_image(r.output);
    const History h = History::from_json(out.metadata.history_json());
    ASSERT_EQ(h.entries.size(), 1U);
    EXPECT_EQ(h.entries[0].params.at("amount"), "0.7");
    EXPECT_EQ(h.entries[0].params.at("feather"), "4");
    EXPECT_FALSE(h.entries[0].mask_sha256.empty());
    const auto again = dir.path() / "again.png";
    (void)replay_edit(r.output, in, again, DeviceKind::Cpu, std::nullopt, ExportOptions{}, JobControl{});
    EXPECT_EQ(max_abs(load_image(again).pixels, out.pixels), 0);
    EXPECT_NE(max_abs(out.pixels, noisy), 0);
}
