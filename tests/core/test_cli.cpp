// restora-cli as a user runs it: every exit code of ARCHITECTURE.md, batches, Ctrl-C, replay.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "test_util.h"

using test::quote;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kCli = test::cli_path();

test::Result cli(const std::string& args) { return test::sh(quote(kCli) + " " + args); }

class Cli : public ::testing::Test {
  protected:
    void SetUp() override {
        photo = dir / "photo.png";
        cv::imwrite(photo.string(), test::synthetic_photo(64, 48));
        cv::Mat mask(48, 64, CV_8U, cv::Scalar(0));
        cv::circle(mask, {30, 20}, 6, cv::Scalar(255), -1);
        cv::imwrite((dir / "mask.png").string(), mask);
    }
    TempDir dir;
    fs::path photo;
    std::string p(const std::string& name) { return quote(dir / name); }
};

}  // namespace

TEST_F(Cli, SuccessWritesTheOutput) {
    const auto r =
        cli("run upscale " + quote(photo) + " -o " + p("up.png") + " --set scale=2 --set model=bicubic --device cpu");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(cv::imread((dir / "up.png").string()).cols, 128);
    EXPECT_NE(r.output.find("100%"), std::string::npos) << "progress goes to stderr";
    EXPECT_EQ(cli("run inpaint " + quote(photo) + " --mask " + p("mask.png") + " -o " + p("in.png")).code, 0);
    EXPECT_TRUE(fs::is_directory(dir / "in.png.restora"));
}

TEST_F(Cli, RemoveShadowRunsWithAMaskAndNamesTheMaskWithoutOne) {
    for (const char* model : {"relight", "learned"}) {
        const auto r =
            cli("run remove-shadow " + quote(photo) + " --mask " + p("mask.png") + " -o " +
                p(std::string("s-") + model + ".png") + " --set model=" + model + " --set grow=4 --device cpu");
        EXPECT_EQ(r.code, 0) << r.output;
        EXPECT_EQ(cv::imread((dir / (std::string("s-") + model + ".png")).string()).size(), cv::Size(64, 48));
    }
    const auto none = cli("run remove-shadow " + quote(photo) + " -o " + p("s.png"));
    EXPECT_EQ(none.code, 2);
    EXPECT_NE(none.output.find("--mask"), std::string::npos) << none.output;
    EXPECT_EQ(
        cli("run remove-shadow " + quote(photo) + " --mask " + p("mask.png") + " -o " + p("s2.png") + " --set grow=500")
            .code,
        2);
}

TEST_F(Cli, UsageErrorsExitTwo) {
    const std::vector<std::string> cases = {
        "",
        "frobnicate",
        "run sharpen " + quote(photo) + " -o " + p("o.png"),
        "run upscale " + quote(photo) + " -o " + p("o.png") + " --set radius=3",
        "run upscale " + quote(photo) + " -o " + p("o.png") + " --set scale=5",
        "run upscale " + quote(photo) + " -o " + p("o.png") + " --set scale",
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --set strength=2",
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --device gpu",
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --tile abc",
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --bogus",
        "run upscale " + quote(photo) + " -o " + p("o.png") + " --mask " + p("mask.png"),
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --set amount=2",
        "run denoise " + quote(photo) + " -o " + p("o.png") + " --mask " + p("mask.png") + " --set feather=-1",
        "run upscale " + quote(photo) + " -o " + p("o.png") + " --set feather=4",
        "run inpaint " + quote(photo) + " -o " + p("o.png"),
        "run denoise " + quote(photo),
        "run denoise " + quote(photo) + " -o " + quote(photo),
        "run denoise " + quote(photo) + " -o " + p("o.gif"),
        "replay " + quote(photo) + " -o " + p("o.png"),
    };
    for (const auto& c : cases) {
        const auto r = cli(c);
        EXPECT_EQ(r.code, 2) << c << "\n" << r.output;
    }
    // An existing output needs --overwrite; the original file stays as it was.
    ASSERT_EQ(cli("run denoise " + quote(photo) + " -o " + p("o.png")).code, 0);
    const auto before = test::read_bytes(dir / "o.png");
    EXPECT_EQ(cli("run denoise " + quote(photo) + " -o " + p("o.png") + " --set strength=0.9").code, 2);
    EXPECT_EQ(test::read_bytes(dir / "o.png"), before);
    EXPECT_EQ(cli("run denoise " + quote(photo) + " -o " + p("o.png") + " --set strength=0.9 --overwrite").code, 0);
    EXPECT_NE(test::read_bytes(dir / "o.png"), before);
    // 16-bit to JPEG loses depth: refused unless allowed.
    cv::imwrite((dir / "deep.png").string(), test::synthetic_photo(32, 32, CV_16U));
    const auto loss = cli("run denoise " + p("deep.png") + " -o " + p("deep.jpg"));
    EXPECT_EQ(loss.code, 2);
    EXPECT_NE(loss.output.find("--allow-loss"), std::string::npos) << loss.output;
    EXPECT_EQ(cli("run denoise " + p("deep.png") + " -o " + p("deep.jpg") + " --allow-loss").code, 0);
}

