// `replay` under tampered histories (docs/RELIABILITY.md): every recorded step is checked with
// the command line's checks (parameters, masks, tiles) and the size the whole chain predicts,
// before any pixel is read; a refusal is an input error (exit 3) naming the history, within
// seconds and well under 1 GB of memory; nothing is written and the inputs are unchanged. A
// model whose sha256 differs from the recorded one is replayed with a warning. The histories are
// written here with the exporter the CLI uses.
#include <gtest/gtest.h>

#include <chrono>

#include "reliability_util.h"
#include "restora/core/metadata.h"
#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "test_util.h"

using test::contains;
using test::quote;
using test::Reliability;
namespace fs = std::filesystem;

namespace {

test::Result cli(const std::string& args) { return test::reliability_cli(args); }

restora::HistoryEntry step(const std::string& op, std::map<std::string, std::string> params) {
    restora::HistoryEntry e;
    e.op = op;
    e.version = restora::Registry::instance().get(op).info().version;
    e.params = std::move(params);
    return e;
}

// An edited photo (64x48) whose XMP holds exactly these steps.
fs::path write_edited(const fs::path& dir, const std::vector<restora::HistoryEntry>& entries) {
    restora::History h;
    h.entries = entries;
    const fs::path edited = dir / "edited.png";
    fs::remove(edited);
    restora::export_with_history(test::synthetic_photo(64, 48), restora::Metadata(), h, edited, {});
    return edited;
}

// The same with the history's JSON as given (what to_json would never write).
fs::path write_edited_json(const fs::path& dir, const std::string& json) {
    const fs::path edited = dir / "edited.png";
    fs::remove(edited);
    restora::MetadataEdits edits;
    edits.width = 64;
    edits.height = 48;
    edits.history_json = json;
    restora::export_image(test::synthetic_photo(64, 48), restora::Metadata(), edits, edited, {});
    return edited;
}

// The peak resident memory (kB) and the result of one replay.
struct Measured {
    test::Result result;
    long peak_kb = 0;
};

Measured replay(const fs::path& dir, const fs::path& edited, const fs::path& input, const std::string& extra = "") {
    const fs::path rss = dir.parent_path() / (dir.filename().string() + "-rss.txt");
    Measured m;
    m.result =
        test::sh("/usr/bin/time -f %M -o " + quote(rss) + " timeout 60 " + quote(test::kReliabilityCli) + " replay " +
                 quote(edited) + " " + quote(input) + " -o " + quote(dir / "out.png") + " --device cpu" + extra);
    // GNU time writes "Command exited with non-zero status N" first on a failure; %M is the last line.
    const std::vector<uint8_t> bytes = test::read_bytes(rss);
    std::string text(bytes.begin(), bytes.end());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    m.peak_kb = std::atol(text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1).c_str());
    fs::remove(rss);
    return m;
}

// Three x8 upscales of a 64x48 photo reach 32768x24576 (805 MP): refused from the headers.
TEST_F(Reliability, ReplayBeyondTheLimitsIsRefusedBeforeAnyWork) {
    const auto x8 = step("upscale", {{"scale", "8"}, {"model", "bicubic"}});
    const fs::path edited = write_edited(dir.path(), {x8, x8, x8});
    snapshot();
    const auto start = std::chrono::steady_clock::now();
    const Measured m = replay(dir.path(), edited, photo);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(m.result.code, 3) << m.result.output;
    EXPECT_TRUE(contains(m.result.output, "32768x24576") && contains(m.result.output, "250 MP")) << m.result.output;
    EXPECT_LT(seconds, 10.0);
    EXPECT_GT(m.peak_kb, 0);
    EXPECT_LT(m.peak_kb, 1024 * 1024) << "peak " << m.peak_kb << " kB";
    expect_unchanged();
    // The same steps within the limits replay (two x8: 4096x3072).
    const fs::path two = write_edited(dir.path(), {x8, x8});
    const Measured ok = replay(dir.path(), two, photo);
    EXPECT_EQ(ok.result.code, 0) << ok.result.output;
    EXPECT_TRUE(contains(ok.result.output, "4096x3072")) << ok.result.output;
}

