// Whole edits through the core pipeline: masks, batch planning, replay.
#include <gtest/gtest.h>

#include "restora/core/batch.h"
#include "restora/core/history.h"
#include "restora/core/mask.h"
#include "restora/core/pipeline.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

ErrorKind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::Processing;
}

}  // namespace

TEST(Mask, SelectsAboveHalfScaleOrByAlpha) {
    cv::Mat grey(2, 2, CV_8UC3, cv::Scalar(0, 0, 0));
    grey.at<cv::Vec3b>(0, 0) = {128, 128, 128};
    grey.at<cv::Vec3b>(1, 1) = {127, 127, 127};
    const cv::Mat m = binarize_mask(grey);
    EXPECT_EQ(m.at<uint8_t>(0, 0), 255);
    EXPECT_EQ(m.at<uint8_t>(1, 1), 0);
    cv::Mat alpha(2, 2, CV_16UC4, cv::Scalar(0, 0, 0, 0));
    alpha.at<cv::Vec4w>(0, 1)[3] = 65535;
    EXPECT_EQ(binarize_mask(alpha).at<uint8_t>(0, 1), 255);
    EXPECT_EQ(cv::countNonZero(binarize_mask(alpha)), 1);
}

TEST(Mask, WrongSizeNamesBothSizes) {
    TempDir dir;
    cv::imwrite((dir / "m.png").string(), cv::Mat(10, 20, CV_8U, cv::Scalar(255)));
    try {
        load_mask(dir / "m.png", {30, 40});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Input);
        const std::string msg = e.what();
        EXPECT_NE(msg.find("20x10"), std::string::npos) << msg;
        EXPECT_NE(msg.find("30x40"), std::string::npos) << msg;
    }
}

TEST(Batch, PlansFilesFoldersAndMasks) {
    TempDir dir;
    fs::create_directories(dir / "in/sub");
    fs::create_directories(dir / "masks/sub");
    for (const char* f : {"in/a.jpg", "in/sub/b.png", "in/c.bmp", "in/notes.txt", "masks/a.png", "masks/sub/b.png"}) {
        std::ofstream(dir / f) << "x";
    }
    const auto items = plan_batch({dir / "in"}, dir / "out", dir / "masks");
    ASSERT_EQ(items.size(), 3U);
    EXPECT_EQ(items[0].output, dir / "out/a.jpg");
    EXPECT_EQ(items[0].mask, dir / "masks/a.png");
    EXPECT_EQ(items[1].output, dir / "out/c.png");  // BMP is written as PNG
    EXPECT_EQ(items[2].output, dir / "out/sub/b.png");
    EXPECT_EQ(items[2].mask, dir / "masks/sub/b.png");

    const auto single = plan_batch({dir / "in/a.jpg"}, dir / "x.png", {});
    ASSERT_EQ(single.size(), 1U);
    EXPECT_EQ(single[0].output, dir / "x.png");
    EXPECT_EQ(kind_of([&] { plan_batch({dir / "in/a.jpg"}, dir / "in/a.jpg", {}); }), ErrorKind::Usage);
    EXPECT_EQ(kind_of([&] {
                  plan_batch({dir / "in/a.jpg", dir / "in/c.bmp"}, dir / "in/a.jpg", {});
              }),
              ErrorKind::Usage);
    EXPECT_EQ(kind_of([&] { plan_batch({dir / "nope.jpg"}, dir / "x.png", {}); }), ErrorKind::Input);
    EXPECT_EQ(kind_of([&] { plan_batch({dir / "in"}, dir / "x.png", dir / "masks/a.png"); }), ErrorKind::Usage);
    // Outputs inside the input folder are not read back as inputs.
    fs::create_directories(dir / "in/restored");
    std::ofstream(dir / "in/restored/a.jpg") << "x";
    EXPECT_EQ(plan_batch({dir / "in"}, dir / "in/restored", {}).size(), 3U);
}

