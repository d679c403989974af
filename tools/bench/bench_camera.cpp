// restora-bench-camera: denoising on realistic camera noise (docs/QUALITY.md). Held-out photos
// (Kodak24 and CBSD68, read in place, never trained on) go through a simulated camera
// (tools/prep/camera_sim.h: RGGB mosaic, Poisson-Gaussian sensor noise at several ISO levels,
// Malvar-He-Cutler demosaic, white balance and colour matrix, sRGB curve, 8 bits, optionally JPEG), with
// fixed seeds, so the noise is correlated and has chroma blotches. Every method then denoises the
// same inputs in one run; PSNR (RGB) and SSIM against the same camera with a noiseless sensor (the
// reference SIDD-style sets use), and the time per photo.
//   restora-bench-camera [--data DIR] [--limit N] [--crop C] [--iso 800,3200,...] [--jpeg Q]
//                        [--maxim-limit M] [--candidate FILE.rsw] [--sheet OUT.png] [--write DIR]
//                        [--precision auto|fp32|bf16] [--check] [--gaussian 15,25,50]
// --candidate: a tunable denoiser's weights to compare with the shipped one, through the same
// operation (a temporary model folder ahead of the search path). --write DIR saves the set's
// inputs and clean crops (PNG) for a look or for restora-cli. --check: the noiseless round trip
// (demosaic and rounding alone) against the clean photo, for every OpenCV Bayer code (the right
// one scores far above the others). --gaussian: plain additive Gaussian noise at these sigmas (8-bit
// units, seeded, rounded and clipped) instead of the camera, the columns then being the sigmas: the
// check that a denoiser tuned for cameras keeps its Gaussian results.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../prep/camera_sim.h"
#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/core/model_cache.h"
#include "restora/core/model_import.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/core/sha256.h"
#include "restora/models/engine.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

struct Method {
    std::string label;
    std::map<std::string, std::string> params;
    bool candidate = false;  // runs with the --candidate weights
    bool maxim = false;      // limited to --maxim-limit photos
};

struct Score {
    double psnr = 0, ssim = 0, seconds = 0;
    int n = 0;
    void add(double p, double s, double t) {
        psnr += p;
        ssim += s;
        seconds += t;
        ++n;
    }
};

std::vector<fs::path> photos_in(const fs::path& dir, size_t limit) {
    std::vector<fs::path> v;
    if (!fs::is_directory(dir)) return v;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && format_from_extension(e.path()) != ImageFormat::Unknown) v.push_back(e.path());
    std::sort(v.begin(), v.end());
    if (limit > 0 && v.size() > limit) v.resize(limit);
    return v;
}

cv::Mat centre_crop(const cv::Mat& m, int c) {
    const int w = std::min(c, m.cols) & ~1, h = std::min(c, m.rows) & ~1;
    return m(cv::Rect((m.cols - w) / 2, (m.rows - h) / 2, w, h)).clone();
}

std::vector<int> parse_ints(const std::string& list) {
    std::vector<int> v;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');) v.push_back(std::stoi(item));
    return v;
}

// A model folder whose manifest names FILE as the tunable denoiser, put first on the search path
// while `active` (RESTORA_MODEL_DIR), so the operation itself loads the candidate.
class CandidateDir {
  public:
    explicit CandidateDir(const fs::path& file) {
        char tmpl[] = "/tmp/restora-bench-camera-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("cannot create a temporary folder");
        dir_ = tmpl;
        fs::copy_file(file, dir_ / "candidate.rsw");
        std::ofstream m(dir_ / "manifest.json");
        m << "{\"models\": [{\"id\": \"" << kTunableDenoiseId
          << "\", \"task\": \"denoise\", \"source\": \"candidate\", \"licence\": \"-\", \"parameters\": 0, "
             "\"input_range\": \"[0,1]\", \"scale\": 1, \"multiple\": 2, \"file\": \"candidate.rsw\", \"sha256\": \""
          << sha256_file(dir_ / "candidate.rsw") << "\"}]}\n";
    }
    ~CandidateDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    CandidateDir(const CandidateDir&) = delete;
    CandidateDir& operator=(const CandidateDir&) = delete;
    void activate(bool on) const {
        if (on)
            setenv("RESTORA_MODEL_DIR", dir_.c_str(), 1);
        else
            unsetenv("RESTORA_MODEL_DIR");
    }