TEST_F(Reliability, TamperedHistoriesAreInputErrorsNamingTheHistory) {
    auto tiny_tile = step("upscale", {{"scale", "2"}, {"model", "bicubic"}});
    tiny_tile.tile = 1;
    auto traversal = step("inpaint", {});
    traversal.mask_sha256 = "../../../../etc/passwd";
    auto masked_upscale = step("upscale", {{"scale", "2"}, {"model", "bicubic"}});
    masked_upscale.mask_sha256 = std::string(64, 'a');
    auto bad_mask_sha = step("inpaint", {});
    bad_mask_sha.mask_sha256 = std::string(64, 'b');
    const std::vector<std::pair<restora::HistoryEntry, std::string>> cases = {
        {tiny_tile, "records tile 1"},
        {step("upscale", {{"scale", "5"}, {"model", "bicubic"}}), "scale"},
        {step("upscale", {{"scale", "2"}, {"model", "nonsense"}}), "nonsense"},
        {step("upscale", {{"scale", "2"}, {"model", "bicubic"}, {"colour", "red"}}), "colour"},
        {step("inpaint", {}), "needs a mask and records none"},
        {step("erase-text", {{"detect", "false"}}), "cannot run as recorded"},
        {masked_upscale, "takes no mask but records one"},
        {traversal, "other than a sha256"},
        {bad_mask_sha, std::string(64, 'b')},
    };
    for (const auto& [entry, expected] : cases) {
        const fs::path edited = write_edited(dir.path(), {entry});
        snapshot();
        const auto start = std::chrono::steady_clock::now();
        const Measured m = replay(dir.path(), edited, photo);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(m.result.code, 3) << expected << ": " << m.result.output;
        EXPECT_TRUE(contains(m.result.output, expected)) << m.result.output;
        EXPECT_TRUE(contains(m.result.output, edited.string()) ||
                    contains(m.result.output, "mask " + dir.path().string()))
            << m.result.output;
        // The user gave no --mask and no --set: the history is at fault, not the command line.
        EXPECT_FALSE(contains(m.result.output, "--mask") || contains(m.result.output, "--set")) << m.result.output;
        EXPECT_LT(seconds, 10.0) << expected;
        expect_unchanged();
    }
    // A tile no writer records.
    const fs::path negative =
        write_edited_json(dir.path(), R"({"format":1,"source_sha256":"","entries":[{"op":"upscale","version":1,)"
                                      R"("params":{"scale":"2","model":"bicubic"},"tile":-7}]})");
    snapshot();
    const Measured n = replay(dir.path(), negative, photo);
    EXPECT_EQ(n.result.code, 3) << n.result.output;
    EXPECT_TRUE(contains(n.result.output, "the Restora history in " + negative.string() + " is damaged: 'tile' is -7"))
        << n.result.output;
    expect_unchanged();
    // JSON that does not parse, entries of the wrong type, a tile beyond int (found by fuzz_history:
    // it became an arbitrary tile).
    for (const std::string& json : {std::string(R"({"format":1,"entries":[{"op":"upscale")"),
                                    std::string(R"({"format":1,"entries":[{"op":"upscale","version":1,)"
                                                R"("params":{"scale":"2","model":"bicubic"},"tile":4294967328}]})"),
                                    std::string(R"({"format":1,"entries":[{"op":7,"version":1,"params":{}}]})")}) {
        const fs::path damaged = write_edited_json(dir.path(), json);
        snapshot();
        const Measured d = replay(dir.path(), damaged, photo);
        EXPECT_EQ(d.result.code, 3) << d.result.output;
        EXPECT_TRUE(contains(d.result.output, "the Restora history in " + damaged.string() + " is damaged"))
            << d.result.output;
        expect_unchanged();
    }
    // A tile below 32 given on the command line is a usage error, as for `run`.
    const fs::path edited = write_edited(dir.path(), {step("upscale", {{"scale", "2"}, {"model", "bicubic"}})});
    snapshot();
    const Measured m = replay(dir.path(), edited, photo, " --tile 1");
    EXPECT_EQ(m.result.code, 2) << m.result.output;
    EXPECT_TRUE(contains(m.result.output, "--tile")) << m.result.output;
    expect_unchanged();
}

// The weights changed since the history was recorded: replayed, with a warning naming the model.
TEST_F(Reliability, ReplayWarnsWhenTheModelDiffers) {
    auto e = step("upscale", {{"scale", "4"}, {"model", "tunable"}});
    e.model = "sr-tunable-x4";
    e.model_sha256 = std::string(64, '0');
    const fs::path edited = write_edited(dir.path(), {e});
    const Measured m = replay(dir.path(), edited, photo);
    ASSERT_EQ(m.result.code, 0) << m.result.output;
    EXPECT_TRUE(contains(m.result.output, "warning: ") && contains(m.result.output, "sr-tunable-x4") &&
                contains(m.result.output, "000000000000...") && contains(m.result.output, "the result may differ"))
        << m.result.output;
    // Recorded with the installed weights: no such warning.
    const auto rerun = cli("replay " + quote(dir / "out.png") + " " + quote(photo) + " -o " + quote(dir / "again.png") +
                           " --device cpu");
    EXPECT_EQ(rerun.code, 0) << rerun.output;
    EXPECT_FALSE(contains(rerun.output, "the result may differ")) << rerun.output;
}

}  // namespace
