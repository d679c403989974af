// Nothing lost, nothing let in (docs/RELIABILITY.md): restora-cli under real failing conditions
// (a write limit, symlinks, hard links, FIFOs, devices, racing processes). Each case asserts the
// exit code, the message, that nothing was written and that every input is byte-identical.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "reliability_util.h"
#include "restora/core/safe_file.h"
#include "restora/models/errors.h"
#include "test_util.h"

using test::quote;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::Reliability;
using test::reliability_cli;
const std::string& kCli = test::kReliabilityCli;
const std::string kUpscale = test::kUpscaleArgs;

test::Result cli(const std::string& args) { return reliability_cli(args); }

// ---- 1. every write checked and flushed ----

// RLIMIT_FSIZE (ulimit -f, SIGXFSZ ignored) makes write() fail with EFBIG: a real failed write
// without root. The mask (small) fits, the output does not: both must be gone afterwards.
TEST_F(Reliability, FailedWriteLeavesNothingAndExits1) {
    const fs::path out = dir / "out.png";
    const auto r = test::sh("trap '' XFSZ; ulimit -f 4; timeout 60 " + quote(kCli) + " run inpaint " + quote(photo) +
                            " --mask " + quote(mask) + " -o " + quote(out));
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "cannot write " + out.string())) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out.png.restora")) << "the mask folder of a failed export stays";
    expect_unchanged();
}

TEST_F(Reliability, FailedWriteOfCompareLeavesNothing) {
    const fs::path out = dir / "cmp.png";
    const auto r = test::sh("trap '' XFSZ; ulimit -f 4; timeout 60 " + quote(kCli) + " compare " + quote(photo) + " " +
                            quote(other) + " -o " + quote(out));
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, out.string())) << r.output;
    expect_unchanged();
}

// A small tmpfs: a real full disk. Needs root and mount (CI runs as root in a container that may
// still refuse it).
TEST_F(Reliability, FullDiskLeavesNothing) {
    const fs::path mnt = dir / "full";
    fs::create_directory(mnt);
    if (test::sh("mount -t tmpfs -o size=12k tmpfs " + quote(mnt)).code != 0) {
        fs::remove(mnt);
        GTEST_SKIP() << "mounting a small tmpfs is not permitted here (needs root); the write-limit tests cover it";
    }
    const auto r = cli("run upscale " + quote(photo) + " -o " + quote(mnt / "out.png") + kUpscale);
    const auto listing = test::sh("ls -A " + quote(mnt));
    test::sh("umount " + quote(mnt));
    fs::remove(mnt);
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "cannot write " + (mnt / "out.png").string())) << r.output;
    EXPECT_EQ(listing.output, "") << "left behind: " << listing.output;
    expect_unchanged();
}

// ---- 2. temp files ----

TEST_F(Reliability, LongOutputNameWorks) {
    const fs::path out = dir / (std::string(240, 'n') + ".png");  // 244 bytes, the limit is 255
    const auto r = cli("run upscale " + quote(photo) + " -o " + quote(out) + kUpscale);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::is_regular_file(out));
    EXPECT_EQ(test::read_bytes(photo), before[photo]);
}

// Replacing an output that is a symlink replaces the link, never writes through it.
TEST_F(Reliability, OverwriteNeverWritesThroughASymlink) {
    TempDir elsewhere;
    const fs::path victim = elsewhere / "victim.png";
    cv::imwrite(victim.string(), test::synthetic_photo(16, 16));
    const auto victim_bytes = test::read_bytes(victim);
    fs::create_symlink(victim, dir / "out.png");
    const auto r = cli("run upscale " + quote(photo) + " -o " + quote(dir / "out.png") + " --overwrite" + kUpscale);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_FALSE(fs::is_symlink(dir / "out.png"));
    EXPECT_EQ(test::read_bytes(victim), victim_bytes);
}