  private:
    fs::path dir_;
};

cv::Mat add_gaussian(const cv::Mat& clean, double sigma, uint64_t seed) {
    cv::Mat noise(clean.size(), CV_32FC3), f, out;
    cv::RNG rng(seed);
    rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
    clean.convertTo(f, CV_32F);
    cv::Mat(f + noise).convertTo(out, CV_8U);  // rounds and saturates
    return out;
}

cv::Mat label(const cv::Mat& img, const std::string& text) {
    cv::Mat out;
    cv::copyMakeBorder(img, out, 22, 0, 0, 0, cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
    cv::putText(out, text, {4, 16}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench", sheet, write_dir, candidate;
    size_t limit = 6, maxim_limit = 1000;
    int crop = 256, jpeg = 0;
    std::vector<int> isos = {800, 3200, 6400};
    std::string precision_name = "auto";
    bool check = false;
    std::vector<int> sigmas;  // --gaussian
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--data") {
            data = next();
        } else if (a == "--limit") {
            limit = std::stoul(next());
        } else if (a == "--maxim-limit") {
            maxim_limit = std::stoul(next());
        } else if (a == "--crop") {
            crop = std::stoi(next());
        } else if (a == "--iso") {
            isos = parse_ints(next());
        } else if (a == "--jpeg") {
            jpeg = std::stoi(next());
        } else if (a == "--candidate") {
            candidate = next();
        } else if (a == "--sheet") {
            sheet = next();
        } else if (a == "--write") {
            write_dir = next();
        } else if (a == "--precision") {
            precision_name = next();
        } else if (a == "--check") {
            check = true;
        } else if (a == "--gaussian") {
            sigmas = parse_ints(next());
        } else {
            std::fprintf(stderr,
                         "usage: restora-bench-camera [--data DIR] [--limit N] [--crop C] [--iso A,B,..] [--jpeg Q] "
                         "[--maxim-limit M] [--candidate FILE.rsw] [--sheet OUT.png] [--write DIR] "
                         "[--precision auto|fp32|bf16] [--check] [--gaussian S1,S2,..]\n");
            return 2;
        }
    }
    try {
        std::vector<fs::path> files;
        std::vector<size_t> index_in_set;
        for (const char* set : {"Kodak24", "CBSD68"}) {
            const auto v = photos_in(data / "denoise" / set, limit);
            files.insert(files.end(), v.begin(), v.end());
            for (size_t k = 0; k < v.size(); ++k) index_in_set.push_back(k);
        }
        if (files.empty()) {
            std::printf("no photos under %s/denoise/{Kodak24,CBSD68}: skipped\n", data.c_str());
            return 0;
        }
        const auto& cams = camera_sim::cameras();
        if (check) {
            const std::pair<const char*, int> codes[] = {{"BayerBG", cv::COLOR_BayerBG2BGR_EA},
                                                         {"BayerGB", cv::COLOR_BayerGB2BGR_EA},
                                                         {"BayerRG", cv::COLOR_BayerRG2BGR_EA},
                                                         {"BayerGR", cv::COLOR_BayerGR2BGR_EA}};
            double own = 0;
            for (size_t i = 0; i < files.size(); ++i) {
                const cv::Mat clean = centre_crop(load_image(files[i]).pixels, crop);
                own += psnr(camera_sim::simulate(clean, cams[i % cams.size()], {}, false), clean);
            }
            std::printf("noiseless round trip with the generator's demosaic (Malvar-He-Cutler): %.2f dB\n",
                        own / static_cast<double>(files.size()));
            for (const auto& [name, code] : codes) {
                double p = 0;
                for (size_t i = 0; i < files.size(); ++i) {
                    const cv::Mat clean = centre_crop(load_image(files[i]).pixels, crop);
                    p += psnr(camera_sim::simulate(clean, cams[i % cams.size()], {}, false, code), clean);
                }
                std::printf("noiseless round trip with OpenCV's %s (edge-aware): %.2f dB over %zu photos\n", name,
                            p / static_cast<double>(files.size()), files.size());
            }
            return 0;
        }
        const Precision precision = resolve_precision(precision_name, DeviceKind::Cpu);
        std::unique_ptr<CandidateDir> cand;
        if (!candidate.empty()) cand = std::make_unique<CandidateDir>(candidate);
        std::vector<Method> methods = {
            {"non-local means, default (0.5)", {{"model", "nlmeans"}}},
            {"non-local means, strength 1", {{"model", "nlmeans"}, {"strength", "1"}}},
            {"tunable, defaults", {{"model", "tunable"}}},
            {"tunable, strength 0.75", {{"model", "tunable"}, {"strength", "0.75"}}},
            {"tunable, strength 1", {{"model", "tunable"}, {"strength", "1"}}},
        };
        if (cand) {
            methods.push_back({"candidate, defaults", {{"model", "tunable"}}, true});
            methods.push_back({"candidate, strength 0.75", {{"model", "tunable"}, {"strength", "0.75"}}, true});
            methods.push_back({"candidate, strength 1", {{"model", "tunable"}, {"strength", "1"}}, true});
        }
        methods.push_back({"MAXIM-3S", {{"model", "maxim"}}, false, true});
        const Operation& op = Registry::instance().get("denoise");
        ModelCache cache, cand_cache;
        // The columns: ISO levels of the camera, or Gaussian sigmas.
        const bool gaussian = !sigmas.empty();
        const std::vector<int>& levels = gaussian ? sigmas : isos;
        const std::string level_name = gaussian ? "sigma " : "ISO ";
        std::map<int, Score> input, input_on_maxim;
        // scores: over all photos; on_maxim: over the photos that MAXIM runs on (--maxim-limit).
        std::map<std::pair<int, size_t>, Score> scores, on_maxim;
        std::vector<cv::Mat> sheet_tiles;
        for (int iso : levels) {
            for (size_t i = 0; i < files.size(); ++i) {
                const cv::Mat original = centre_crop(load_image(files[i]).pixels, crop);
                camera_sim::Shot shot;
                shot.iso = iso;
                shot.jpeg_quality = jpeg;
                shot.seed = 1000 * static_cast<uint64_t>(iso) + i;
                cv::Mat noisy = gaussian ? add_gaussian(original, iso, shot.seed)
                                         : camera_sim::simulate(original, cams[i % cams.size()], shot);
                // The reference for the camera: the same camera with a noiseless sensor (as SIDD's
                // ground truth is the same pipeline on the mean of many frames), so the scores
                // measure the noise removed, not the demosaic's loss that no denoiser can undo.
                const cv::Mat clean =
                    gaussian ? original : camera_sim::simulate(original, cams[i % cams.size()], {}, false);
                if (gaussian && jpeg > 0) {
                    std::vector<uchar> buf;
                    cv::imencode(".jpg", noisy, buf, {cv::IMWRITE_JPEG_QUALITY, jpeg});
                    noisy = cv::imdecode(buf, cv::IMREAD_COLOR);
                }
                input[iso].add(psnr(noisy, clean), ssim(noisy, clean), 0);
                if (index_in_set[i] < maxim_limit) input_on_maxim[iso].add(psnr(noisy, clean), ssim(noisy, clean), 0);
                if (!write_dir.empty()) {
                    fs::create_directories(write_dir);
                    const std::string stem = files[i].stem().string();
                    cv::imwrite((write_dir / (stem + "-clean.png")).string(), clean);
                    cv::imwrite(
                        (write_dir / (stem + (gaussian ? "-sigma" : "-iso") + std::to_string(iso) + ".png")).string(),
                        noisy);
                }
                SourceInfo source;
                source.jpeg_quality = jpeg;
                const bool sheet_photo = !sheet.empty() && i == 0 && iso == levels.back();
                if (sheet_photo) {
                    sheet_tiles.push_back(label(clean, gaussian ? "clean" : "noiseless camera"));
                    sheet_tiles.push_back(label(noisy, level_name + std::to_string(iso)));
                }
                for (size_t m = 0; m < methods.size(); ++m) {
                    // MAXIM is slow on a CPU: only the first --maxim-limit photos of each set.
                    if (methods[m].maxim && index_in_set[i] >= maxim_limit) continue;
                    if (cand) cand->activate(methods[m].candidate);
                    OpContext ctx;
                    ctx.device = DeviceKind::Cpu;
                    ctx.precision = precision;
                    ctx.models = methods[m].candidate ? &cand_cache : &cache;
                    const Params p = op.resolve(methods[m].params, &source);
                    const auto t0 = std::chrono::steady_clock::now();
                    const cv::Mat out = op.run(noisy, {}, p, ctx).pixels;
                    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    const double ps = psnr(out, clean), ss = ssim(out, clean);
                    scores[{iso, m}].add(ps, ss, t);
                    if (index_in_set[i] < maxim_limit) on_maxim[{iso, m}].add(ps, ss, t);
                    if (sheet_photo) sheet_tiles.push_back(label(out, methods[m].label));
                }
                if (cand) cand->activate(false);
            }
        }
        std::printf(
            "\n%zu photos (the first %zu of Kodak24 and of CBSD68), centre crops of %d px, %s, %s, precision %s\n",
            files.size(), limit, crop, gaussian ? "Gaussian noise" : "cameras A-C in turn",
            jpeg > 0 ? ("JPEG quality " + std::to_string(jpeg)).c_str() : "no JPEG", precision_name.c_str());
        // One table: PSNR / SSIM per level, time per photo as a ratio to the tunable network's.
        auto table = [&](const std::map<std::pair<int, size_t>, Score>& sc, const std::map<int, Score>& in) {
            std::printf("\n| method |");
            for (int iso : levels) std::printf(" %s%d |", level_name.c_str(), iso);
            std::printf(" time per photo (vs tunable) |\n|---|");
            for (size_t k = 0; k <= levels.size(); ++k) std::printf("---|");
            std::printf("\n| input |");
            for (int iso : levels)
                std::printf(" %.2f / %.3f |", in.at(iso).psnr / in.at(iso).n, in.at(iso).ssim / in.at(iso).n);
            std::printf(" - |\n");
            auto get = [&](int iso, size_t m) {
                const auto it = sc.find({iso, m});
                return it == sc.end() ? Score{} : it->second;
            };
            double tunable_t = 0;
            for (int iso : levels) tunable_t += get(iso, 2).seconds / std::max(1, get(iso, 2).n);
            tunable_t /= static_cast<double>(levels.size());
            for (size_t m = 0; m < methods.size(); ++m) {
                double t = 0;
                int n = 0;
                std::string row = "| " + methods[m].label + " |";
                for (int iso : levels) {
                    const Score s = get(iso, m);
                    char buf[64];
                    if (s.n == 0) {
                        row += " - |";
                        continue;
                    }
                    std::snprintf(buf, sizeof buf, " %.2f / %.3f |", s.psnr / s.n, s.ssim / s.n);
                    row += buf;
                    t += s.seconds / s.n;
                    ++n;
                }
                if (n == 0) continue;
                t /= n;
                std::printf("%s %.3f s (%.1fx) |\n", row.c_str(), t, t / tunable_t);
            }
        };
        table(scores, input);
        const Score& mx = scores[{levels.back(), methods.size() - 1}];
        std::printf("\nPSNR (RGB, dB) / SSIM against %s; time per photo averaged over the columns.\n",
                    gaussian ? "the original" : "the camera's noiseless output (the same pipeline, no sensor noise)");
        if (mx.n > 0 && mx.n < static_cast<int>(files.size())) {
            // The same table over MAXIM's photos only (the first --maxim-limit of each set).
            std::printf("\nOn the %d photos per level that MAXIM ran on (the first %zu of each set):\n", mx.n,
                        maxim_limit);
            table(on_maxim, input_on_maxim);
        }
        if (!sheet.empty() && !sheet_tiles.empty()) {
            const int cols = 4;
            std::vector<cv::Mat> rows;
            for (size_t k = 0; k < sheet_tiles.size(); k += cols) {
                std::vector<cv::Mat> row;
                for (size_t c = 0; c < cols; ++c)
                    row.push_back(k + c < sheet_tiles.size()
                                      ? sheet_tiles[k + c]
                                      : cv::Mat(sheet_tiles[0].size(), CV_8UC3, cv::Scalar(255, 255, 255)));
                cv::Mat r;
                cv::hconcat(row, r);
                rows.push_back(r);
            }
            cv::Mat all;
            cv::vconcat(rows, all);
            cv::imwrite(sheet.string(), all);
            std::printf("contact sheet: %s\n", sheet.c_str());
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-bench-camera: %s\n", e.what());
        return 1;
    }
}
