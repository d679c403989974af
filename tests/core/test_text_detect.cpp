// Text detection on photos: no text found means the photo comes back bit-identical (the bundled
// sample, a cat whose eyes the detector alone takes for text), and a caption laid over the same
// photo is found whole and erased. The detector fails the tests when CI=true and it is not
// imported (setup imports it), and skips them otherwise.
#include <gtest/gtest.h>

#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/core/text_detect.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

cv::Mat sample() {
    return cv::imread((fs::path(test::source_dir()) / "resources/sample/chelsea-noisy.jpg").string(), cv::IMREAD_COLOR);
}

}  // namespace

TEST(TextOnPhotos, TheBundledSampleHasNoTextAndComesBackIdentical) {
    RESTORA_REQUIRE_MODEL(s, kTextDetectorId);
    const cv::Mat img = sample();
    ASSERT_FALSE(img.empty());
    // The detector's raw candidates include the cat's eyes; the check drops them.
    const std::vector<TextCandidate> cs = text_candidates(img, OpContext{});
    int kept = 0;
    for (const TextCandidate& c : cs) {
        std::printf("candidate %.0fx%.0f score %.2f recheck %.2f -> %s\n", c.evidence.long_side, c.evidence.short_side,
                    c.box.score, c.evidence.recheck, c.text ? "text" : "dropped");
        kept += c.text ? 1 : 0;
    }
    EXPECT_EQ(kept, 0);
    EXPECT_TRUE(detect_text(img, OpContext{}).empty());
    const Operation& op = Registry::instance().get("erase-text");
    const OpResult r = op.run(img, cv::Mat(), op.resolve({}), OpContext{});  // the defaults
    ASSERT_EQ(r.pixels.type(), img.type());
    EXPECT_EQ(cv::norm(r.pixels, img, cv::NORM_INF), 0.0) << "no text: the output must equal the input";
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.back().find("no text found"), std::string::npos);
}

TEST(TextOnPhotos, AGeneratedCaptionIsFoundWholeAndErased) {
    RESTORA_REQUIRE_MODEL(s, kTextDetectorId);
    const cv::Mat clean = sample();
    ASSERT_FALSE(clean.empty());
    cv::Mat img = clean.clone();
    // A date stamp whose last digit touches the right border, and a caption ending in digits.
    const auto stamp = [&](const std::string& t, cv::Point org, double scale) {
        cv::putText(img, t, org, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(20, 20, 20), 5, cv::LINE_AA);
        cv::putText(img, t, org, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(60, 170, 255), 2, cv::LINE_AA);
    };
    stamp("Chelsea 2026", {14, 40}, 1.0);
    int base = 0;
    const cv::Size sz = cv::getTextSize("'98 7 14", cv::FONT_HERSHEY_DUPLEX, 0.9, 5, &base);
    stamp("'98 7 14", {img.cols - sz.width + 2, img.rows - 14}, 0.9);
    cv::Mat diff;
    cv::absdiff(img, clean, diff);
    std::vector<cv::Mat> ch;
    cv::split(diff, ch);
    const cv::Mat glyphs = cv::max(cv::max(ch[0], ch[1]), ch[2]) > 24;
    const std::vector<TextBox> boxes = detect_text(img, OpContext{});
    EXPECT_GE(boxes.size(), 2u);
    const cv::Mat found = text_mask(img.size(), boxes, kTextMaskGrow, kTextMaskGrowFraction);
    const double recall = cv::countNonZero(glyphs & found) / static_cast<double>(cv::countNonZero(glyphs));
    std::printf("%zu region(s), glyph-pixel recall %.3f\n", boxes.size(), recall);
    EXPECT_GE(recall, 0.95);
    const Operation& op = Registry::instance().get("erase-text");
    const OpResult r = op.run(img, cv::Mat(), op.resolve({}), OpContext{});
    cv::Mat region;
    cv::dilate(glyphs, region, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));
    const double before = psnr(img, clean, region);
    const double after = psnr(r.pixels, clean, region);
    std::printf("PSNR in the text region: input %.2f dB, erased %.2f dB\n", before, after);
    EXPECT_GT(after, before + 6.0);
    // Far from the text, nothing changes.
    cv::Mat near;
    cv::dilate(glyphs, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {61, 61}));
    cv::Mat d2;
    cv::absdiff(r.pixels, img, d2);
    EXPECT_EQ(cv::norm(d2, cv::NORM_INF, ~near), 0.0);
}