// Temp names carry a random part and are created with O_EXCL|O_NOFOLLOW: links planted at the
// names the old scheme used (and any guess) are never followed.
TEST_F(Reliability, TempFilesIgnoreLinksAndExistingNames) {
    TempDir elsewhere;
    const fs::path victim = elsewhere / "victim";
    test::write_bytes(victim, {1, 2, 3});
    for (int i = 0; i < 64; ++i)
        fs::create_symlink(victim, dir / (".restora-" + std::to_string(::getpid()) + "-" + std::to_string(i) + ".tmp"));
    const fs::path out = dir / "bytes.bin";
    EXPECT_TRUE(restora::write_file_safely(out, {9, 9}, restora::IfExists::Refuse));
    EXPECT_EQ(test::read_bytes(out), (std::vector<uint8_t>{9, 9}));
    EXPECT_EQ(test::read_bytes(victim), (std::vector<uint8_t>{1, 2, 3}));
    try {
        restora::write_file_safely(out, {7}, restora::IfExists::Refuse);
        ADD_FAILURE() << "an existing output was replaced without overwrite";
    } catch (const restora::Error& e) {
        EXPECT_EQ(e.exit_code(), 2);
    }
    EXPECT_EQ(test::read_bytes(out), (std::vector<uint8_t>{9, 9}));
}

// ---- 3. no command writes over one of its inputs ----

TEST_F(Reliability, CompareNeverOverwritesItsInput) {
    const auto r = cli("compare " + quote(photo) + " " + quote(other) + " -o " + quote(photo) + " --overwrite");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, "never writes over one of its inputs")) << r.output;
    expect_unchanged();
}

TEST_F(Reliability, AnotherSpellingHardLinkOrSymlinkIsStillTheInput) {
    fs::create_hard_link(photo, dir / "hard.png");
    fs::create_symlink(photo, dir / "sym.png");
    snapshot();
    const std::string spelled = (dir / "." / "photo.png").string();
    for (const std::string& out : {spelled, (dir / "hard.png").string(), (dir / "sym.png").string()}) {
        const auto r = cli("run upscale " + quote(photo) + " -o " + quote(out) + " --overwrite" + kUpscale);
        EXPECT_EQ(r.code, 2) << out << ": " << r.output;
        EXPECT_TRUE(contains(r.output, "never writes over")) << r.output;
        const auto c = cli("compare " + quote(other) + " " + quote(photo) + " -o " + quote(out) + " --overwrite");
        EXPECT_EQ(c.code, 2) << out << ": " << c.output;
    }
    // The mask is an input too.
    const auto m =
        cli("run inpaint " + quote(photo) + " --mask " + quote(mask) + " -o " + quote(mask) + " --overwrite");
    EXPECT_EQ(m.code, 2) << m.output;
    expect_unchanged();
}

TEST_F(Reliability, ReplayNeverOverwritesTheEditedFile) {
    const fs::path edited = dir / "edited.png";
    ASSERT_EQ(cli("run upscale " + quote(photo) + " -o " + quote(edited) + kUpscale).code, 0);
    snapshot();
    const auto r = cli("replay " + quote(edited) + " " + quote(photo) + " -o " + quote(edited) + " --overwrite");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, "never writes over")) << r.output;
    const auto i = cli("replay " + quote(edited) + " " + quote(photo) + " -o " + quote(photo) + " --overwrite");
    EXPECT_EQ(i.code, 2) << i.output;
    expect_unchanged();
}

// ---- 4. races: exactly one of several runs creates a new output ----

int spawn(const std::vector<std::string>& args, const fs::path& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(kCli.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(kCli.c_str(), argv.data());
        ::_exit(127);
    }
    return pid;
}

TEST_F(Reliability, RacingRunsExactlyOneWins) {
    TempDir logs;
    constexpr int kRounds = 4;
    constexpr int kRunners = 4;
    for (int round = 0; round < kRounds; ++round) {
        const fs::path out = dir / ("race" + std::to_string(round) + ".png");
        std::vector<pid_t> pids;
        for (int k = 0; k < kRunners; ++k) {
            pids.push_back(spawn({"run", "upscale", photo.string(), "-o", out.string(), "--set", "scale=2", "--set",
                                  "model=bicubic", "--device", "cpu"},
                                 logs / (std::to_string(round) + "-" + std::to_string(k))));
        }
        int won = 0;
        for (int k = 0; k < kRunners; ++k) {
            int status = 0;
            ::waitpid(pids[k], &status, 0);
            ASSERT_TRUE(WIFEXITED(status));
            const int code = WEXITSTATUS(status);
            const auto log = test::read_bytes(logs / (std::to_string(round) + "-" + std::to_string(k)));
            const std::string text(log.begin(), log.end());
            if (code == 0) {
                ++won;
            } else {
                EXPECT_EQ(code, 2) << text;
                EXPECT_TRUE(contains(text, "exists; pass --overwrite")) << text;
            }
        }
        EXPECT_EQ(won, 1) << "round " << round;
        EXPECT_TRUE(fs::is_regular_file(out));
    }
    for (const auto& e : fs::directory_iterator(dir.path())) {
        EXPECT_FALSE(contains(e.path().filename().string(), ".restora-")) << "temp file left: " << e.path();
    }
    EXPECT_EQ(test::read_bytes(photo), before[photo]);
}