TEST_F(Cli, CudaWithoutCudaIsAUsageError) {
    const auto r = cli("run denoise " + quote(photo) + " -o " + p("o.png") + " --device cuda");
    if (r.output.find("no CUDA") == std::string::npos) GTEST_SKIP() << "this libtorch has CUDA";
    EXPECT_EQ(r.code, 2);
}

TEST_F(Cli, InvalidInputsExitThree) {
    test::write_bytes(dir / "empty.jpg", {});
    std::vector<uint8_t> png = test::read_bytes(photo);
    png.resize(png.size() / 2);
    test::write_bytes(dir / "cut.png", png);
    cv::imwrite((dir / "small-mask.png").string(), cv::Mat(10, 10, CV_8U, cv::Scalar(255)));
    for (const std::string& c :
         {"run denoise " + p("missing.png") + " -o " + p("o.png"),
          "run denoise " + p("empty.jpg") + " -o " + p("o.png"), "run denoise " + p("cut.png") + " -o " + p("o.png"),
          "run inpaint " + quote(photo) + " --mask " + p("small-mask.png") + " -o " + p("o.png"),
          "run inpaint " + quote(photo) + " --mask " + p("nomask.png") + " -o " + p("o.png")}) {
        const auto r = cli(c);
        EXPECT_EQ(r.code, 3) << c << "\n" << r.output;
        EXPECT_FALSE(fs::exists(dir / "o.png")) << c;
    }
    const auto r = cli("run inpaint " + quote(photo) + " --mask " + p("small-mask.png") + " -o " + p("o.png"));
    EXPECT_NE(r.output.find("10x10"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("64x48"), std::string::npos) << r.output;
}

TEST_F(Cli, ProcessingErrorsExitOne) {
    std::ofstream(dir / "afile") << "x";
    const auto r = cli("run denoise " + quote(photo) + " -o " + quote(dir / "afile" / "out.png"));
    EXPECT_EQ(r.code, 1) << r.output;
}

TEST_F(Cli, BatchContinuesPastFailuresAndReportsTheWorstCode) {
    fs::create_directories(dir / "in/sub");
    cv::imwrite((dir / "in/a.png").string(), test::synthetic_photo(40, 30, CV_8U, 3));
    cv::imwrite((dir / "in/sub/b.jpg").string(), test::synthetic_photo(40, 30, CV_8U, 4));
    test::write_bytes(dir / "in/broken.png", {0x89, 'P', 'N', 'G'});
    const auto r = cli("run upscale " + p("in") + " -o " + p("out") + " --set scale=2 --set model=bicubic");
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_TRUE(fs::exists(dir / "out/a.png"));
    EXPECT_TRUE(fs::exists(dir / "out/sub/b.jpg"));
    EXPECT_FALSE(fs::exists(dir / "out/broken.png"));
    EXPECT_NE(r.output.find("2 of 3 done, 1 failed (exit 3)"), std::string::npos) << r.output;
    // A second run without --overwrite refuses each existing output (usage) but still exits.
    const auto again = cli("run upscale " + p("in") + " -o " + p("out") + " --set scale=2 --set model=bicubic");
    EXPECT_EQ(again.code, 3) << again.output;
    EXPECT_NE(again.output.find("--overwrite"), std::string::npos);
}

TEST_F(Cli, InterruptExits130AndLeavesNoPartialFile) {
    cv::imwrite((dir / "big.png").string(), test::add_noise(test::synthetic_photo(2400, 1600), 20));
    const std::string err = (dir / "err.txt").string();
    const std::string script = quote(kCli) + " run denoise " + p("big.png") + " -o " + p("big-out.png") +
                               " --tile 64 2>" + quote(err) + " & pid=$!; for i in $(seq 1 200); do grep -q '%' " +
                               quote(err) +
                               " 2>/dev/null && break; sleep 0.05; done; kill -INT $pid; wait $pid; echo rc=$?";
    const auto r = test::sh("bash -c " + quote(script));
    EXPECT_NE(r.output.find("rc=130"), std::string::npos) << r.output << test::sh("cat " + quote(err)).output;
    EXPECT_FALSE(fs::exists(dir / "big-out.png"));
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_EQ(e.path().filename().string().find(".restora-"), std::string::npos) << e.path();
    }
}

