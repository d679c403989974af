// Every operation through restora-cli as a user runs it, with the editing issue's contract:
// `--set amount=0` gives the input back, `--set amount=A` blends, a mask with `--set feather=N`
// limits a tool that has no mask of its own (beyond the feather band nothing changes), and
// `replay` reproduces each of these edits from the file's history. The list of operations comes
// from `ops --json`, so a new operation is covered without editing this file.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_util.h"

using test::quote;
namespace fs = std::filesystem;

namespace {

const std::string kCli = test::cli_path();

test::Result cli(const std::string& args) { return test::sh(quote(kCli) + " " + args); }

struct OpUse {
    std::string id;
    std::string mask;  // none | optional | required
    bool feather = false;
    std::string fast;  // settings that keep the run short on a small photo
};

std::vector<OpUse> operations() {
    const auto r = cli("ops --json");
    EXPECT_EQ(r.code, 0) << r.output;
    std::vector<OpUse> ops;
    const nlohmann::json listing = nlohmann::json::parse(r.output);
    for (const auto& o : listing.at("operations")) {
        OpUse u{o.at("id"), o.at("mask"), false, {}};
        for (const auto& p : o.at("params")) {
            if (p.at("key") == "feather") u.feather = true;
            if (p.at("key") == "model" && u.id == "upscale") u.fast = " --set model=bicubic --set scale=2";
            if (p.at("key") == "detect") u.fast += " --set detect=false";  // the mask given is the region
        }
        ops.push_back(u);
    }
    return ops;
}

bool weights_missing(const test::Result& r) {
    return r.code == 1 &&
           (r.output.find("not installed") != std::string::npos || r.output.find("models import") != std::string::npos);
}

}  // namespace

TEST(CliFinishing, EveryOperationTakesAmountMaskAndFeatherAndReplaysThem) {
    test::TempDir dir;
    const cv::Mat photo = test::synthetic_photo(64, 48);
    const fs::path in = dir / "photo.png";
    ASSERT_TRUE(cv::imwrite(in.string(), photo));
    cv::Mat mask(48, 64, CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(16, 12, 24, 20), cv::Scalar(255), cv::FILLED);
    const fs::path mask_file = dir / "mask.png";
    ASSERT_TRUE(cv::imwrite(mask_file.string(), mask));
    // Beyond the feather band outside the mask (feather 4 px, inside the mask's edge).
    cv::Mat far;
    cv::dilate(mask, far, cv::getStructuringElement(cv::MORPH_RECT, {11, 11}));
    far = far == 0;

    const std::vector<OpUse> ops = operations();
    ASSERT_GE(ops.size(), 10u);
    int ran = 0;
    for (const OpUse& op : ops) {
        SCOPED_TRACE(op.id);
        const std::string masked = op.mask != "none" ? " --mask " + quote(mask_file) : "";
        const std::string base = "run " + op.id + " " + quote(in) + " --device cpu" + op.fast;

        // amount=0: the input itself (for upscale: its bicubic enlargement, the same size as a run).
        const fs::path zero = dir / (op.id + "-0.png");
        const auto r0 = cli(base + masked + " --set amount=0 -o " + quote(zero));
        if (weights_missing(r0)) {
            if (std::getenv("CI") != nullptr) ADD_FAILURE() << "weights missing in CI: " << r0.output;
            continue;
        }
        ASSERT_EQ(r0.code, 0) << r0.output;
        const cv::Mat z = cv::imread(zero.string(), cv::IMREAD_UNCHANGED);
        if (op.id != "upscale") {
            EXPECT_EQ(cv::norm(z, photo, cv::NORM_INF), 0.0);
        }

        // amount=0.5 through a feathered mask (tools without a mask of their own) or the tool's
        // own mask; replay reproduces it from the history.
        const std::string limit = op.feather ? " --mask " + quote(mask_file) + " --set feather=4" : masked;
        const fs::path half = dir / (op.id + "-half.png");
        const auto r = cli(base + limit + " --set amount=0.5 -o " + quote(half));
        ASSERT_EQ(r.code, 0) << r.output;
        const cv::Mat h = cv::imread(half.string(), cv::IMREAD_UNCHANGED);
        if (op.feather) {
            cv::Mat diff;
            cv::absdiff(h, photo, diff);
            cv::Mat changed = diff.reshape(1, diff.rows * diff.cols).clone();
            cv::Mat any;
            cv::reduce(changed, any, 1, cv::REDUCE_MAX);
            any = any.reshape(1, photo.rows);
            EXPECT_EQ(cv::countNonZero((any > 0) & far), 0) << "pixels beyond the feather band changed";
        }
        const fs::path again = dir / (op.id + "-replayed.png");
        const auto rr = cli("replay " + quote(half) + " " + quote(in) + " -o " + quote(again) + " --device cpu");
        ASSERT_EQ(rr.code, 0) << rr.output;
        EXPECT_EQ(cv::norm(cv::imread(again.string(), cv::IMREAD_UNCHANGED), h, cv::NORM_INF), 0.0)
            << "replay differs from the edit";
        ++ran;
    }
    EXPECT_GT(ran, 0);
}
