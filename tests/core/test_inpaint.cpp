// Inpainting at full resolution: PatchMatch alone and as the refinement of the learned fill, mask
// regions, seams, determinism, cancel, progress and Preview = Apply.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "restora/core/metrics.h"
#include "restora/core/ops.h"
#include "restora/core/patchmatch.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;

namespace {

OpContext cpu() {
    OpContext c;
    c.device = DeviceKind::Cpu;
    return c;
}

// Two holes far apart (two regions), one close pair (merged into one region).
cv::Mat holes(cv::Size size) {
    cv::Mat mask(size, CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(size.width / 5, size.height / 4, size.width / 6, size.height / 5), cv::Scalar(255),
                  -1);
    cv::line(mask, {size.width / 2, size.height * 3 / 4}, {size.width * 9 / 10, size.height * 3 / 5}, cv::Scalar(255),
             7);
    cv::circle(mask, {size.width * 9 / 10, size.height / 5}, 6, cv::Scalar(255), -1);
    cv::circle(mask, {size.width * 9 / 10 + 18, size.height / 5 + 4}, 5, cv::Scalar(255), -1);
    return mask;
}

// A photo-like image with fine texture everywhere: the case a smooth fill cannot reproduce.
cv::Mat textured(int w, int h, int depth) {
    cv::Mat img(h, w, CV_32FC3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float v = 0.5F + 0.35F * std::sin(0.9F * x + 0.25F * y) * std::cos(0.6F * y);
            img.at<cv::Vec3f>(y, x) = {v, 0.3F + 0.4F * v, 0.8F - 0.5F * v};
        }
    }
    cv::Mat out;
    img.convertTo(out, depth, depth == CV_16U ? 65535.0 : 255.0);
    return out;
}

// Mean gradient magnitude over the mask (Sobel on the grey image, 8-bit units).

double psnr_in(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
    const double full = a.depth() == CV_16U ? 65535.0 : 255.0;
    const double n = cv::countNonZero(mask) * a.channels();
    const double se = std::pow(cv::norm(a, b, cv::NORM_L2, mask), 2) / n;
    return 10.0 * std::log10(full * full / std::max(se, 1e-12));
}

void expect_outside_identical(const cv::Mat& out, const cv::Mat& in, const cv::Mat& mask, const std::string& what) {
    ASSERT_EQ(out.type(), in.type()) << what;
    ASSERT_EQ(out.size(), in.size()) << what;
    cv::Mat outside;
    cv::bitwise_not(mask, outside);
    EXPECT_EQ(cv::norm(out, in, cv::NORM_INF, outside), 0) << what << ": pixels outside the mask changed";
    if (in.channels() == 4) {
        cv::Mat a;
        cv::Mat b;
        cv::extractChannel(out, a, 3);
        cv::extractChannel(in, b, 3);
        EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0) << what << ": alpha changed";
    }
    // The hole really was filled: no damage colour left.
    EXPECT_GT(cv::norm(out, in, cv::NORM_L1, mask), 0) << what;
}

}  // namespace

TEST(MaskRegions, MergesNearbyHolesAndKeepsDistantOnesApart) {
    const cv::Mat mask = holes({300, 200});
    const MaskRegions r = find_mask_regions(mask, 32);
    EXPECT_EQ(r.boxes.size(), 3U);  // rectangle, line, the two close circles together
    EXPECT_EQ(find_mask_regions(mask, 0).boxes.size(), 4U);
    EXPECT_EQ(cv::countNonZero(r.labels), cv::countNonZero(mask));
    for (size_t k = 0; k < r.boxes.size(); ++k) {
        EXPECT_EQ(cv::boundingRect(r.labels == static_cast<int>(k + 1)), r.boxes[k]);
    }
    EXPECT_TRUE(find_mask_regions(cv::Mat::zeros(10, 10, CV_8U), 32).boxes.empty());
}

TEST(Inpaint, EveryModelLeavesPixelsOutsideTheMaskAndAlphaBitIdentical) {
    for (const char* model : {"patchmatch", "learned", "telea"}) {
        for (int depth : {CV_8U, CV_16U}) {
            for (int channels : {3, 4}) {
                cv::Mat img = test::synthetic_photo(240, 180, depth);
                if (channels == 4) {
                    cv::cvtColor(img, img, cv::COLOR_BGR2BGRA);
                    std::vector<cv::Mat> planes;
                    cv::split(img, planes);
                    cv::randu(planes[3], 0, depth == CV_16U ? 65535 : 255);
                    cv::merge(planes, img);
                }
                const cv::Mat mask = holes(img.size());
                cv::Mat damaged = img.clone();
                damaged.setTo(cv::Scalar(0, depth == CV_16U ? 65535 : 255, 0, 17), mask);
                const Operation& op = Registry::instance().get("inpaint");
                const OpResult r = op.run(damaged, mask, op.resolve({{"model", model}}), cpu());
                // Alpha inside the hole is the input's too (only colour is filled).
                expect_outside_identical(
                    r.pixels, damaged, mask,
                    std::string(model) + " depth " + std::to_string(depth) + " channels " + std::to_string(channels));
                cv::Mat out_bgr;
                cv::Mat img_bgr;
                cv::Mat damaged_bgr;
                cv::extractChannel(r.pixels, out_bgr, 0);  // blue is damaged (0) in the hole
                cv::extractChannel(img, img_bgr, 0);
                cv::extractChannel(damaged, damaged_bgr, 0);
                EXPECT_GT(test::psnr(out_bgr, img_bgr), test::psnr(damaged_bgr, img_bgr) + 8.0) << model;
            }
        }
    }
}

TEST(Inpaint, PatchMatchIsDeterministicAndPreviewEqualsApply) {
    const cv::Mat img = test::add_noise(test::synthetic_photo(300, 200), 6.0);
    const cv::Mat mask = holes(img.size());
    for (const char* model : {"patchmatch", "learned"}) {
        const Operation& op = Registry::instance().get("inpaint");
        const Params p = op.resolve({{"model", model}});
        const cv::Mat a = op.run(img, mask, p, cpu()).pixels;
        const cv::Mat b = op.run(img, mask, p, cpu()).pixels;
        EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0) << model << ": two runs differ";
        for (const cv::Rect r : {cv::Rect(0, 0, 120, 100), cv::Rect(140, 120, 160, 80), cv::Rect(250, 20, 50, 50),
                                 cv::Rect(0, 150, 40, 50)}) {
            const cv::Mat part = op.run_region(img, mask, p, cpu(), r).pixels;
            ASSERT_EQ(part.size(), r.size());
            EXPECT_EQ(cv::norm(part, a(r), cv::NORM_INF), 0) << model << " region " << r;
        }
    }
}

TEST(Inpaint, PatchMatchCancelsMidRunAndReportsProgress) {
    const cv::Mat img = test::synthetic_photo(400, 300);
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(150, 100, 100, 80), cv::Scalar(255), -1);
    const Operation& op = Registry::instance().get("inpaint");
    const Params p = op.resolve({{"model", "patchmatch"}});
    {
        OpContext ctx = cpu();
        std::vector<int> seen;
        ctx.job.progress = [&seen](int v) { seen.push_back(v); };
        (void)op.run(img, mask, p, ctx);
        ASSERT_GE(seen.size(), 5U);
        EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
        EXPECT_EQ(seen.back(), 100);
    }
    {
        OpContext ctx = cpu();
        int last = -1;
        const CancelToken token = ctx.job.cancel;
        ctx.job.progress = [&last, token](int v) {
            last = v;
            if (v >= 10) token.request();  // the user presses Cancel while it runs
        };
        EXPECT_THROW((void)op.run(img, mask, p, ctx), Cancelled);
        EXPECT_LT(last, 60) << "the cancel was noticed late";
    }
    {
        OpContext ctx = cpu();
        ctx.job.cancel.request();
        EXPECT_THROW((void)op.run(img, mask, p, ctx), Cancelled);
    }
}

TEST(Inpaint, PatchMatchRestoresTextureThatSmoothFillsLose) {
    for (int depth : {CV_8U, CV_16U}) {
        const cv::Mat clean = textured(320, 240, depth);
        cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
        cv::rectangle(mask, cv::Rect(130, 90, 48, 40), cv::Scalar(255), -1);
        cv::Mat damaged = clean.clone();
        damaged.setTo(cv::Scalar::all(0), mask);
        const Operation& op = Registry::instance().get("inpaint");
        const cv::Mat pm = op.run(damaged, mask, op.resolve({{"model", "patchmatch"}}), cpu()).pixels;
        const cv::Mat telea = op.run(damaged, mask, op.resolve({{"model", "telea"}}), cpu()).pixels;
        const double truth = gradient_energy(clean, mask);
        const double g_pm = gradient_energy(pm, mask);
        const double g_telea = gradient_energy(telea, mask);
        const double p_pm = psnr_in(pm, clean, mask);
        const double p_telea = psnr_in(telea, clean, mask);
        EXPECT_GT(g_pm, 0.8 * truth) << "patchmatch lost the texture: " << g_pm << " vs truth " << truth;
        EXPECT_LT(g_telea, 0.6 * truth) << "telea baseline unexpectedly sharp";
        EXPECT_GT(p_pm, p_telea + 3.0) << "patchmatch " << p_pm << " dB vs telea " << p_telea << " dB";
    }
}

TEST(Inpaint, InvalidModelOrMaskIsAUsageError) {
    const Operation& op = Registry::instance().get("inpaint");
    try {
        (void)op.resolve({{"model", "exemplar"}});
        ADD_FAILURE() << "model=exemplar accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        const std::string what = e.what();
        EXPECT_NE(what.find("patchmatch"), std::string::npos) << "the message should list the choices: " << what;
    }
    EXPECT_EQ(op.resolve({}).text("model"), "learned");
    EXPECT_EQ(op.resolve({{"model", "patchmatch"}}).text("model"), "patchmatch");
    const cv::Mat img = test::synthetic_photo(64, 48);
    try {
        (void)op.run(img, cv::Mat::zeros(40, 30, CV_8U), op.resolve({{"model", "patchmatch"}}), cpu());
        ADD_FAILURE() << "a mask of the wrong size was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
    try {
        (void)op.run_region(img, cv::Mat::zeros(img.size(), CV_8U), op.resolve({}), cpu(), cv::Rect(50, 40, 30, 30));
        ADD_FAILURE() << "a region outside the image was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
}

TEST(Seam, OffsetAlongTheBorderIsRemovedAndFadesInward) {
    const cv::Mat photo(80, 80, CV_32FC3, cv::Scalar(0.5, 0.5, 0.5));
    cv::Mat role(photo.size(), CV_8U, cv::Scalar(kRoleKnown));
    role(cv::Rect(20, 20, 40, 40)).setTo(kRoleFill);
    cv::Mat fill(photo.size(), CV_32FC3, cv::Scalar(0.4, 0.4, 0.4));  // a fill that is 0.1 too dark
    correct_seam(photo, fill, role, 8.0F);
    // At the hole's edge the fill meets the photo; deep inside it is left as it was.
    EXPECT_NEAR(fill.at<cv::Vec3f>(20, 40)[0], 0.5F, 0.02F);
    EXPECT_NEAR(fill.at<cv::Vec3f>(40, 20)[1], 0.5F, 0.02F);
    EXPECT_NEAR(fill.at<cv::Vec3f>(40, 40)[2], 0.4F, 1e-6F);
    // Known pixels are not touched.
    EXPECT_FLOAT_EQ(fill.at<cv::Vec3f>(5, 5)[0], 0.4F);
}

TEST(Inpaint, LearnedRefinementAddsDetailToLargeHoles) {
    const cv::Mat clean = textured(1000, 800, CV_8U);
    cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(350, 280, 300, 240), cv::Scalar(255),
                  -1);  // the network runs at 128/600, below 1/4 of the photo's resolution: refined
    cv::Mat damaged = clean.clone();
    damaged.setTo(cv::Scalar::all(0), mask);
    const cv::Rect all(0, 0, clean.cols, clean.rows);
    const cv::Mat refined = run_inpaint(damaged, mask, InpaintMethod::Learned, cpu(), all).pixels;
    const cv::Mat soft = run_inpaint(damaged, mask, InpaintMethod::LearnedNoRefinement, cpu(), all).pixels;
    const double truth = gradient_energy(clean, mask);
    EXPECT_GT(gradient_energy(refined, mask), 0.8 * truth);
    EXPECT_GT(gradient_energy(refined, mask), 1.3 * gradient_energy(soft, mask));
}

// When the network sees the hole at 1/4 of the photo's resolution or finer, its upscaled fill is
// kept as it is: PatchMatch's copied texture costs 0.3-0.6 dB in the hole there (docs/QUALITY.md).
TEST(Inpaint, LearnedSkipsRefinementWhenTheNetworkRanAtAQuarterOrFiner) {
    const cv::Mat clean = textured(480, 360, CV_8U);
    cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(200, 150, 90, 70), cv::Scalar(255), -1);  // the network runs at 128/180
    cv::Mat damaged = clean.clone();
    damaged.setTo(cv::Scalar::all(0), mask);
    const cv::Rect all(0, 0, clean.cols, clean.rows);
    const cv::Mat learned = run_inpaint(damaged, mask, InpaintMethod::Learned, cpu(), all).pixels;
    const cv::Mat unrefined = run_inpaint(damaged, mask, InpaintMethod::LearnedNoRefinement, cpu(), all).pixels;
    EXPECT_EQ(cv::norm(learned, unrefined, cv::NORM_INF), 0);
    // Refinement at every scale (the previous behaviour) changes the fill.
    LearnedFillOptions always;
    always.refine_below = 1.0;
    const cv::Mat refined = run_inpaint(damaged, mask, InpaintMethod::Learned, cpu(), all, always).pixels;
    EXPECT_GT(cv::norm(refined, unrefined, cv::NORM_INF), 0);
}

