// The analysis and Auto: degraded inputs give their finding, a clean photo none and no steps, the
// CLI's JSON contract, Auto's history replays, and a clean photo is written unchanged.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/analysis.h"
#include "restora/core/image_io.h"
#include "test_util.h"

using namespace restora;
using test::quote;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kCli = test::cli_path();
test::Result cli(const std::string& args) { return test::sh(quote(kCli) + " " + args); }

// The synthetic photo with fine detail: small sharp-edged patches all over, so that every region
// has edges to judge sharpness by.
cv::Mat detailed_synthetic_photo() {
    cv::Mat img = test::synthetic_photo(960, 640);
    std::mt19937 rng(5);
    for (int k = 0; k < 1500; ++k) {
        const cv::Rect r(static_cast<int>(rng() % 950), static_cast<int>(rng() % 630), 3 + static_cast<int>(rng() % 12),
                         3 + static_cast<int>(rng() % 12));
        cv::rectangle(img, r, cv::Scalar(rng() % 256, rng() % 256, rng() % 256), -1);
    }
    return img;
}

// A clean photo: a held-out benchmark photo when the data is there (next to the main checkout or
// to a worktree), else the detailed synthetic one.
cv::Mat clean_photo() {
    for (const char* up : {"..", "../.."}) {
        const fs::path kodak = fs::path(test::source_dir()) / up / "shared/data/bench/denoise/Kodak24/kodim23.png";
        if (fs::exists(kodak)) return cv::imread(kodak.string(), cv::IMREAD_COLOR);
    }
    return detailed_synthetic_photo();
}

Analysis analyse(const cv::Mat& img, int file_quality = 0) {
    AnalysisOptions o;
    o.text = false;  // the text detector has tests of its own; these stay fast
    return analyze_image(img, file_quality, o);
}

double confidence(const Analysis& a, const std::string& kind) {
    const Finding* f = a.find(kind);
    return f == nullptr ? -1 : f->confidence;
}

std::set<std::string> counted(const Analysis& a) {
    std::set<std::string> s;
    for (const Finding& f : a.findings) {
        if (f.confidence >= kFindingThreshold) s.insert(f.kind);
    }
    return s;
}

std::string text_of(const std::set<std::string>& s) {
    std::string out;
    for (const auto& k : s) out += k + " ";
    return out;
}

}  // namespace

TEST(Analysis, CleanPhotoHasNoFindingAndNoSteps) {
    for (const cv::Mat& img : {clean_photo(), detailed_synthetic_photo()}) {
        const Analysis a = analyse(img);
        EXPECT_TRUE(a.clean()) << text_of(counted(a));
        EXPECT_TRUE(a.steps.empty());
        ASSERT_EQ(a.findings.size(), analysis_kinds().size());
        for (size_t i = 0; i < a.findings.size(); ++i) EXPECT_EQ(a.findings[i].kind, analysis_kinds()[i]);
    }
}

TEST(Analysis, NoiseIsFoundWithItsLevelAndDenoiseIsProposed) {
    const Analysis a = analyse(test::add_noise(clean_photo(), 20));
    EXPECT_GE(confidence(a, "noise"), 0.9);
    EXPECT_NEAR(a.find("noise")->level, 20, 3);
    ASSERT_FALSE(a.steps.empty());
    EXPECT_EQ(a.steps[0].op, "denoise");
    EXPECT_EQ(a.steps[0].params.at("model"), "tunable");
    EXPECT_GT(std::stod(a.steps[0].params.at("strength")), 0.5);
    EXPECT_EQ(counted(a), std::set<std::string>{"noise"});
}

TEST(Analysis, JpegIsFoundFromPixelsAndFromTheFile) {
    std::vector<uint8_t> buf;
    cv::imencode(".jpg", clean_photo(), buf, {cv::IMWRITE_JPEG_QUALITY, 20});
    const cv::Mat decoded = cv::imdecode(buf, cv::IMREAD_COLOR);
    const Analysis pixels = analyse(decoded);  // as a PNG that once was a JPEG would be
    EXPECT_GE(confidence(pixels, "jpeg"), 0.5);
    EXPECT_LT(pixels.find("jpeg")->level, 60);
    const Analysis file = analyse(decoded, jpeg_quality_estimate(buf));
    EXPECT_GE(confidence(file, "jpeg"), 0.9);
    EXPECT_NEAR(file.find("jpeg")->level, 20, 2);
    ASSERT_FALSE(file.steps.empty());
    EXPECT_EQ(file.steps[0].op, "denoise");
    EXPECT_GT(std::stod(file.steps[0].params.at("jpeg")), 0.3);
}

TEST(Analysis, BlurLowLightMonochromeAndSmallAreFound) {
    const cv::Mat img = clean_photo();
    for (const cv::Mat& sharp : {img, detailed_synthetic_photo()}) {
        cv::Mat blurred;
        cv::GaussianBlur(sharp, blurred, cv::Size(), 3.0);
        const Analysis a = analyse(blurred);
        EXPECT_GE(confidence(a, "blur"), 0.5);
        EXPECT_GT(a.find("blur")->level, 1.5);
    }
    cv::Mat dark;
    img.convertTo(dark, CV_8U, 0.18);
    EXPECT_GE(confidence(analyse(dark), "lowlight"), 0.5);
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    cv::cvtColor(grey, grey, cv::COLOR_GRAY2BGR);
    const Analysis mono = analyse(grey);
    EXPECT_GE(confidence(mono, "monochrome"), 0.5);
    EXPECT_LT(confidence(mono, "haze"), 0.5) << "a grey photo's dark channel is its brightness, not haze";
    cv::Mat small;
    cv::resize(img, small, cv::Size(), 1.0 / 3, 1.0 / 3, cv::INTER_AREA);
    const Analysis s = analyse(small);
    EXPECT_GE(confidence(s, "small"), 0.5);
    ASSERT_FALSE(s.steps.empty());
    EXPECT_EQ(s.steps.back().op, "upscale");
    EXPECT_FALSE(s.steps.back().applied_by_auto) << "Auto never changes the size";
}

