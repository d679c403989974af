// A grey photo stays grey through every operation the registry holds (issue 27: the learned
// inpainting put a channel spread of 6 levels into grey photos). Each operation runs with its
// defaults on a small grey photo (and a mask where it takes one); operations whose weights are not
// imported skip (and fail under CI=true, where setup imports them).
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "restora/core/finishing.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "test_util.h"

using namespace restora;

namespace {

std::vector<std::string> registered_ids() {
    std::vector<std::string> ids;
    for (const Operation* op : Registry::instance().all()) ids.push_back(op->info().id);
    return ids;
}

// A grey 8-bit BGR photo with texture, edges and a thin bright scratch.
cv::Mat grey_photo() {
    cv::Mat g(48, 64, CV_8U);
    for (int y = 0; y < g.rows; ++y)
        for (int x = 0; x < g.cols; ++x) g.at<uint8_t>(y, x) = static_cast<uint8_t>(60 + x * 2 + (y % 7) * 5);
    cv::circle(g, {20, 24}, 10, cv::Scalar(200), cv::FILLED);
    cv::line(g, {0, 40}, {63, 5}, cv::Scalar(250), 1, cv::LINE_AA);
    cv::Mat bgr;
    cv::cvtColor(g, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
}

int max_spread(const cv::Mat& bgr) {
    std::vector<cv::Mat> c;
    cv::split(bgr, c);
    cv::Mat hi = cv::max(cv::max(c[0], c[1]), c[2]), lo = cv::min(cv::min(c[0], c[1]), c[2]);
    double m = 0;
    cv::minMaxLoc(hi - lo, nullptr, &m);
    return static_cast<int>(m);
}

class GreyPhoto : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(Monochrome, DetectsGreyPhotos) {
    cv::Mat g = grey_photo();
    EXPECT_TRUE(is_monochrome(g));
    g.at<cv::Vec3b>(3, 3) += cv::Vec3b(0, 0, 2);  // 2 levels: still grey (a JPEG's rounding)
    EXPECT_TRUE(is_monochrome(g));
    g.at<cv::Vec3b>(3, 3) += cv::Vec3b(0, 0, 1);
    EXPECT_FALSE(is_monochrome(g));
}

TEST_P(GreyPhoto, StaysGrey) {
    const Operation& op = Registry::instance().get(GetParam());
    const Params p = op.resolve({});
    for (const std::string& id : op.networks(p)) {
        RESTORA_REQUIRE_MODEL(status, id);
    }
    const cv::Mat image = grey_photo();
    ASSERT_EQ(max_spread(image), 0);
    cv::Mat mask;
    if (op.info().mask != MaskUse::None) {
        mask = cv::Mat(image.size(), CV_8U, cv::Scalar(0));
        cv::rectangle(mask, cv::Rect(14, 18, 14, 10), cv::Scalar(255), cv::FILLED);
    }
    OpContext ctx;
    const OpResult r = op.run(image, mask, p, ctx);
    ASSERT_FALSE(r.pixels.empty());
    EXPECT_LE(max_spread(r.pixels), 2) << GetParam();
    if (!mask.empty() && r.pixels.size() == image.size()) {
        // Outside the mask a masked tool leaves the photo as it was (the projection too).
        cv::Mat diff;
        cv::absdiff(r.pixels, image, diff);
        cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
        cv::Mat grown;
        cv::dilate(mask, grown, cv::getStructuringElement(cv::MORPH_RECT, {33, 33}));
        EXPECT_EQ(cv::countNonZero(diff & (grown == 0)), 0) << GetParam();
    }
}

INSTANTIATE_TEST_SUITE_P(Registry, GreyPhoto, ::testing::ValuesIn(registered_ids()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = i.param;
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });
