// remove-shadow: the parameter contract, the pixels it may touch, and that both methods relight
// a known synthetic shadow.
#include <gtest/gtest.h>

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "restora/core/ops.h"
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

const Operation& op() { return Registry::instance().get("remove-shadow"); }

ErrorKind resolve_error(const std::map<std::string, std::string>& p) {
    try {
        (void)op().resolve(p);
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::Processing;
}

// A textured photo, the same photo under a soft cast shadow (bluish ambient: blue keeps more),
// the true shadow matte and a painted mask a little looser than the shadow.
struct Scene {
    cv::Mat clean, shadowed, matte, mask;
};

Scene make_scene(int depth) {
    Scene s;
    const cv::Mat base = test::add_noise(test::synthetic_photo(240, 180, CV_8U, 7), 6.0, 3);  // fine texture
    base.convertTo(s.clean, depth, depth == CV_16U ? 257.0 : 1.0);
    cv::Mat occ(base.size(), CV_32F, cv::Scalar(0));
    const std::vector<cv::Point> poly = {{70, 40}, {160, 50}, {190, 110}, {120, 150}, {60, 120}};
    cv::fillPoly(occ, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(1));
    cv::GaussianBlur(occ, s.matte, cv::Size(), 2.5);
    cv::Mat f;
    s.clean.convertTo(f, CV_32F);
    std::vector<cv::Mat> ch;
    cv::split(f, ch);
    const double keep[3] = {0.55, 0.42, 0.36};  // B, G, R
    for (int c = 0; c < 3; ++c) ch[c] = ch[c].mul(1 - s.matte * (1 - keep[c]));
    cv::merge(ch, f);
    f.convertTo(s.shadowed, depth);
    s.mask = s.matte > 0.03;
    cv::dilate(s.mask, s.mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));
    return s;
}

double rmse_where(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
    cv::Mat fa, fb;
    a.convertTo(fa, CV_32F);
    b.convertTo(fb, CV_32F);
    const double n = cv::countNonZero(where) * a.channels();
    const double l2 = cv::norm(fa, fb, cv::NORM_L2SQR, where);
    return std::sqrt(l2 / n);
}

}  // namespace

TEST(RemoveShadow, GrowMeansEuclideanDistance) {
    cv::Mat mask(30, 40, CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(10, 8, 6, 3), cv::Scalar(255), -1);
    mask.at<uint8_t>(25, 33) = 200;
    for (int grow : {0, 1, 3, 7}) {
        const cv::Mat g = grow_mask(mask, grow);
        for (int y = 0; y < mask.rows; ++y) {
            for (int x = 0; x < mask.cols; ++x) {
                bool near = false;
                for (int v = 0; v < mask.rows && !near; ++v) {
                    for (int u = 0; u < mask.cols && !near; ++u) {
                        near = mask.at<uint8_t>(v, u) > 0 && (u - x) * (u - x) + (v - y) * (v - y) <= grow * grow;
                    }
                }
                ASSERT_EQ(g.at<uint8_t>(y, x) != 0, near) << "grow " << grow << " at " << x << "," << y;
            }
        }
    }
}

