// Metric code checked against values that follow from the definitions.
#include <gtest/gtest.h>

#include "restora/core/metrics.h"
#include "test_util.h"

using namespace restora;

TEST(Metrics, PsnrFollowsItsDefinition) {
    const cv::Mat a(32, 32, CV_8UC3, cv::Scalar(100, 100, 100));
    const cv::Mat b(32, 32, CV_8UC3, cv::Scalar(101, 101, 101));
    EXPECT_NEAR(psnr(a, b), 20.0 * std::log10(255.0), 1e-6);  // error of one level everywhere
    EXPECT_TRUE(std::isinf(psnr(a, a)));
    cv::Mat mask(32, 32, CV_8U, cv::Scalar(0));
    mask(cv::Rect(0, 0, 8, 8)).setTo(255);
    cv::Mat c = a.clone();
    c(cv::Rect(0, 0, 8, 8)).setTo(cv::Scalar(110, 110, 110));
    EXPECT_NEAR(psnr(a, c, mask), 20.0 * std::log10(255.0 / 10.0), 1e-6);
    EXPECT_NEAR(mean_abs_error(a, c, mask), 10.0 / 255.0, 1e-6);
    const cv::Mat a16(8, 8, CV_16UC3, cv::Scalar::all(30000));
    const cv::Mat b16(8, 8, CV_16UC3, cv::Scalar::all(30257));
    EXPECT_NEAR(psnr(a16, b16), 20.0 * std::log10(65535.0 / 257.0), 1e-6);
}

TEST(Metrics, LumaPsnrIgnoresTheBorder) {
    const cv::Mat a = test::synthetic_photo(40, 40);
    cv::Mat b = a.clone();
    b(cv::Rect(0, 0, 40, 2)).setTo(cv::Scalar(0, 0, 0));
    EXPECT_TRUE(std::isinf(psnr_y(a, b, 2)));
    EXPECT_FALSE(std::isinf(psnr_y(a, b, 1)));
}

TEST(Metrics, SsimIsOneForIdenticalAndDropsWithNoise) {
    const cv::Mat a = test::synthetic_photo(64, 64);
    EXPECT_NEAR(ssim(a, a), 1.0, 1e-9);
    const double light = ssim(a, test::add_noise(a, 5));
    const double heavy = ssim(a, test::add_noise(a, 30));
    EXPECT_LT(light, 1.0);
    EXPECT_LT(heavy, light);
    EXPECT_THROW(ssim(a, cv::Mat(10, 10, CV_8UC3)), std::exception);
}

TEST(Metrics, MaskedSsimAveragesOnlyTheSelectedPixelsOfEveryChannel) {
    const cv::Mat a = test::synthetic_photo(96, 64);
    cv::Mat b = a.clone();
    // Only the red channel of the right half changes: a mean over the left half sees nothing,
    // one over the right half sees it (each channel weighs a third).
    std::vector<cv::Mat> ch;
    cv::split(b, ch);
    cv::Mat right = ch[2](cv::Rect(48, 0, 48, 64));
    cv::Mat noisy = test::add_noise(right, 25);
    noisy.copyTo(right);
    cv::merge(ch, b);
    cv::Mat left_mask(a.size(), CV_8U, cv::Scalar(0));
    left_mask(cv::Rect(0, 0, 40, 64)).setTo(255);
    cv::Mat right_mask(a.size(), CV_8U, cv::Scalar(0));
    right_mask(cv::Rect(56, 0, 40, 64)).setTo(255);
    EXPECT_NEAR(ssim(a, b, left_mask), 1.0, 1e-9);
    const double r = ssim(a, b, right_mask);
    EXPECT_LT(r, 0.95);
    EXPECT_GT(r, 2.0 / 3.0) << "blue and green are untouched there";
    EXPECT_LT(ssim(a, b), 1.0);
    EXPECT_NEAR(ssim(a, b, cv::Mat(a.size(), CV_8U, cv::Scalar(0))), 1.0, 1e-12) << "an empty selection";
}