TEST(Analysis, DamageIsAHookThatReportsNotAvailable) {
    const Analysis a = analyse(clean_photo());
    ASSERT_NE(a.find("damage"), nullptr);
    EXPECT_FALSE(a.find("damage")->available);
    EXPECT_EQ(a.find("damage")->confidence, 0);
}

TEST(Analysis, StepsComeInTheirOrder) {
    AnalysisMeasures m;
    m.width = 300;
    m.height = 200;
    m.noise_sigma = 25;
    m.blur_sigma = 3;
    m.pixel_jpeg_quality = 100;
    m.luma_median = 0.05;
    m.luma_p99 = 0.2;
    m.chroma_mean = 10;
    m.text_regions = 2;
    const Analysis a = analysis_from_measures(m, std::nullopt);
    std::vector<std::string> ops;
    for (const auto& s : a.steps) ops.push_back(s.op);
    EXPECT_EQ(ops, (std::vector<std::string>{"erase-text", "denoise", "deblur", "enhance-lowlight", "upscale"}));
}

TEST(AnalysisCli, JsonIsOneObjectPerInput) {
    TempDir dir;
    cv::imwrite((dir / "clean.png").string(), clean_photo());
    cv::imwrite((dir / "noisy.png").string(), test::add_noise(clean_photo(), 25));
    const auto one = cli("analyze --json " + quote(dir / "noisy.png") + " 2>/dev/null");
    ASSERT_EQ(one.code, 0) << one.output;
    const auto j = nlohmann::json::parse(one.output);
    EXPECT_EQ(j["file"], (dir / "noisy.png").string());
    std::vector<std::string> kinds;
    for (const auto& f : j["findings"]) {
        kinds.push_back(f["kind"]);
        EXPECT_TRUE(f.contains("confidence") && f.contains("level"));
        EXPECT_GE(f["confidence"].get<double>(), 0.0);
        EXPECT_LE(f["confidence"].get<double>(), 1.0);
    }
    EXPECT_EQ(kinds, analysis_kinds());
    ASSERT_GE(j["steps"].size(), 1u);
    EXPECT_EQ(j["steps"][0]["op"], "denoise");
    EXPECT_TRUE(j["steps"][0]["params"].is_object());

    const auto two =
        cli("analyze --json " + quote(dir / "clean.png") + " " + quote(dir / "noisy.png") + " 2>/dev/null");
    ASSERT_EQ(two.code, 0) << two.output;
    std::istringstream lines(two.output);
    std::string line;
    std::vector<nlohmann::json> objects;
    while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(objects.size(), 2u);
    EXPECT_TRUE(objects[0]["steps"].empty());
    for (const auto& f : objects[0]["findings"]) EXPECT_LT(f["confidence"].get<double>(), 0.5) << f.dump();

    const auto text = cli("analyze " + quote(dir / "noisy.png"));
    EXPECT_EQ(text.code, 0);
    EXPECT_NE(text.output.find("noise σ≈"), std::string::npos) << text.output;
    EXPECT_NE(text.output.find("→ denoise"), std::string::npos) << text.output;
    EXPECT_EQ(cli("analyze " + quote(dir / "missing.png")).code, 3);
    EXPECT_EQ(cli("analyze --bogus " + quote(dir / "noisy.png")).code, 2);
}

TEST(AnalysisCli, AutoRecordsEachStepAndReplaysIt) {
    TempDir dir;
    const cv::Mat noisy = test::add_noise(clean_photo(), 20);
    cv::imwrite((dir / "noisy.png").string(), noisy);
    const auto run = cli("run auto " + quote(dir / "noisy.png") + " -o " + quote(dir / "auto.png"));
    ASSERT_EQ(run.code, 0) << run.output;
    const cv::Mat out = cv::imread((dir / "auto.png").string(), cv::IMREAD_COLOR);
    EXPECT_EQ(out.size(), noisy.size()) << "Auto never upscales";
    EXPECT_GT(cv::norm(out, noisy, cv::NORM_L1), 0);
    const auto info = cli("info " + quote(dir / "auto.png"));
    EXPECT_NE(info.output.find("history (1 steps)"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find("denoise"), std::string::npos) << info.output;
    const auto replay = cli("replay " + quote(dir / "auto.png") + " " + quote(dir / "noisy.png") + " -o " +
                            quote(dir / "replayed.png"));
    ASSERT_EQ(replay.code, 0) << replay.output;
    const cv::Mat again = cv::imread((dir / "replayed.png").string(), cv::IMREAD_COLOR);
    EXPECT_LE(cv::norm(again, out, cv::NORM_INF), 1.0);
    EXPECT_EQ(cli("run auto " + quote(dir / "noisy.png") + " -o " + quote(dir / "auto.png")).code, 2)
        << "an existing output needs --overwrite";
}

TEST(AnalysisCli, CleanPhotoIsWrittenUnchanged) {
    TempDir dir;
    const cv::Mat img = clean_photo();
    cv::imwrite((dir / "clean.png").string(), img);
    const auto run = cli("run auto " + quote(dir / "clean.png") + " -o " + quote(dir / "out.png"));
    ASSERT_EQ(run.code, 0) << run.output;
    EXPECT_NE(run.output.find("written unchanged"), std::string::npos) << run.output;
    const cv::Mat out = cv::imread((dir / "out.png").string(), cv::IMREAD_COLOR);
    EXPECT_EQ(cv::norm(out, img, cv::NORM_INF), 0);
}
