#pragma once
// Shared helpers for the core and CLI tests: a temporary folder, synthetic photos, the exiv2
// tool for independent metadata fixtures, and running restora-cli.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace test {

namespace fs = std::filesystem;

// Paths ctest passes in the environment (tests/core/CMakeLists.txt); nothing is compiled in.
// Empty when unset (as while ctest lists the cases).
inline std::string env_path(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}
// The source tree (test data, the sample photo, the committed manifest).
inline std::string source_dir() { return env_path("RESTORA_TEST_SOURCE_DIR"); }
// The restora-cli binary under test.
inline std::string cli_path() { return env_path("RESTORA_TEST_CLI"); }

// CI=true: the setup has imported every published model, so a test that needs one fails there.
inline bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

// Declares `status`, the imported model `id`'s ModelStatus; without the model the test fails under
// CI=true and skips elsewhere (the message names the command that imports it).
#define RESTORA_REQUIRE_MODEL(status, id)                                                        \
    const ::restora::ModelStatus status = ::restora::find_model(id);                             \
    if ((status).state != ::restora::ModelState::Installed) {                                    \
        if (::test::in_ci()) FAIL() << (id) << " is not imported: " << (status).restore_command; \
        GTEST_SKIP() << (id) << " not imported (" << (status).restore_command << ")";            \
    }

class TempDir {
  public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "restora-test-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

  private:
    fs::path path_;
};

// A photo-like test image: smooth gradients, edges, circles and fine texture.
inline cv::Mat synthetic_photo(int w, int h, int depth = CV_8U, unsigned seed = 1) {
    cv::Mat img(h, w, CV_32FC3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const float fx = static_cast<float>(x) / w;
            const float fy = static_cast<float>(y) / h;
            img.at<cv::Vec3f>(y, x) = {0.2F + 0.6F * fx, 0.3F + 0.5F * fy,
                                       0.5F + 0.3F * std::sin(6.0F * fx + 3.0F * fy)};
        }
    }
    std::mt19937 rng(seed);
    for (int k = 0; k < 6; ++k) {
        const cv::Point c(static_cast<int>(rng() % static_cast<unsigned>(w)),
                          static_cast<int>(rng() % static_cast<unsigned>(h)));
        const int r = 3 + static_cast<int>(rng() % static_cast<unsigned>(std::max(4, std::min(w, h) / 5)));
        cv::circle(img, c, r, cv::Scalar((rng() % 100) / 100.0, (rng() % 100) / 100.0, (rng() % 100) / 100.0), -1,
                   cv::LINE_AA);
    }
    cv::rectangle(img, cv::Rect(w / 8, h / 3, w / 4, h / 6), cv::Scalar(0.9, 0.85, 0.1), -1);
    cv::Mat out;
    img.convertTo(out, depth, depth == CV_16U ? 65535.0 : 255.0);
    return out;
}

inline cv::Mat add_noise(const cv::Mat& img, double sigma8, unsigned seed = 2) {
    cv::Mat f;
    const double full = img.depth() == CV_16U ? 65535.0 : 255.0;
    img.convertTo(f, CV_32F);
    cv::Mat noise(img.size(), CV_32FC(img.channels()));
    cv::theRNG().state = seed;
    cv::randn(noise, 0, sigma8 * full / 255.0);
    f += noise;
    cv::Mat out;
    f.convertTo(out, img.depth());
    return out;
}

inline double psnr(const cv::Mat& a, const cv::Mat& b) { return cv::PSNR(a, b, a.depth() == CV_16U ? 65535.0 : 255.0); }

inline void write_bytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<uint8_t> read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A raw little-endian float32 file (the parity references).
inline std::vector<float> read_f32(const fs::path& p) {
    const std::vector<uint8_t> bytes = read_bytes(p);
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), v.size() * 4);
    return v;
}

// PSNR of two float images in [0,1] units (clamped), optionally after rounding both to 8 bits.
inline double psnr_unit(const std::vector<float>& a, const std::vector<float>& b, bool round8) {
    double se = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double x = std::clamp(a[i], 0.0F, 1.0F);
        double y = std::clamp(b[i], 0.0F, 1.0F);
        if (round8) {
            x = std::round(x * 255.0) / 255.0;
            y = std::round(y * 255.0) / 255.0;
        }
        se += (x - y) * (x - y);
    }
    const double mse = se / static_cast<double>(a.size());
    return mse == 0 ? 200.0 : 10.0 * std::log10(1.0 / mse);
}

struct Result {
    int code = -1;
    std::string output;  // stdout and stderr together
};

// Runs a shell command line; returns its exit status and combined output.
inline Result sh(const std::string& cmd) {
    Result r;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (p == nullptr) return r;
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

inline std::string quote(const fs::path& p) {
    std::string s = "'";
    for (char c : p.string()) {
        if (c == '\'') {
            s += "'\\''";
        } else {
            s += c;
        }
    }
    return s + "'";
}

// A minimal ICC profile: a 128-byte header (size, 'acsp' signature) and an empty tag table.
inline std::vector<uint8_t> tiny_icc_profile() {
    std::vector<uint8_t> icc(132, 0);
    icc[3] = 132;  // profile size, big-endian
    icc[8] = 2;    // version 2.1
    icc[9] = 0x10;
    const char* cls = "mntrRGB XYZ ";
    std::copy(cls, cls + 12, icc.begin() + 12);  // device class, colour space, PCS
    const char* sig = "acsp";
    std::copy(sig, sig + 4, icc.begin() + 36);
    return icc;
}

}  // namespace test
