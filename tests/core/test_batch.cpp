// Sharded, resumable batches (docs/BATCH.md): the partition rule, input lists, the resume check
// and the manifest, in core and through restora-cli (a run killed for real, then resumed).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "restora/core/batch_shard.h"
#include "restora/core/manifest.h"
#include "restora/models/errors.h"
#include "test_util.h"

using test::quote;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kCli = test::cli_path();

test::Result cli(const std::string& args) { return test::sh(quote(kCli) + " " + args); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// `count` small photos, a third of them in a subfolder, PNG and JPEG mixed.
std::vector<fs::path> make_photos(const fs::path& dir, int count, int w = 48, int h = 32) {
    std::vector<fs::path> files;
    fs::create_directories(dir / "sub");
    for (int i = 0; i < count; ++i) {
        std::string name = std::to_string(10 + i);
        name.insert(0, 1, 'p');
        name += i % 4 == 3 ? ".jpg" : ".png";
        const fs::path f = i % 3 == 2 ? dir / "sub" / name : dir / name;
        cv::imwrite(f.string(), test::add_noise(test::synthetic_photo(w, h, CV_8U, 5 + i), 12, 9 + i));
        files.push_back(f);
    }
    return files;
}

std::vector<restora::ManifestRecord> manifest(const fs::path& file) {
    std::vector<std::string> damaged;
    auto records = restora::read_manifest(file, damaged);
    EXPECT_TRUE(damaged.empty()) << damaged.front();
    return records;
}

std::map<std::string, int> count_by_status(const std::vector<restora::ManifestRecord>& records) {
    std::map<std::string, int> n;
    for (const auto& r : records) ++n[r.status];
    return n;
}

timespec mtime_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mtim;
}

}  // namespace

// ---- core ----

