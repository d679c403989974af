// Old-photo damage: the classical detector, the thin-structure fill, remove-damage's mask
// conventions (erase-text's) and `restora-cli detect`.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "restora/core/engines/damage.h"
#include "restora/core/image_io.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

// A grainy grey photo (smooth shading and a disc) and the same with two scratches and dust.
struct Damaged {
    cv::Mat clean, input, truth;
};

Damaged damaged_photo(double grain = 4.0) {
    cv::Mat g(160, 200, CV_32F);
    for (int y = 0; y < g.rows; ++y)
        for (int x = 0; x < g.cols; ++x) g.at<float>(y, x) = static_cast<float>(70 + 0.4 * x + 0.2 * y);
    cv::circle(g, {60, 60}, 25, cv::Scalar(170), cv::FILLED, cv::LINE_AA);
    cv::Mat n(g.size(), CV_32F);
    cv::RNG rng(7);
    rng.fill(n, cv::RNG::NORMAL, 0, grain);
    g += n;
    Damaged d;
    cv::Mat g8;
    g.convertTo(g8, CV_8U);
    cv::cvtColor(g8, d.clean, cv::COLOR_GRAY2BGR);
    d.input = d.clean.clone();
    d.truth = cv::Mat(g.size(), CV_8U, cv::Scalar(0));
    for (auto* m : {&d.input, &d.truth}) {
        const bool truth = m == &d.truth;
        cv::line(*m, {10, 150}, {190, 20}, truth ? cv::Scalar(255) : cv::Scalar(235, 235, 235), 1, cv::LINE_AA);
        cv::line(*m, {150, 0}, {120, 159}, truth ? cv::Scalar(255) : cv::Scalar(20, 20, 20), 2, cv::LINE_AA);
        for (cv::Point p : {cv::Point(30, 120), cv::Point(170, 140), cv::Point(100, 30)})
            cv::circle(*m, p, 2, truth ? cv::Scalar(255) : cv::Scalar(240, 240, 240), cv::FILLED, cv::LINE_AA);
    }
    return d;
}

cv::Mat grow(const cv::Mat& m, int r) {
    cv::Mat out;
    cv::dilate(m, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    return out;
}

double share_found(const cv::Mat& truth, const cv::Mat& found) {
    return cv::countNonZero(truth & grow(found, 2)) / static_cast<double>(std::max(1, cv::countNonZero(truth)));
}

}  // namespace

TEST(DamageDetect, FindsScratchesAndDustNotGrain) {
    const Damaged d = damaged_photo();
    const cv::Mat found = detect_damage(d.input, kDefaultDamageSensitivity);
    ASSERT_EQ(found.size(), d.input.size());
    ASSERT_EQ(found.type(), CV_8U);
    EXPECT_GT(share_found(d.truth, found), 0.85);
    // Found pixels away from the damage: grain, the disc's edge.
    const int false_alarms = cv::countNonZero(found & (grow(d.truth, 3) == 0));
    EXPECT_LT(false_alarms, static_cast<int>(0.005 * found.total())) << false_alarms;
    // The undamaged grainy photo: (almost) nothing.
    EXPECT_LT(cv::countNonZero(detect_damage(d.clean, kDefaultDamageSensitivity)),
              static_cast<int>(0.005 * found.total()));
}

TEST(DamageDetect, SensitivityFindsMoreWhenHigher) {
    const Damaged d = damaged_photo(8.0);
    const int low = cv::countNonZero(detect_damage(d.input, 0.1));
    const int mid = cv::countNonZero(detect_damage(d.input, 0.5));
    const int high = cv::countNonZero(detect_damage(d.input, 1.0));
    EXPECT_LE(low, mid);
    EXPECT_LT(mid, high);
}

TEST(DamageDetect, SixteenBitAndAlpha) {
    const Damaged d = damaged_photo();
    cv::Mat wide, bgra;
    d.input.convertTo(wide, CV_16U, 257.0);
    cv::cvtColor(wide, bgra, cv::COLOR_BGR2BGRA);
    EXPECT_GT(share_found(d.truth, detect_damage(bgra, kDefaultDamageSensitivity)), 0.85);
}

TEST(RemoveDamage, RepairsAndLeavesTheRestIdentical) {
    const Damaged d = damaged_photo();
    const Operation& op = Registry::instance().get("remove-damage");
    OpContext ctx;
    const OpResult r = op.run(d.input, cv::Mat(), op.resolve({}), ctx);
    ASSERT_EQ(r.pixels.size(), d.input.size());
    EXPECT_GT(test::psnr(r.pixels, d.clean), test::psnr(d.input, d.clean) + 6) << "auto repair gains too little";
    cv::Mat diff;
    cv::absdiff(r.pixels, d.input, diff);
    cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
    const cv::Mat found = detect_damage(d.input, kDefaultDamageSensitivity);
    EXPECT_EQ(cv::countNonZero((diff != 0) & (found == 0)), 0) << "a pixel outside the detected mask changed";
}