TEST_F(Cli, ReplayReproducesTheEdit) {
    ASSERT_EQ(cli("run denoise " + quote(photo) + " -o " + p("e1.png") + " --set strength=0.7").code, 0);
    ASSERT_EQ(
        cli("run upscale " + p("e1.png") + " -o " + p("e2.png") + " --set scale=3 --set model=bicubic --tile 32").code,
        0);
    const auto r = cli("replay " + p("e2.png") + " " + quote(photo) + " -o " + p("r.png") + " --tile 32");
    ASSERT_EQ(r.code, 0) << r.output;
    const cv::Mat a = cv::imread((dir / "e2.png").string(), cv::IMREAD_UNCHANGED);
    const cv::Mat b = cv::imread((dir / "r.png").string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_LE(cv::norm(a, b, cv::NORM_INF) / 255.0, 1e-4);
    const auto info = cli("info " + p("r.png"));
    EXPECT_NE(info.output.find("denoise v1"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find("upscale v1"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find(" tile 32\n"), std::string::npos) << info.output;  // what the replay ran with
}

TEST_F(Cli, ListsOperationsAndModelsAsJson) {
    const auto ops = cli("ops --json");
    ASSERT_EQ(ops.code, 0);
    const auto j = nlohmann::json::parse(ops.output);
    EXPECT_GE(j["operations"].size(), 3U);
    const auto models = test::sh("RESTORA_MODEL_DIR=" + quote(dir.path()) + " HOME=" + quote(dir.path()) + " " +
                                 quote(kCli) + " models --json");
    ASSERT_EQ(models.code, 0) << models.output;
    const auto m = nlohmann::json::parse(models.output);
    std::ifstream committed_file(fs::path(test::source_dir()) / "models/weights/manifest.json");
    std::set<std::string> committed;
    const auto manifest = nlohmann::json::parse(committed_file);
    for (const auto& e : manifest["models"]) committed.insert(e["id"].get<std::string>());
    EXPECT_GE(committed.size(), 3U);
    for (const auto& e : m["models"]) {
        EXPECT_EQ(committed.count(e["id"].get<std::string>()), 1U) << "only the committed weights: " << e["id"];
    }
    EXPECT_EQ(m["search_path"][0], dir.path().string());
    EXPECT_EQ(cli("--help").code, 0);
}

TEST_F(Cli, ModelsReportsMissingAndCorruptWeightsWithTheRestoringCommand) {
    test::write_bytes(dir / "ok.bin", {1, 2, 3});
    test::write_bytes(dir / "bad.bin", {9, 9, 9});
    std::ofstream(dir / "manifest.json") << R"({"models": [
        {"id": "ok", "file": "ok.bin", "sha256": "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"},
        {"id": "bad", "file": "bad.bin", "sha256": "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"},
        {"id": "esrgan-slim-x3", "file": "gone.bin", "sha256": "00"},
        {"id": "my-trained", "file": "lost.rsw", "sha256": "00"}]})";
    const auto r = test::sh("RESTORA_MODEL_DIR=" + quote(dir.path()) + " HOME=" + quote(dir.path()) + " " +
                            quote(kCli) + " models --json");
    ASSERT_EQ(r.code, 0) << r.output;
    const nlohmann::json listing = nlohmann::json::parse(r.output);
    std::map<std::string, nlohmann::json> m;
    for (const auto& e : listing["models"]) m[e["id"].get<std::string>()] = e;
    ASSERT_EQ(m.count("ok") + m.count("bad") + m.count("esrgan-slim-x3") + m.count("my-trained"), 4U);
    EXPECT_EQ(m["ok"]["state"], "installed");
    EXPECT_EQ(m["bad"]["state"], "corrupt");
    EXPECT_EQ(m["esrgan-slim-x3"]["state"], "missing");
    EXPECT_EQ(m["esrgan-slim-x3"]["restore"], "restora-cli models import esrgan-slim-x3");
    EXPECT_NE(m["my-trained"]["restore"].get<std::string>().find("models/weights"), std::string::npos);
}