TEST(Batch, ShardSpecsAreCheckedAsUsage) {
    EXPECT_EQ(restora::parse_shard("2/3").index, 2);
    EXPECT_EQ(restora::parse_shard("0/1").count, 1);
    for (const char* bad : {"3/3", "-1/3", "1/0", "1", "a/3", "1/3x", "", "/", "1/99999999999"}) {
        try {
            restora::parse_shard(bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const restora::Error& e) {
            EXPECT_EQ(e.kind(), restora::ErrorKind::Usage) << bad;
        }
    }
}

TEST(Batch, ShardsPartitionEveryItemExactlyOnce) {
    std::vector<restora::BatchItem> items;
    for (int i = 0; i < 103; ++i) {
        items.push_back({"in/" + std::to_string(i * 7919 % 1000) + ".png", "out/" + std::to_string(i) + ".png", ""});
    }
    for (int n : {1, 2, 3, 7, 103, 200}) {
        std::multiset<std::string> seen;
        size_t largest = 0;
        size_t smallest = items.size();
        for (int i = 0; i < n; ++i) {
            // Each shard is computed from its own copy, in another order: machines need not agree on one.
            std::vector<restora::BatchItem> shuffled(items.rbegin(), items.rend());
            if (i % 2 == 1) shuffled = items;
            const auto mine = restora::select_shard(shuffled, {i, n});
            for (const auto& item : mine) seen.insert(item.output.string());
            largest = std::max(largest, mine.size());
            smallest = std::min(smallest, mine.size());
        }
        EXPECT_EQ(seen.size(), items.size()) << n << " shards";
        for (const auto& item : items) EXPECT_EQ(seen.count(item.output.string()), 1U) << n << " shards";
        EXPECT_LE(largest - smallest, 1U) << "round-robin shards differ by at most one item";
    }
}

TEST(Batch, InputListsSkipEmptyLinesAndCarriageReturns) {
    std::istringstream list("a.png\r\n\nb c.jpg\n  d.png\nlast.tif");
    const auto paths = restora::read_input_list(list, "the list");
    ASSERT_EQ(paths.size(), 4U);
    EXPECT_EQ(paths[0], "a.png");
    EXPECT_EQ(paths[1], "b c.jpg");
    EXPECT_EQ(paths[2], "  d.png");  // a path is taken as written
    EXPECT_EQ(paths[3], "last.tif");
    std::istringstream nul(std::string("a.png\n\0b.png\n", 13));
    EXPECT_THROW(restora::read_input_list(nul, "the list"), restora::Error);
}

TEST(Batch, TheSameFileTwiceIsOneInput) {
    TempDir dir;
    const auto files = make_photos(dir / "in", 4);
    fs::create_hard_link(files[0], dir / "link.png");
    const auto items = restora::plan_batch({files[0], dir / "in", files[1], dir / "link.png"}, dir / "out", "");
    EXPECT_EQ(items.size(), 4U);
    std::set<std::string> outputs;
    for (const auto& i : items) outputs.insert(i.output.string());
    EXPECT_EQ(outputs.size(), 4U);
}

TEST(Batch, ManifestLinesRoundTripAndMergeKeepsTheLastWord) {
    restora::ManifestRecord a;
    a.input = "in/a \"quoted\".png";
    a.output = "out/a.png";
    a.status = "ok";
    a.seconds = 1.25;
    a.peak_rss_bytes = 123456789;
    a.device = "cpu";
    a.models = {{"denoise-tunable-v4", "abc"}};
    a.shard = "0/2";
    const std::string line = restora::manifest_line(a);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
    const auto back = restora::parse_manifest_line(line, "x");
    EXPECT_EQ(back.input, a.input);
    EXPECT_EQ(back.models.size(), 1U);
    EXPECT_EQ(back.peak_rss_bytes, a.peak_rss_bytes);
    EXPECT_TRUE(contains(line, "\"exit_class\":\"ok\""));

    restora::ManifestRecord skipped = a;
    skipped.status = "skipped";
    skipped.seconds = 0.01;
    restora::ManifestRecord b = a;
    b.input = "in/b.png";
    b.status = "failed";
    b.exit_code = 3;
    restora::ManifestRecord b_redone = b;
    b_redone.status = "ok";
    b_redone.exit_code = 0;
    restora::ManifestRecord c = a;
    c.input = "in/c.png";
    c.status = "skipped";
    restora::ManifestRecord a_other_shard = skipped;
    a_other_shard.shard = "1/2";
    std::vector<std::string> conflicts;
    auto merged = restora::merge_manifest_records({a, b, skipped, b_redone, c}, conflicts);
    ASSERT_EQ(merged.size(), 3U);
    EXPECT_EQ(merged[0].status, "ok");
    EXPECT_DOUBLE_EQ(merged[0].seconds, 1.25) << "a later skip keeps the record of the work";
    EXPECT_EQ(merged[1].status, "ok") << "a rerun that made it replaces the failure";
    EXPECT_EQ(merged[2].status, "skipped");
    EXPECT_TRUE(conflicts.empty());
    const auto s = restora::summarize(merged);
    EXPECT_EQ(s.ok, 2U);
    EXPECT_EQ(s.skipped, 1U);
    EXPECT_EQ(s.worst_exit, 0);
    merged = restora::merge_manifest_records({a, b, a_other_shard}, conflicts);
    EXPECT_EQ(conflicts.size(), 1U);
    EXPECT_EQ(restora::summarize(merged).worst_exit, 3);
}

// Four processes append 300 records each to one manifest: every line arrives whole.
TEST(Batch, ConcurrentAppendsNeverInterleave) {
    TempDir dir;
    const fs::path file = dir / "m.jsonl";
    std::vector<pid_t> children;
    for (int p = 0; p < 4; ++p) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            restora::ManifestWriter w(file);
            restora::ManifestRecord r;
            r.status = "skipped";  // not flushed one by one: the fast path
            r.error = std::string(900, 'x');
            for (int i = 0; i < 300; ++i) {
                r.input = std::to_string(p * 1000 + i);
                w.append(r);
            }
            ::_exit(0);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const auto records = manifest(file);
    EXPECT_EQ(records.size(), 1200U);
    std::set<std::string> inputs;
    for (const auto& r : records) inputs.insert(r.input);
    EXPECT_EQ(inputs.size(), 1200U);
}

TEST(Batch, DamagedManifestLinesAreReportedNotTrusted) {
    TempDir dir;
    restora::ManifestRecord r;
    r.input = "a.png";
    r.status = "ok";
    const std::string good = restora::manifest_line(r);
    std::ofstream(dir / "m.jsonl") << good << "{\"input\": 3}\n" << good.substr(0, good.size() / 2);
    std::vector<std::string> damaged;
    const auto records = restora::read_manifest(dir / "m.jsonl", damaged);
    EXPECT_EQ(records.size(), 1U);
    ASSERT_EQ(damaged.size(), 2U);
    EXPECT_TRUE(contains(damaged[0], "line 2")) << damaged[0];
    EXPECT_TRUE(contains(damaged[1], "line 3") && contains(damaged[1], "cut short")) << damaged[1];
    EXPECT_THROW(restora::ManifestWriter w(dir.path()), restora::Error) << "a folder is no manifest";
}

TEST(Batch, PeakMemoryIsMeasuredPerItem) {
    restora::reset_peak_rss();
    const int64_t before = restora::peak_rss_bytes();
    ASSERT_GT(before, 0);
    {
        std::vector<char> big(size_t{256} << 20, 1);  // touched: resident
        EXPECT_GE(restora::peak_rss_bytes(), before + (int64_t{200} << 20));
    }
    restora::reset_peak_rss();
    // Where the kernel lets the peak be reset, it drops back; elsewhere it is the process's peak.
    const int64_t after = restora::peak_rss_bytes();
    if (after > before + (int64_t{200} << 20)) GTEST_SKIP() << "this kernel does not reset the peak (clear_refs)";
    EXPECT_LT(after, before + (int64_t{100} << 20));
}

// ---- restora-cli ----

TEST(BatchCli, ThreeShardsTogetherProcessEveryInputOnce) {
    TempDir dir;
    const auto files = make_photos(dir / "in", 11);
    std::set<std::string> all;
    for (const auto& f : files) all.insert(f.string());
    std::multiset<std::string> seen;
    for (int i = 0; i < 3; ++i) {
        const fs::path m = dir / ("m" + std::to_string(i) + ".jsonl");
        const auto r = cli("run denoise " + quote(dir / "in") + " -o " + quote(dir / "out") + " --shard " +
                           std::to_string(i) + "/3 --manifest " + quote(m) + " --threads 1");
        ASSERT_EQ(r.code, 0) << r.output;
        const std::string size = i < 2 ? "4" : "3";  // 11 = 4 + 4 + 3
        EXPECT_TRUE(contains(r.output, "shard " + std::to_string(i) + "/3 (" + size + " of 11 inputs): " + size +
                                           " of " + size + " done, 0 failed (exit 0)"))
            << r.output;
        for (const auto& rec : manifest(m)) {
            EXPECT_EQ(rec.status, "ok");
            EXPECT_EQ(rec.shard, std::to_string(i) + "/3");
            EXPECT_GT(rec.peak_rss_bytes, 0);
            EXPECT_EQ(rec.device, "cpu");
            EXPECT_TRUE(fs::exists(rec.output)) << rec.output;
            seen.insert(rec.input);
        }
    }
    EXPECT_EQ(seen.size(), all.size());
    for (const auto& f : all) EXPECT_EQ(seen.count(f), 1U) << f;
    size_t outputs = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "out")) outputs += e.is_regular_file() ? 1 : 0;
    EXPECT_EQ(outputs, all.size());
    // merge and summary agree; a shard beyond the inputs has nothing to do and succeeds.
    const auto merged = cli("manifest merge " + quote(dir / "m0.jsonl") + " " + quote(dir / "m1.jsonl") + " " +
                            quote(dir / "m2.jsonl") + " -o " + quote(dir / "all.jsonl"));
    EXPECT_EQ(merged.code, 0) << merged.output;
    EXPECT_EQ(manifest(dir / "all.jsonl").size(), all.size());
    const auto summary = cli("manifest summary " + quote(dir / "all.jsonl"));
    EXPECT_EQ(summary.code, 0) << summary.output;
    EXPECT_TRUE(contains(summary.output, "11 inputs: 11 ok, 0 skipped (already complete), 0 failed")) << summary.output;
    const auto empty = cli("run denoise " + quote(dir / "in") + " -o " + quote(dir / "out") + " --shard 20/21");
    EXPECT_EQ(empty.code, 0) << empty.output;
    EXPECT_TRUE(contains(empty.output, "0 of 0 done")) << empty.output;
}