// The network's fill is the mean of its fill of the crop and the mirrored fill of the mirrored crop:
// on a mirrored photo the network's part of the fill is the mirror image of the original's.
TEST(Inpaint, LearnedFillAveragesTheMirroredCrop) {
    const cv::Mat clean = textured(256, 192, CV_8U);
    cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(96, 64, 64, 64), cv::Scalar(255), -1);  // symmetric about the centre
    cv::Mat damaged = clean.clone();
    damaged.setTo(cv::Scalar::all(0), mask);
    cv::Mat mirrored;
    cv::flip(damaged, mirrored, 1);
    cv::Mat mirrored_mask;
    cv::flip(mask, mirrored_mask, 1);
    const cv::Rect all(0, 0, clean.cols, clean.rows);
    auto asymmetry = [&](bool flips) {
        LearnedFillOptions o;
        o.flip_average = flips;
        const cv::Mat a = run_inpaint(damaged, mask, InpaintMethod::LearnedNoRefinement, cpu(), all, o).pixels;
        cv::Mat b = run_inpaint(mirrored, mirrored_mask, InpaintMethod::LearnedNoRefinement, cpu(), all, o).pixels;
        cv::flip(b, b, 1);
        cv::Mat diff;
        cv::absdiff(a, b, diff);
        const cv::Scalar m = cv::mean(diff, mask);
        return (m[0] + m[1] + m[2]) / 3;
    };
    const double with = asymmetry(true);
    const double without = asymmetry(false);
    std::printf("mean |fill - mirrored fill of the mirror|: %.3f with flip averaging, %.3f without\n", with, without);
    EXPECT_LT(with, 0.5 * without);
}

// The network's fill meets the photo through a Telea rim: at the hole's edge the learned result is
// (nearly) Telea's, which continues the full-resolution pixels there; deep inside it is the network's.
TEST(Inpaint, LearnedFillTakesTeleasRimAndTheNetworksInside) {
    const cv::Mat clean = textured(480, 360, CV_8U);
    cv::Mat mask(clean.size(), CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(150, 100, 160, 140), cv::Scalar(255), -1);  // the network runs below 1/2
    cv::Mat damaged = clean.clone();
    damaged.setTo(cv::Scalar::all(0), mask);
    const cv::Rect all(0, 0, clean.cols, clean.rows);
    const cv::Mat learned = run_inpaint(damaged, mask, InpaintMethod::LearnedNoRefinement, cpu(), all).pixels;
    const cv::Mat telea = run_inpaint(damaged, mask, InpaintMethod::Telea, cpu(), all).pixels;
    cv::Mat dist;
    cv::distanceTransform(mask, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    const cv::Mat edge = (dist > 0) & (dist <= 1.5F);
    const cv::Mat inside = dist > 40;
    cv::Mat diff;
    cv::absdiff(learned, telea, diff);
    const cv::Scalar at_edge = cv::mean(diff, edge);
    const cv::Scalar deep = cv::mean(diff, inside);
    const double e = (at_edge[0] + at_edge[1] + at_edge[2]) / 3;
    const double d = (deep[0] + deep[1] + deep[2]) / 3;
    std::printf("mean |learned - telea|: %.2f at the edge, %.2f deep inside\n", e, d);
    EXPECT_LT(e, 0.25 * d);
    EXPECT_GT(d, 2.0) << "deep inside the fill is the network's, not Telea's";
}