// ---- 5. batch collisions ----

TEST_F(Reliability, BatchCollisionsAreRefusedBeforeAnyWork) {
    fs::create_directories(dir / "a");
    fs::create_directories(dir / "b");
    fs::copy_file(photo, dir / "a" / "x.png");
    fs::copy_file(other, dir / "b" / "x.png");
    fs::create_directories(dir / "c");
    fs::copy_file(photo, dir / "c" / "y.png");
    cv::imwrite((dir / "c" / "y.bmp").string(), test::synthetic_photo(32, 24));
    snapshot();
    const auto r = cli("run upscale " + quote(dir / "a" / "x.png") + " " + quote(dir / "b" / "x.png") + " -o " +
                       quote(dir / "out") + kUpscale);
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, "a/x.png") && contains(r.output, "b/x.png")) << r.output;
    const auto f = cli("run upscale " + quote(dir / "c") + " -o " + quote(dir / "out") + kUpscale);
    EXPECT_EQ(f.code, 2) << f.output;
    EXPECT_TRUE(contains(f.output, "y.bmp") && contains(f.output, "y.png")) << f.output;
    expect_unchanged();  // the output folder was not even created
}

// ---- 6. regular files only ----

TEST_F(Reliability, SpecialFilesAreRefusedWithinSeconds) {
    const fs::path fifo = dir / "fifo.png";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    fs::create_directories(dir / "folder.png");
    snapshot();
    const fs::path out = dir / "out.png";
    struct Case {
        std::string args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"info " + quote(fifo), "FIFO"},
        {"info /dev/zero", "character device"},
        {"info " + quote(dir / "folder.png"), "folder"},
        {"run upscale " + quote(fifo) + " -o " + quote(out) + kUpscale, "FIFO"},
        {"run upscale /dev/zero -o " + quote(out) + kUpscale, "character device"},
        {"run inpaint " + quote(photo) + " --mask " + quote(fifo) + " -o " + quote(out), "FIFO"},
        {"run inpaint " + quote(photo) + " --mask /dev/zero -o " + quote(out), "character device"},
        {"run inpaint " + quote(photo) + " --mask " + quote(dir / "folder.png") + " -o " + quote(out), "folder"},
        {"compare " + quote(fifo) + " " + quote(photo) + " -o " + quote(out), "FIFO"},
    };
    for (const auto& c : cases) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = cli(c.args);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(r.code, 3) << c.args << ": " << r.output;
        EXPECT_TRUE(contains(r.output, c.says) && contains(r.output, "regular files")) << c.args << ": " << r.output;
        EXPECT_LT(s, 10.0) << c.args;
    }
    expect_unchanged();
}

// A file far longer than its header accounts for (here sparse) is refused without reading it all.
TEST_F(Reliability, OversizedFileIsRefusedBeforeReading) {
    const fs::path big = dir / "big.png";
    fs::copy_file(photo, big);
    snapshot();
    fs::resize_file(big, uint64_t(3) << 30);  // 3 GiB, sparse (after the snapshot, which reads every file)
    const auto r = test::sh("timeout 60 " + quote(kCli) + " info " + quote(big));
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_TRUE(contains(r.output, "more than its image header can account for")) << r.output;
    EXPECT_EQ(fs::file_size(big), uint64_t(3) << 30);
    fs::resize_file(big, before[big].size());
    expect_unchanged();
}

}  // namespace