TEST(RemoveShadow, SchemaAndParameterValidation) {
    EXPECT_EQ(op().info().mask, MaskUse::Required);
    const Params p = op().resolve({});
    EXPECT_EQ(p.text("model"), "learned");
    EXPECT_EQ(p.integer("grow"), 8);
    EXPECT_EQ(op().resolve({{"model", "relight"}, {"grow", "0"}}).integer("grow"), 0);
    EXPECT_EQ(op().resolve({{"grow", "200"}}).integer("grow"), 200);
    EXPECT_EQ(resolve_error({{"grow", "-1"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error({{"grow", "201"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error({{"grow", "2.5"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error({{"model", "inpaint"}}), ErrorKind::Usage);
    EXPECT_EQ(resolve_error({{"strength", "1"}}), ErrorKind::Usage);
}

TEST(RemoveShadow, NeedsAMaskAndLeavesAnEmptyMaskAlone) {
    const Scene s = make_scene(CV_8U);
    try {
        (void)op().run(s.shadowed, {}, op().resolve({{"model", "relight"}}), cpu());
        ADD_FAILURE() << "no error without a mask";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("--mask"), std::string::npos) << e.what();
    }
    const OpResult r = op().run(s.shadowed, cv::Mat::zeros(s.shadowed.size(), CV_8U), op().resolve({}), cpu());
    EXPECT_EQ(cv::norm(r.pixels, s.shadowed, cv::NORM_INF), 0);
    EXPECT_FALSE(r.warnings.empty());
}

TEST(RemoveShadow, RelightReducesTheErrorInsideTheShadowAndOnItsEdge) {
    for (int depth : {CV_8U, CV_16U}) {
        const Scene s = make_scene(depth);
        const OpResult r = op().run(s.shadowed, s.mask, op().resolve({{"model", "relight"}}), cpu());
        ASSERT_EQ(r.pixels.type(), s.shadowed.type());
        const cv::Mat inside = s.matte > 0.9;
        const cv::Mat band = (s.matte > 0.1) & (s.matte < 0.9);
        const double before = rmse_where(s.shadowed, s.clean, inside);
        const double after = rmse_where(r.pixels, s.clean, inside);
        EXPECT_LT(after, 0.65 * before) << "depth " << depth << ": in shadow " << before << " -> " << after;
        const double band_before = rmse_where(s.shadowed, s.clean, band);
        const double band_after = rmse_where(r.pixels, s.clean, band);
        EXPECT_LT(band_after, 0.85 * band_before)
            << "depth " << depth << ": band " << band_before << " -> " << band_after;
        // Texture survives: the relit region is not a flat fill.
        cv::Scalar mean, sd;
        cv::meanStdDev(r.pixels, mean, sd, inside);
        cv::Scalar mean_c, sd_c;
        cv::meanStdDev(s.clean, mean_c, sd_c, inside);
        EXPECT_GT(sd[1], 0.7 * sd_c[1]);
    }
}

TEST(RemoveShadow, LearnedReducesTheErrorInsideTheShadow) {
    const Scene s = make_scene(CV_8U);
    const OpResult r = op().run(s.shadowed, s.mask, op().resolve({}), cpu());
    EXPECT_EQ(r.model_id, "shadow-fusion-v1");
    EXPECT_EQ(r.model_sha256.size(), 64U);
    const cv::Mat inside = s.matte > 0.9;
    const double before = rmse_where(s.shadowed, s.clean, inside);
    const double after = rmse_where(r.pixels, s.clean, inside);
    EXPECT_LT(after, 0.75 * before) << before << " -> " << after;
}

TEST(RemoveShadow, PixelsOutsideTheGrownMaskAreBitIdenticalAndAlphaIsKept) {
    for (const char* model : {"relight", "learned"}) {
        for (int depth : {CV_8U, CV_16U}) {
            for (int grow : {0, 8, 30}) {
                const Scene s = make_scene(depth);
                cv::Mat img;
                cv::cvtColor(s.shadowed, img, cv::COLOR_BGR2BGRA);
                const double full = depth == CV_16U ? 65535 : 255;
                std::vector<cv::Mat> planes;
                cv::split(img, planes);
                for (int y = 0; y < img.rows; ++y) planes[3].row(y).setTo(full * (y % 3) / 2.0);
                cv::merge(planes, img);
                const OpResult r =
                    op().run(img, s.mask, op().resolve({{"model", model}, {"grow", std::to_string(grow)}}), cpu());
                ASSERT_EQ(r.pixels.type(), img.type()) << model;
                cv::Mat diff;
                cv::absdiff(r.pixels, img, diff);
                cv::Mat outside;
                cv::bitwise_not(grow_mask(s.mask, grow), outside);
                EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside), 0) << model << " depth " << depth << " grow " << grow;
                cv::Mat a_in, a_out;
                cv::extractChannel(img, a_in, 3);
                cv::extractChannel(r.pixels, a_out, 3);
                EXPECT_EQ(cv::norm(a_in, a_out, cv::NORM_INF), 0) << "alpha changed";
                // Something inside did change.
                EXPECT_GT(cv::norm(diff, cv::NORM_INF, s.mask), 0) << model;
            }
        }
    }
}

TEST(RemoveShadow, ReportsProgressAndHonoursCancel) {
    const Scene s = make_scene(CV_8U);
    JobControl job;
    job.cancel.request();
    OpContext ctx = cpu();
    ctx.job = job;
    EXPECT_THROW((void)op().run(s.shadowed, s.mask, op().resolve({{"model", "relight"}}), ctx), Cancelled);
    std::vector<int> seen;
    OpContext ctx2 = cpu();
    ctx2.job.progress = [&seen](int percent) { seen.push_back(percent); };
    (void)op().run(s.shadowed, s.mask, op().resolve({{"model", "relight"}}), ctx2);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), 100);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}
