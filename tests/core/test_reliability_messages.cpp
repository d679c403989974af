// Failures that name the right file and say what to do (docs/RELIABILITY.md): restora-plot on
// logs that are not training logs (exit 3, never "stod"), its chart written like restora-cli's
// outputs; a folder whose fsync fails after the rename (a preloaded fsync that fails with EIO);
// damaged weight files whose sha256 the manifest records (the weights are named, never
// "bad_alloc" against the photo). Each case checks the exit code, the message, that nothing was
// written and that the inputs are byte-identical.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "reliability_util.h"
#include "restora/core/sha256.h"
#include "test_util.h"

using test::contains;
using test::quote;
using test::Reliability;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

test::Result plot(const std::string& args) {
    return test::sh("timeout 60 " + quote(test::env_path("RESTORA_TEST_PLOT")) + " " + args);
}

void write_text(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

TEST_F(Reliability, PlotRefusesWhatIsNotATrainingLog) {
    std::string wide = "step";
    for (int i = 0; i < 100000; ++i) wide += ",c";
    const std::vector<std::pair<std::string, std::string>> logs = {
        {"words.csv", "step,loss\n1,abc\n2,0.3\n"},
        {"partial.csv", "step,loss\n1,0.5x\n2,0.3\n"},
        {"nan.csv", "step,loss\n1,nan\n2,0.3\n"},
        {"huge.csv", "step,loss\n1,1e999\n2,0.3\n"},
        {"empty.csv", ""},
        {"header.csv", "step,loss\n"},
        {"binary.csv", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)},
        {"wide.csv", wide + "\n"},
    };
    for (const auto& [name, text] : logs) write_text(dir / name, text);
    ASSERT_EQ(::mkfifo((dir / "fifo.csv").c_str(), 0644), 0);
    snapshot();
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"words.csv", "line 2: 'abc' is not a finite number"},
        {"partial.csv", "'0.5x' is not a finite number"},
        {"nan.csv", "'nan' is not a finite number"},
        {"huge.csv", "'1e999' is not a finite number"},
        {"empty.csv", "too few rows"},
        {"header.csv", "too few rows"},
        {"binary.csv", "not a CSV text file"},
        {"wide.csv", "100001 columns"},
        {"fifo.csv", "fifo.csv"},
    };
    for (const auto& [name, message] : expected) {
        const auto start = std::chrono::steady_clock::now();
        const auto r = plot(quote(dir / name) + " -o " + quote(dir / "chart.png"));
        EXPECT_EQ(r.code, 3) << name << ": " << r.output;
        EXPECT_TRUE(contains(r.output, message)) << name << ": " << r.output;
        EXPECT_TRUE(contains(r.output, (dir / name).string())) << name << ": " << r.output;
        EXPECT_FALSE(contains(r.output, "stod")) << r.output;
        EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0) << name;
    }
    expect_unchanged();
}

TEST_F(Reliability, PlotWritesLikeTheCli) {
    const fs::path log = dir / "log.csv";
    write_text(log, "step,loss\n1,0.5\n2,0.3\n3,0.25\n");
    const fs::path chart = dir / "chart.png";
    write_text(chart, "an earlier chart");
    snapshot();
    const auto kept = plot(quote(log) + " -o " + quote(chart));
    EXPECT_EQ(kept.code, 2) << kept.output;
    EXPECT_TRUE(contains(kept.output, "--overwrite")) << kept.output;
    const auto not_png = plot(quote(log) + " -o " + quote(dir / "chart.jpg"));
    EXPECT_EQ(not_png.code, 2) << not_png.output;
    expect_unchanged();
    const auto replaced = plot(quote(log) + " -o " + quote(chart) + " --overwrite");
    EXPECT_EQ(replaced.code, 0) << replaced.output;
    EXPECT_EQ(cv::imread(chart.string()).cols, 1040);
    // A failed write leaves nothing (a 1 KiB write limit; the chart is larger).
    const auto failed = test::sh("trap '' XFSZ; ulimit -f 1; timeout 60 " + quote(test::env_path("RESTORA_TEST_PLOT")) +
                                 " " + quote(log) + " -o " + quote(dir / "limited.png"));
    EXPECT_EQ(failed.code, 1) << failed.output;
    EXPECT_TRUE(contains(failed.output, "cannot write " + (dir / "limited.png").string())) << failed.output;
    EXPECT_FALSE(fs::exists(dir / "limited.png"));
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_FALSE(contains(e.path().filename().string(), ".tmp")) << e.path();
    }
}

