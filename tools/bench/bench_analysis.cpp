// The analysis and Auto on the independent set of tools/analysisset (docs/QUALITY.md, "Analysis
// and Auto"): per kind precision and recall at confidence >= 0.5, wrong extra findings per
// degraded photo, clean photos with any finding, Auto's PSNR gain over the input, and the time of
// one analysis of a large photo.
//
//   restora-bench-analysis SET_DIR [--auto N] [--auto-every K] [--no-text] [--save DIR]
//   restora-bench-analysis --time PHOTO [--runs N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "restora/core/analysis.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/models/engine.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int time_analysis(const fs::path& photo, int runs) {
    ModelCache models;
    AnalysisOptions o;
    const LoadedImage img = load_image(photo);
    std::printf("%s: %dx%d (%.1f MP)\n", photo.string().c_str(), img.pixels.cols, img.pixels.rows,
                img.pixels.total() / 1e6);
    std::vector<double> times;
    for (int i = 0; i <= runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const Analysis a = analyze_image(img.pixels, img.jpeg_quality, o, &models);
        const double s = seconds_since(t0);
        std::printf("run %d%s: %.2f s (%zu steps)\n", i, i == 0 ? " (warm-up: loads the text detector)" : "", s,
                    a.steps.size());
        if (i > 0) times.push_back(s);
    }
    std::sort(times.begin(), times.end());
    std::printf("median of %d: %.2f s\n", runs, times[times.size() / 2]);
    // Load + analyse, as `restora-cli analyze` does it (decoding included).
    const auto t0 = std::chrono::steady_clock::now();
    analyze_file(photo, o, &models);
    std::printf("with decoding (analyze_file): %.2f s\n", seconds_since(t0));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path set_dir;
    fs::path time_photo;
    int auto_count = 0;
    int auto_every = 1;
    int runs = 3;
    fs::path save_dir;  // Auto's outputs, for a contact sheet
    AnalysisOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--auto" && i + 1 < argc) {
            auto_count = std::stoi(argv[++i]);
        } else if (a == "--auto-every" && i + 1 < argc) {
            auto_every = std::max(1, std::stoi(argv[++i]));
        } else if (a == "--no-text") {
            options.text = false;
        } else if (a == "--time" && i + 1 < argc) {
            time_photo = argv[++i];
        } else if (a == "--save" && i + 1 < argc) {
            save_dir = argv[++i];
        } else if (a == "--runs" && i + 1 < argc) {
            runs = std::stoi(argv[++i]);
        } else {
            set_dir = a;
        }
    }
    configure_threads();
    if (!time_photo.empty()) return time_analysis(time_photo, runs);
    if (set_dir.empty()) {
        std::fprintf(stderr, "usage: restora-bench-analysis SET_DIR [--auto N] | --time PHOTO\n");
        return 2;
    }
    const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(set_dir / "manifest.json"));
    ModelCache models;
    std::map<std::string, int> tp, fp, fn;
    int degraded = 0, clean = 0, clean_with_finding = 0, extra = 0;
    int auto_runs = 0, clean_auto = 0, clean_unchanged = 0;
    double gain_sum = 0;
    int degraded_seen = 0;
    std::map<std::string, std::pair<double, int>> gain_by_kind;
    for (const auto& entry : manifest) {
        const fs::path file = set_dir / entry["file"].get<std::string>();
        std::set<std::string> truth;
        for (const auto& [k, v] : entry["kinds"].items()) truth.insert(k);
        const LoadedImage img = load_image(file);
        const Analysis a = analyze_image(img.pixels, img.jpeg_quality, options, &models);
        std::set<std::string> found;
        std::string line;
        for (const Finding& f : a.findings) {
            if (f.confidence >= kFindingThreshold) found.insert(f.kind);
        }
        for (const std::string& k : analysis_kinds()) {
            if (k == "damage") continue;
            const bool t = truth.count(k) > 0;
            const bool f = found.count(k) > 0;
            if (t && f) ++tp[k];
            if (!t && f) ++fp[k];
            if (t && !f) ++fn[k];
            if (!t && f && !truth.empty()) ++extra;
        }
        std::string truth_text, found_text;
        for (const auto& k : truth) truth_text += (truth_text.empty() ? "" : ",") + k;
        for (const auto& k : found) found_text += (found_text.empty() ? "" : ",") + k;
        std::printf("%-18s truth [%s] found [%s] (%.2f s)", entry["file"].get<std::string>().c_str(),
                    truth_text.c_str(), found_text.c_str(), a.seconds);
        if (truth.empty()) {
            ++clean;
            if (!found.empty()) ++clean_with_finding;
        } else {
            ++degraded;
        }
        // Auto: on clean photos always (a photo without steps is unchanged by construction); on
        // degraded ones for the first N (every K-th), as it runs networks.
        const bool run_auto =
            truth.empty() ? !a.steps.empty() : (degraded_seen++ % auto_every == 0 && auto_runs < auto_count);
        if (truth.empty()) {
            ++clean_auto;
            if (a.steps.empty()) ++clean_unchanged;
        }
        if (run_auto) {
            const auto t0 = std::chrono::steady_clock::now();
            const AutoRun r =
                apply_steps(img.pixels, a.steps, img.jpeg_quality, DeviceKind::Cpu, JobControl{}, &models);
            const cv::Mat ref =
                cv::imread((set_dir / entry["reference"].get<std::string>()).string(), cv::IMREAD_COLOR);
            if (!save_dir.empty()) {
                fs::create_directories(save_dir);
                cv::imwrite(
                    (save_dir / (fs::path(entry["file"].get<std::string>()).stem().string() + "-auto.png")).string(),
                    r.pixels);
            }
            const double before = psnr(ref, img.pixels);
            const double after = psnr(ref, r.pixels);
            std::printf(" auto %zu steps: %.2f -> %.2f dB (%.0f s)", r.results.size(), before, after,
                        seconds_since(t0));
            if (truth.empty()) {
                if (psnr(img.pixels, r.pixels) >= 40.0) ++clean_unchanged;
            } else if (!std::isfinite(before)) {
                // Only `small` (the reference is the same shrunk photo): nothing Auto may change.
                std::printf(" (input equals its reference: not counted)");
            } else {
                ++auto_runs;
                gain_sum += after - before;
                for (const auto& k : truth) {
                    gain_by_kind[k].first += after - before;
                    ++gain_by_kind[k].second;
                }
            }
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    std::printf("\nper kind at confidence >= %.1f:\n", kFindingThreshold);
    std::printf("%-11s %5s %5s %5s %9s %7s\n", "kind", "tp", "fp", "fn", "precision", "recall");
    for (const std::string& k : analysis_kinds()) {
        if (k == "damage") continue;
        const int t = tp[k], f = fp[k], n = fn[k];
        std::printf("%-11s %5d %5d %5d %9.2f %7.2f\n", k.c_str(), t, f, n, t + f ? double(t) / (t + f) : 0.0,
                    t + n ? double(t) / (t + n) : 0.0);
    }
    std::printf("wrong extra findings per degraded photo: %.2f (%d over %d)\n",
                degraded ? double(extra) / degraded : 0.0, extra, degraded);
    std::printf("clean photos with any finding: %d of %d\n", clean_with_finding, clean);
    std::printf("clean photos unchanged by Auto (identical or >= 40 dB): %d of %d\n", clean_unchanged, clean_auto);
    if (auto_runs > 0) {
        std::printf("Auto on %d degraded photos: mean PSNR gain %.2f dB\n", auto_runs, gain_sum / auto_runs);
        for (const auto& [k, g] : gain_by_kind) {
            std::printf("  photos with %-10s %2d: mean gain %.2f dB\n", k.c_str(), g.second, g.first / g.second);
        }
    }
    return 0;
}