TEST_F(Cli, EvalReportsPsnrAndSsimForFilesAndFolders) {
    fs::create_directories(dir / "ref");
    fs::create_directories(dir / "res");
    const cv::Mat clean = test::synthetic_photo(48, 32);
    cv::imwrite((dir / "ref/a.png").string(), clean);
    cv::imwrite((dir / "res/a.png").string(), test::add_noise(clean, 10));
    cv::imwrite((dir / "ref/b.png").string(), clean);
    cv::imwrite((dir / "res/b.png").string(), clean);
    const auto r = cli("eval " + p("ref") + " " + p("res") + " --json");
    ASSERT_EQ(r.code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    ASSERT_EQ(j["images"].size(), 2U);
    EXPECT_GT(j["images"][0]["psnr"].get<double>(), 25.0);
    EXPECT_LT(j["images"][0]["psnr"].get<double>(), 35.0);
    EXPECT_LT(j["images"][0]["ssim"].get<double>(), 1.0);
    EXPECT_EQ(cli("eval " + p("ref/a.png") + " " + quote(photo)).code, 3);  // sizes differ
}

TEST_F(Cli, MissingWeightsExitOneBeforeReadingInput) {
    test::write_bytes(dir / "manifest.json", {'{', '}'});
    const std::string env = "RESTORA_MODEL_DIR=" + quote(dir / "no-models") + " HOME=" + quote(dir.path()) + " ";
    const auto r = test::sh(env + quote(kCli) + " run upscale " + p("not-even-there.png") + " -o " + p("o.png") +
                            " --set model=slim --set scale=2");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("restora-cli models import esrgan-slim-x2"), std::string::npos) << r.output;
    // The rest of the application keeps working.
    EXPECT_EQ(test::sh(env + quote(kCli) + " run denoise " + quote(photo) + " -o " + p("d.png")).code, 0);
}

// The chart tool for training logs (tools/plot; not part of restora-cli).
TEST_F(Cli, PlotsATrainingLog) {
    const auto plot = [](const std::string& args) {
        return test::sh(quote(test::env_path("RESTORA_TEST_PLOT")) + " " + args);
    };
    std::ofstream(dir / "log.csv") << "step,seconds,loss,eval_psnr_hole\n100,2,0.3,20\n200,4,0.2,22\n300,6,0.15,23\n";
    const auto r = plot(p("log.csv") + " -o " + p("plot.png"));
    ASSERT_EQ(r.code, 0) << r.output;
    const cv::Mat img = cv::imread((dir / "plot.png").string());
    EXPECT_EQ(img.cols, 1040);
    EXPECT_GT(img.rows, 0);
    std::ofstream(dir / "short.csv") << "step,loss\n1,0.5\n";
    EXPECT_EQ(plot(p("short.csv") + " -o " + p("p2.png")).code, 3);
    EXPECT_EQ(plot(p("log.csv")).code, 2);
}
