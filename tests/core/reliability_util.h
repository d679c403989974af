#pragma once
// The reliability suites' shared fixture (docs/RELIABILITY.md): a folder with a photo, a second
// photo and a mask; a snapshot of every file's bytes; restora-cli under a timeout.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace test {

inline const std::string kReliabilityCli = cli_path();
inline const std::string kUpscaleArgs = " --set scale=2 --set model=bicubic --device cpu";

// Every refusal must come within seconds: `timeout` turns a hang into exit 124.
inline Result reliability_cli(const std::string& args) {
    return sh("timeout 60 " + quote(kReliabilityCli) + " " + args);
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class Reliability : public ::testing::Test {
  protected:
    void SetUp() override {
        photo = dir / "photo.png";
        other = dir / "other.png";
        mask = dir / "mask.png";
        // Noise keeps the PNG larger than the write limit of the write tests (about 9 KB against 4 KB).
        cv::imwrite(photo.string(), add_noise(synthetic_photo(64, 48), 12));
        cv::imwrite(other.string(), synthetic_photo(64, 48, CV_8U, 7));
        cv::Mat m(48, 64, CV_8U, cv::Scalar(0));
        cv::circle(m, {30, 20}, 6, cv::Scalar(255), -1);
        cv::imwrite(mask.string(), m);
        snapshot();
    }
    // The folder's files and their bytes, to compare after a command.
    void snapshot() {
        before.clear();
        for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
            if (e.is_symlink() || !e.is_regular_file()) {
                before[e.path()] = {};
            } else {
                before[e.path()] = read_bytes(e.path());
            }
        }
    }
    // Nothing written, nothing changed: the same names (temp files included) and the same bytes.
    void expect_unchanged() {
        std::set<fs::path> now;
        for (const auto& e : fs::recursive_directory_iterator(dir.path())) now.insert(e.path());
        for (const auto& p : now) EXPECT_TRUE(before.count(p)) << "written: " << p;
        for (const auto& [p, bytes] : before) {
            EXPECT_TRUE(now.count(p)) << "removed: " << p;
            if (!fs::is_symlink(p) && fs::is_regular_file(p)) {
                EXPECT_EQ(read_bytes(p), bytes) << "changed: " << p;
            }
        }
    }
    TempDir dir;
    fs::path photo, other, mask;
    std::map<fs::path, std::vector<uint8_t>> before;
};

}  // namespace test