// The rename is done but the folder cannot be flushed (EIO): a new output is taken back (exit 1,
// nothing left); a replaced one stays, and the message says it may not survive a crash.
TEST_F(Reliability, FolderFsyncFailureIsReported) {
    const std::string preload = "LD_PRELOAD=" + quote(test::env_path("RESTORA_TEST_FSYNC_FAILS")) + " ";
    const fs::path out = dir / "out.png";
    const auto r = test::sh(preload + "timeout 60 " + quote(test::kReliabilityCli) + " run upscale " + quote(photo) +
                            " -o " + quote(out) + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "cannot write " + out.string()) &&
                contains(r.output, "flushing its folder failed") && contains(r.output, "Input/output error"))
        << r.output;
    expect_unchanged();
    // Without the failure the same run works; then --overwrite under the failure.
    ASSERT_EQ(test::reliability_cli("run upscale " + quote(photo) + " -o " + quote(out) + test::kUpscaleArgs).code, 0);
    const auto replaced = test::sh(preload + "timeout 60 " + quote(test::kReliabilityCli) + " run upscale " +
                                   quote(photo) + " -o " + quote(out) + " --overwrite" + test::kUpscaleArgs);
    EXPECT_EQ(replaced.code, 1) << replaced.output;
    EXPECT_TRUE(contains(replaced.output, "was replaced but may not survive a crash")) << replaced.output;
    EXPECT_EQ(cv::imread(out.string()).cols, 128);
}

// A copy of the bundled sr-tunable-x4 entry whose weight file is `bytes`, its sha256 recorded.
fs::path damaged_model_dir(const fs::path& root, const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path bundled = fs::path(test::kReliabilityCli).parent_path().parent_path() / "share/restora/models";
    std::ifstream in(bundled / "manifest.json");
    const nlohmann::json manifest = nlohmann::json::parse(in);
    nlohmann::json entry;
    for (const auto& e : manifest.at("models")) {
        if (e.at("id") == "sr-tunable-x4") entry = e;
    }
    const fs::path d = root / name;
    fs::create_directories(d);
    test::write_bytes(d / entry.at("file").get<std::string>(), bytes);
    entry["sha256"] = restora::sha256_hex(bytes);
    std::ofstream(d / "manifest.json") << nlohmann::json{{"models", {entry}}}.dump(2);
    return d;
}

TEST_F(Reliability, DamagedWeightsWithAMatchingHashNameTheWeightFile) {
    const fs::path bundled = fs::path(test::kReliabilityCli).parent_path().parent_path() / "share/restora/models";
    if (!fs::exists(bundled / "sr-tunable-x4.rsw")) GTEST_SKIP() << "no bundled sr-tunable-x4 weights";
    std::vector<uint8_t> real = test::read_bytes(bundled / "sr-tunable-x4.rsw");
    const std::string text(real.begin(), real.begin() + std::min<size_t>(real.size(), 1 << 16));
    // The first tensor renamed (same length, so the data stays in place): the graph misses it.
    std::vector<uint8_t> renamed = real;
    const size_t tensors = text.find("\ntensors ");
    ASSERT_NE(tensors, std::string::npos);
    const size_t first = text.find('\n', tensors + 1) + 1;
    renamed[first] = renamed[first] == 'Q' ? 'R' : 'Q';
    auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
    const std::vector<std::pair<std::string, std::vector<uint8_t>>> cases = {
        {"huge", bytes("RSTW 1\nmeta 0\ngraph 0\ntensors 1\nw 3 100000 100000 100000\ndata\n")},
        {"counts", bytes("RSTW 1\nmeta lots\n")},
        {"noise", bytes(std::string(4096, '\x5a'))},
        {"renamed", renamed},
    };
    TempDir models;
    std::vector<std::pair<std::string, fs::path>> dirs;
    for (const auto& [name, content] : cases) dirs.emplace_back(name, damaged_model_dir(models.path(), name, content));
    snapshot();
    for (const auto& [name, d] : dirs) {
        const auto r = test::sh("RESTORA_MODEL_DIR=" + quote(d) + " timeout 60 " + quote(test::kReliabilityCli) +
                                " run upscale " + quote(photo) + " -o " + quote(dir / "out.png") +
                                " --set model=tunable --set scale=4 --device cpu");
        EXPECT_EQ(r.code, 1) << name << ": " << r.output;
        EXPECT_TRUE(contains(r.output, (d / "sr-tunable-x4.rsw").string())) << name << ": " << r.output;
        EXPECT_FALSE(contains(r.output, "bad_alloc") || contains(r.output, "stoul")) << r.output;
        const size_t error = r.output.find("error: ");
        ASSERT_NE(error, std::string::npos) << r.output;
        EXPECT_FALSE(contains(r.output.substr(error), photo.string())) << name << ": the photo is blamed: " << r.output;
    }
    expect_unchanged();
}

}  // namespace