TEST(RemoveDamage, MaskConventionsOfEraseText) {
    const Damaged d = damaged_photo();
    const Operation& op = Registry::instance().get("remove-damage");
    OpContext ctx;
    // detect=false needs a mask.
    try {
        (void)op.run(d.input, cv::Mat(), op.resolve({{"detect", "false"}}), ctx);
        FAIL() << "detect=false without a mask ran";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
    // A mask with detect=auto: only the mask is filled.
    cv::Mat mask(d.input.size(), CV_8U, cv::Scalar(0));
    cv::circle(mask, {30, 120}, 4, cv::Scalar(255), cv::FILLED);
    const OpResult only = op.run(d.input, mask, op.resolve({}), ctx);
    cv::Mat diff;
    cv::absdiff(only.pixels, d.input, diff);
    cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(cv::countNonZero((diff != 0) & (mask == 0)), 0);
    EXPECT_GT(cv::countNonZero(diff), 0);
    // detect=true: the mask and the detected damage.
    const OpResult both = op.run(d.input, mask, op.resolve({{"detect", "true"}}), ctx);
    EXPECT_GT(cv::countNonZero(cv::Mat(cv::abs(both.pixels - d.input)).reshape(1) != 0), cv::countNonZero(diff) + 50);
}

TEST(RemoveDamage, GrainFollowsThePhoto) {
    const Damaged d = damaged_photo(6.0);
    const cv::Mat truth = grow(d.truth, 1);
    const cv::Mat smooth = fill_damage(d.input, truth, 0.0);
    const cv::Mat grainy = fill_damage(d.input, truth, 1.0);
    auto roughness = [&](const cv::Mat& img) {
        cv::Mat g, med;
        cv::cvtColor(img, g, cv::COLOR_BGR2GRAY);
        cv::medianBlur(g, med, 3);
        cv::Mat r;
        cv::absdiff(g, med, r);
        return cv::mean(r, d.truth)[0];
    };
    const double clean = roughness(d.clean);
    EXPECT_LT(roughness(smooth), 0.6 * clean) << "the smooth fill should be smoother than the grain";
    EXPECT_GT(roughness(grainy), 0.7 * clean);
    EXPECT_LT(roughness(grainy), 1.5 * clean);
    // Deterministic, and the same pixels change.
    EXPECT_EQ(cv::countNonZero(cv::Mat(grainy != fill_damage(d.input, truth, 1.0)).reshape(1)), 0);
}

TEST(DetectCli, WritesAnEightBitMaskOfTheOrientedSize) {
    if (test::cli_path().empty()) GTEST_SKIP() << "RESTORA_TEST_CLI not set";
    test::TempDir dir;
    const Damaged d = damaged_photo();
    const fs::path in = dir / "scan.jpg";
    ASSERT_TRUE(cv::imwrite(in.string(), d.input, {cv::IMWRITE_JPEG_QUALITY, 95}));
    // EXIF orientation 6: the upright photo is 160 wide and 200 high.
    const test::Result ex = test::sh("exiv2 -M'set Exif.Image.Orientation Short 6' " + test::quote(in));
    ASSERT_EQ(ex.code, 0) << ex.output;
    const fs::path out = dir / "scan-mask.png";
    const std::string cli = test::quote(test::cli_path());
    test::Result r = test::sh(cli + " detect damage " + test::quote(in) + " -o " + test::quote(out));
    ASSERT_EQ(r.code, 0) << r.output;
    const cv::Mat m = cv::imread(out.string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(m.type(), CV_8UC1);
    EXPECT_EQ(m.cols, 160);
    EXPECT_EQ(m.rows, 200);
    cv::Mat upright;
    cv::rotate(d.truth, upright, cv::ROTATE_90_CLOCKWISE);
    EXPECT_GT(share_found(upright, m), 0.8);
    // An existing output needs --overwrite; a text detector takes no sensitivity; unknown kind.
    EXPECT_EQ(test::sh(cli + " detect damage " + test::quote(in) + " -o " + test::quote(out)).code, 2);
    EXPECT_EQ(test::sh(cli + " detect damage " + test::quote(in) + " -o " + test::quote(out) +
                       " --overwrite --set sensitivity=0.9")
                  .code,
              0);
    EXPECT_EQ(test::sh(cli + " detect text " + test::quote(in) + " -o " + test::quote(dir / "t.png") +
                       " --set sensitivity=0.9")
                  .code,
              2);
    EXPECT_EQ(test::sh(cli + " detect faces " + test::quote(in) + " -o " + test::quote(dir / "f.png")).code, 2);
    EXPECT_EQ(test::sh(cli + " detect damage " + test::quote(in) + " -o " + test::quote(dir / "m.jpg")).code, 2);
    // Never onto an input.
    EXPECT_NE(test::sh(cli + " detect damage " + test::quote(out) + " -o " + test::quote(out) + " --overwrite").code,
              0);
}