TEST(Pipeline, ValidationHappensBeforeAnyFileIsRead) {
    TempDir dir;
    EditRequest r;
    r.op = "inpaint";
    r.input = dir / "does-not-exist.jpg";
    r.output = dir / "out.png";
    EXPECT_EQ(kind_of([&] { validate_edit(r); }), ErrorKind::Usage);  // needs a mask
    r.op = "upscale";
    r.mask = dir / "m.png";
    EXPECT_EQ(kind_of([&] { validate_edit(r); }), ErrorKind::Usage);  // changes the size: takes no mask
    r.op = "denoise";
    r.mask.clear();
    r.output = dir / "out.gif";
    EXPECT_EQ(kind_of([&] { validate_edit(r); }), ErrorKind::Usage);
    r.output = dir / "out.png";
    r.tile = -1;
    EXPECT_EQ(kind_of([&] { validate_edit(r); }), ErrorKind::Usage);
    r.tile = 512;
    if (!cuda_available()) {
        r.device = DeviceKind::Cuda;
        EXPECT_EQ(kind_of([&] { validate_edit(r); }), ErrorKind::Usage);
        r.device = DeviceKind::Auto;
    }
    const ValidatedEdit v = validate_edit(r);
    EXPECT_EQ(kind_of([&] { run_edit(v, {}); }), ErrorKind::Input);
    EXPECT_FALSE(fs::exists(r.output));
}

TEST(Pipeline, OversizeOutputIsRefusedBeforeWork) {
    TempDir dir;
    cv::imwrite((dir / "big.png").string(), cv::Mat(4000, 5000, CV_8UC3, cv::Scalar(1, 2, 3)));
    EditRequest r;
    r.op = "upscale";
    r.params = {{"scale", "8"}, {"model", "bicubic"}};  // 40000 x 32000 = 1280 MP
    r.input = dir / "big.png";
    r.output = dir / "huge.png";
    std::atomic<int> progress_calls{0};
    JobControl job;
    job.progress = [&](int) { ++progress_calls; };
    EXPECT_EQ(kind_of([&] { run_edit(validate_edit(r), job); }), ErrorKind::Input);
    EXPECT_EQ(progress_calls.load(), 0);
    EXPECT_FALSE(fs::exists(r.output));
}

TEST(Pipeline, ReplayReproducesAMaskedMultiStepEdit) {
    TempDir dir;
    const cv::Mat photo = test::add_noise(test::synthetic_photo(96, 72), 12.0);
    cv::imwrite((dir / "orig.png").string(), photo);
    cv::Mat mask(photo.size(), CV_8U, cv::Scalar(0));
    cv::circle(mask, {40, 30}, 9, cv::Scalar(255), -1);
    cv::imwrite((dir / "mask.png").string(), mask);

    EditRequest a;
    a.op = "inpaint";
    a.input = dir / "orig.png";
    a.mask = dir / "mask.png";
    a.output = dir / "step1.png";
    run_edit(validate_edit(a), {});
    EditRequest b;
    b.op = "upscale";
    b.params = {{"scale", "2"}, {"model", "bicubic"}};
    b.input = a.output;
    b.output = dir / "step2.png";
    b.tile = 48;
    run_edit(validate_edit(b), {});
    EXPECT_TRUE(fs::exists(mask_folder_for(a.output)));

    const History h = History::from_json(Metadata::read_file(b.output).history_json());
    ASSERT_EQ(h.entries.size(), 2U);
    ASSERT_FALSE(h.entries[0].mask_sha256.empty());
    EXPECT_EQ(h.entries[0].tile, EditRequest{}.tile);  // each step records the tile it ran with
    EXPECT_EQ(h.entries[1].tile, 48);
    // The second edit's output keeps the mask too (copied by replay) only when replay ran; the
    // first step's mask lives next to step1.png. Replay reads masks next to the edited file:
    fs::create_directories(mask_folder_for(b.output));
    fs::copy_file(mask_folder_for(a.output) / (h.entries[0].mask_sha256 + ".png"),
                  mask_folder_for(b.output) / (h.entries[0].mask_sha256 + ".png"));

    const EditOutcome out = replay_edit(b.output, dir / "orig.png", dir / "replayed.png", DeviceKind::Auto, 48, {}, {});
    EXPECT_TRUE(out.warnings.empty());
    const cv::Mat x = cv::imread((dir / "step2.png").string(), cv::IMREAD_UNCHANGED);
    const cv::Mat y = cv::imread((dir / "replayed.png").string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(x.size(), y.size());
    EXPECT_LE(cv::norm(x, y, cv::NORM_INF) / 255.0, 1e-4);
    // Replaying onto another file warns that its hash differs.
    cv::imwrite((dir / "other.png").string(), test::synthetic_photo(96, 72));
    const EditOutcome other =
        replay_edit(b.output, dir / "other.png", dir / "replayed2.png", DeviceKind::Auto, 48, {}, {});
    EXPECT_FALSE(other.warnings.empty());
    // A file without history is an input error.
    EXPECT_EQ(
        kind_of([&] { replay_edit(dir / "orig.png", dir / "orig.png", dir / "r3.png", DeviceKind::Auto, 48, {}, {}); }),
        ErrorKind::Input);
}