TEST(BatchCli, InputListsFromAFileAndFromStandardInput) {
    TempDir dir;
    const auto files = make_photos(dir / "in", 4);
    std::ofstream(dir / "list.txt") << files[0].string() << "\r\n\n" << files[1].string() << "\n";
    auto r = cli("run denoise --from-list " + quote(dir / "list.txt") + " -o " + quote(dir / "out"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::exists(dir / "out" / files[0].filename()));
    EXPECT_TRUE(fs::exists(dir / "out" / files[1].filename()));
    r = test::sh("printf '%s\\n' " + quote(files[2]) + " | " + quote(kCli) + " run denoise --from-list - -o " +
                 quote(dir / "out2"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::is_directory(dir / "out2")) << "with a list, -o is a folder even for one input";
    EXPECT_TRUE(fs::exists(dir / "out2" / files[2].filename()));
    // Listed files from several folders keep their paths below the deepest folder holding them all.
    std::ofstream(dir / "two.txt") << files[2].string() << "\n" << fs::relative(files[0]).string() << "\n";
    r = cli("run denoise --from-list " + quote(dir / "two.txt") + " -o " + quote(dir / "out4"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::exists(dir / "out4" / files[0].filename())) << r.output;
    EXPECT_TRUE(fs::exists(dir / "out4" / "sub" / files[2].filename())) << r.output;
    r = cli("run denoise --from-list " + quote(dir / "missing.txt") + " -o " + quote(dir / "out3"));
    EXPECT_EQ(r.code, 3) << r.output;
    r = cli("run denoise --from-list " + quote(dir / "in") + " -o " + quote(dir / "out3"));
    EXPECT_EQ(r.code, 3) << "a folder is no list: " << r.output;
    EXPECT_EQ(cli("run denoise " + quote(files[0]) + " -o " + quote(dir / "o") + " --shard 3/3").code, 2);
    EXPECT_EQ(cli("run denoise " + quote(files[0]) + " -o " + quote(dir / "o") + " --threads 0").code, 2);
    EXPECT_EQ(cli("run denoise " + quote(files[0]) + " -o " + quote(dir / "o.png") + " --shard 0/2").code, 2);
    EXPECT_FALSE(fs::exists(dir / "o.png"));
    EXPECT_EQ(cli("info " + quote(files[0]) + " --shard 0/2").code, 2);
}

// A run killed (SIGKILL, as a pre-empted job) after some outputs; --resume makes only the rest.
TEST(BatchCli, ResumeAfterAKilledRunFinishesOnlyWhatIsMissing) {
    TempDir dir;
    const auto files = make_photos(dir / "in", 8, 480, 360);
    const fs::path m1 = dir / "m1.jsonl";
    const std::string script = quote(kCli) + " run denoise " + quote(dir / "in") + " -o " + quote(dir / "out") +
                               " --set model=nlmeans --threads 1 --manifest " + quote(m1) +
                               " 2>/dev/null & pid=$!; for i in $(seq 1 600); do "
                               "[ \"$(cat " +
                               quote(m1) +
                               " 2>/dev/null | wc -l)\" -ge 3 ] && break; sleep 0.05; done; kill -KILL $pid; "
                               "wait $pid; echo rc=$?";
    const auto killed = test::sh("bash -c " + quote(script));
    ASSERT_TRUE(contains(killed.output, "rc=137")) << killed.output;
    const auto first = manifest(m1);
    ASSERT_GE(first.size(), 3U);
    ASSERT_LT(first.size(), files.size()) << "the run was not killed midway";
    std::map<std::string, timespec> made;
    for (const auto& r : first) made[r.output] = mtime_of(r.output);

    const fs::path m2 = dir / "m2.jsonl";
    const auto resumed = cli("run denoise " + quote(dir / "in") + " -o " + quote(dir / "out") +
                             " --set model=nlmeans --threads 1 --resume --manifest " + quote(m2));
    ASSERT_EQ(resumed.code, 0) << resumed.output;
    const auto second = manifest(m2);
    ASSERT_EQ(second.size(), files.size());
    std::set<std::string> done_twice;
    for (const auto& r : second) {
        if (made.count(r.output) != 0) {
            EXPECT_EQ(r.status, "skipped") << r.input;
            const timespec t = mtime_of(r.output);
            EXPECT_TRUE(t.tv_sec == made[r.output].tv_sec && t.tv_nsec == made[r.output].tv_nsec)
                << r.output << " was written again";
        } else {
            EXPECT_EQ(r.status, "ok") << r.input;
        }
    }
    EXPECT_EQ(count_by_status(second)["ok"], static_cast<int>(files.size() - first.size()));
    EXPECT_TRUE(contains(resumed.output, std::to_string(files.size()) + " of " + std::to_string(files.size()) +
                                             " done (" + std::to_string(first.size()) + " already complete)"))
        << resumed.output;
    // merged, every input once and all done
    const auto summary = cli("manifest summary " + quote(m1) + " " + quote(m2));
    EXPECT_EQ(summary.code, 0) << summary.output;
    EXPECT_TRUE(contains(summary.output, "8 inputs: " + std::to_string(files.size()) + " ok")) << summary.output;
}

TEST(BatchCli, ResumeRedoesTruncatedForeignAndOtherOutputs) {
    TempDir dir;
    const auto files = make_photos(dir / "in", 6);
    const std::string run = "run denoise " + quote(dir / "in") + " -o " + quote(dir / "out");
    ASSERT_EQ(cli(run).code, 0);
    const fs::path out = dir / "out";
    auto out_of = [&](size_t i) { return out / fs::relative(files[i], dir / "in"); };
    // 0: cut short; 1: another photo's result; 2: the input itself (no history); 3: other parameters.
    auto bytes = test::read_bytes(out_of(0));
    bytes.resize(bytes.size() / 2);
    fs::remove(out_of(0));
    test::write_bytes(out_of(0), bytes);
    fs::remove(out_of(1));
    fs::copy_file(out_of(4), out_of(1));
    fs::remove(out_of(2));
    cv::imwrite(out_of(2).string(), cv::imread(files[2].string()));
    fs::remove(out_of(3));
    ASSERT_EQ(cli("run denoise " + quote(files[3]) + " -o " + quote(out_of(3)) + " --set strength=0.9").code, 0);
    const timespec kept = mtime_of(out_of(4));

    const auto r = cli(run + " --resume --manifest " + quote(dir / "m.jsonl"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "cannot be read")) << r.output;
    EXPECT_TRUE(contains(r.output, "made from another photo")) << r.output;
    EXPECT_TRUE(contains(r.output, "holds no Restora history")) << r.output;
    EXPECT_TRUE(contains(r.output, "(parameters)")) << r.output;
    std::map<std::string, std::string> status;
    for (const auto& rec : manifest(dir / "m.jsonl")) status[rec.input] = rec.status;
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(status[files[i].string()], "ok") << files[i];
    EXPECT_EQ(status[files[4].string()], "skipped");
    EXPECT_EQ(status[files[5].string()], "skipped");
    EXPECT_EQ(mtime_of(out_of(4)).tv_nsec, kept.tv_nsec);
    // Now each is this run's: a second resume skips all, and a changed parameter redoes all.
    const auto again = cli(run + " --resume");
    EXPECT_TRUE(contains(again.output, "6 of 6 done (6 already complete)")) << again.output;
    const auto other = cli(run + " --resume --set strength=0.2");
    EXPECT_TRUE(contains(other.output, "6 of 6 done, 0 failed")) << other.output;
    // Without --resume, existing outputs are still refused (exit 2) and never replaced.
    EXPECT_EQ(cli(run).code, 2);
    // One file: --resume skips a complete output and makes one that is not.
    const std::string one = "run denoise " + quote(files[0]) + " -o " + quote(dir / "one.png") + " --resume";
    ASSERT_EQ(cli(one).code, 0);
    const timespec first = mtime_of(dir / "one.png");
    const auto skip = cli(one + " --manifest " + quote(dir / "one.jsonl"));
    EXPECT_EQ(skip.code, 0) << skip.output;
    EXPECT_EQ(mtime_of(dir / "one.png").tv_nsec, first.tv_nsec);
    EXPECT_EQ(manifest(dir / "one.jsonl").at(0).status, "skipped");
}

TEST(BatchCli, FailuresAreRecordedAndSummarised) {
    TempDir dir;
    make_photos(dir / "in", 3);
    test::write_bytes(dir / "in" / "broken.png", {0x89, 'P', 'N', 'G'});
    const fs::path m = dir / "m.jsonl";
    const auto r = cli("run denoise " + quote(dir / "in") + " -o " + quote(dir / "out") + " --manifest " + quote(m));
    EXPECT_EQ(r.code, 3) << r.output;
    const auto records = manifest(m);
    ASSERT_EQ(records.size(), 4U);
    for (const auto& rec : records) {
        if (contains(rec.input, "broken")) {
            EXPECT_EQ(rec.status, "failed");
            EXPECT_EQ(rec.exit_code, 3);
            EXPECT_TRUE(contains(rec.error, "broken.png")) << rec.error;
        }
    }
    const auto summary = cli("manifest summary " + quote(m));
    EXPECT_EQ(summary.code, 3) << summary.output;
    EXPECT_TRUE(contains(summary.output, "failed: " + (dir / "in" / "broken.png").string() + ": exit 3 (input)"))
        << summary.output;
    const auto json = cli("manifest summary --json " + quote(m));
    EXPECT_TRUE(contains(json.output, "\"failed\": 1")) << json.output;
    // merge writes like every output: never over an existing file without --overwrite, never over a manifest
    EXPECT_EQ(cli("manifest merge " + quote(m) + " -o " + quote(m)).code, 2);
    EXPECT_EQ(cli("manifest merge " + quote(m) + " -o " + quote(dir / "all.jsonl")).code, 0);
    EXPECT_EQ(cli("manifest merge " + quote(m) + " -o " + quote(dir / "all.jsonl")).code, 2);
    EXPECT_EQ(cli("manifest merge " + quote(m) + " -o " + quote(dir / "all.jsonl") + " --overwrite").code, 0);
    EXPECT_EQ(cli("manifest frobnicate " + quote(m)).code, 2);
}
