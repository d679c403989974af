// The independent analysis set: held-out photos (Kodak24) with several degradations at once, at
// several levels, each recorded with what was applied. Written apart from the calibration
// (tools/bench/bench_analysis_calibrate.cpp), with other models of each degradation: signal-
// dependent noise with chroma, defocus discs and motion streaks instead of Gaussian blur, haze
// with a depth gradient, exposure in linear light, a print fading towards paper, camera date
// stamps, and JPEG saved both as .jpg files and as PNG (pixels only).
//
//   restora-analysisset OUT_DIR PHOTO... [--variants N] [--seed S]
// writes OUT_DIR/<name>.png|.jpg, OUT_DIR/ref/<name>.png (the clean photo at the degraded one's
// size) and OUT_DIR/manifest.json: [{"file", "reference", "kinds": {kind: level}}].
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace fs = std::filesystem;

namespace {

using Rng = std::mt19937;

double uniform(Rng& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
template <typename T>
T pick(Rng& rng, const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

cv::Mat to_float(const cv::Mat& m) {
    cv::Mat f;
    m.convertTo(f, CV_32F, 1.0 / 255.0);
    return f;
}
cv::Mat to_u8(const cv::Mat& f) {
    cv::Mat m;
    f.convertTo(m, CV_8U, 255.0);
    return m;
}

// Shot noise plus read noise, per channel, plus low-frequency chroma blotches; `sigma` is the
// standard deviation at mid-grey, in 8-bit levels.
cv::Mat noise(const cv::Mat& img, double sigma, Rng& rng) {
    cv::Mat f = to_float(img);
    const double s = sigma / 255.0;
    const double read = s * 0.5;
    const double shot = (s * s - read * read) / 0.5;  // variance = shot * I + read^2
    cv::Mat var = f * shot + read * read;
    cv::Mat sd;
    cv::sqrt(cv::max(var, 0.0), sd);
    cv::Mat n(f.size(), CV_32FC3);
    cv::RNG cvrng(rng());
    cvrng.fill(n, cv::RNG::NORMAL, 0, 1);
    f += n.mul(sd);
    cv::Mat blot(f.rows / 4 + 1, f.cols / 4 + 1, CV_32FC3);
    cvrng.fill(blot, cv::RNG::NORMAL, 0, s * 0.4);
    cv::resize(blot, blot, f.size(), 0, 0, cv::INTER_CUBIC);
    f += blot;
    return to_u8(f);
}

cv::Mat defocus(const cv::Mat& img, double radius) {
    const int r = static_cast<int>(std::ceil(radius));
    cv::Mat k(2 * r + 1, 2 * r + 1, CV_32F, cv::Scalar(0));
    cv::circle(k, {r, r}, static_cast<int>(std::lround(radius)), cv::Scalar(1), -1, cv::LINE_AA);
    k /= cv::sum(k)[0];
    cv::Mat out;
    cv::filter2D(img, out, -1, k, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    return out;
}

cv::Mat motion(const cv::Mat& img, double length, double angle_deg) {
    const int n = static_cast<int>(std::ceil(length)) | 1;
    cv::Mat k(n, n, CV_32F, cv::Scalar(0));
    const double a = angle_deg * M_PI / 180.0;
    const cv::Point2d c(n / 2.0, n / 2.0);
    const cv::Point2d d(std::cos(a) * length / 2, std::sin(a) * length / 2);
    cv::line(k, c - d, c + d, cv::Scalar(1), 1, cv::LINE_AA);
    k /= cv::sum(k)[0];
    cv::Mat out;
    cv::filter2D(img, out, -1, k, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    return out;
}

// The atmospheric scattering model with a depth that grows towards the top of the frame plus a
// smooth random field; airlight a little bluish.
cv::Mat haze(const cv::Mat& img, double beta, Rng& rng) {
    cv::Mat f = to_float(img);
    cv::Mat depth(f.size(), CV_32F);
    for (int y = 0; y < f.rows; ++y) depth.row(y).setTo(1.0 - 0.6 * y / f.rows);
    cv::Mat field(6, 8, CV_32F);
    cv::RNG cvrng(rng());
    cvrng.fill(field, cv::RNG::UNIFORM, -0.15, 0.15);
    cv::resize(field, field, f.size(), 0, 0, cv::INTER_CUBIC);
    depth += field;
    cv::Mat t;
    cv::exp(-beta * depth, t);
    const double a = uniform(rng, 0.82, 0.95);
    const cv::Scalar air(a * 1.03, a, a * 0.97);
    std::vector<cv::Mat> ch;
    cv::split(f, ch);
    for (int c = 0; c < 3; ++c) ch[c] = ch[c].mul(t) + air[c] * (1.0 - t);
    cv::merge(ch, f);
    return to_u8(f);
}

cv::Mat srgb_to_linear(const cv::Mat& f) {
    cv::Mat out;
    cv::pow(f, 2.2, out);
    return out;
}
cv::Mat linear_to_srgb(const cv::Mat& f) {
    cv::Mat out;
    cv::pow(cv::max(f, 0.0), 1.0 / 2.2, out);
    return out;
}

// Under-exposure by `stops` in linear light, then the camera's tone curve.
cv::Mat lowlight(const cv::Mat& img, double stops) {
    cv::Mat lin = srgb_to_linear(to_float(img)) * std::pow(2.0, -stops);
    return to_u8(linear_to_srgb(lin));
}

// An old print: contrast towards a warm paper colour, saturation lost, blacks lifted.
cv::Mat faded(const cv::Mat& img, double amount) {
    cv::Mat f = to_float(img);
    cv::Mat g;
    cv::cvtColor(f, g, cv::COLOR_BGR2GRAY);
    cv::cvtColor(g, g, cv::COLOR_GRAY2BGR);
    f = f * (1 - 0.6 * amount) + g * (0.6 * amount);
    const cv::Scalar paper(0.62, 0.80, 0.90);  // BGR: yellowed
    f = f * (1 - amount) + cv::Mat(f.size(), CV_32FC3, paper) * amount;
    return to_u8(f);
}

cv::Mat monochrome(const cv::Mat& img) {
    cv::Mat f = to_float(img);
    std::vector<cv::Mat> ch;
    cv::split(f, ch);
    cv::Mat y = ch[0] * 0.0722 + ch[1] * 0.7152 + ch[2] * 0.2126;  // Rec. 709
    cv::Mat out;
    cv::merge(std::vector<cv::Mat>{y, y, y}, out);
    return to_u8(out);
}

cv::Mat shrink(const cv::Mat& img, double factor) {
    cv::Mat out;
    cv::resize(img, out, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
    return out;
}

// A camera's date stamp (orange seven-segment-like digits) or a white caption with a dark outline.
cv::Mat stamp(const cv::Mat& img, Rng& rng) {
    cv::Mat out = img.clone();
    const double scale = std::max(0.6, img.cols / 700.0) * uniform(rng, 0.9, 1.4);
    if (rng() % 2 == 0) {
        char text[32];
        std::snprintf(text, sizeof text, "'%02d %2d %2d", static_cast<int>(rng() % 20 + 80),
                      static_cast<int>(rng() % 12 + 1), static_cast<int>(rng() % 28 + 1));
        int base = 0;
        const cv::Size sz = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 2, &base);
        const cv::Point at(out.cols - sz.width - out.cols / 20, out.rows - out.rows / 15);
        cv::putText(out, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(40, 140, 255), 2, cv::LINE_AA);
    } else {
        const std::string text = pick<std::string>(rng, {"Summer holidays 1987", "Grandma's garden", "Happy Birthday!",
                                                         "Lake Geneva, July", "Our first house"});
        int base = 0;
        const cv::Size sz = cv::getTextSize(text, cv::FONT_HERSHEY_DUPLEX, scale, 2, &base);
        const cv::Point at((out.cols - sz.width) / 2, out.rows - out.rows / 12);
        cv::putText(out, text, at, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(20, 20, 20), 5, cv::LINE_AA);
        cv::putText(out, text, at, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(250, 250, 250), 2, cv::LINE_AA);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<fs::path> photos;
    fs::path out_dir;
    int variants = 3;
    unsigned seed = 2026;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--variants" && i + 1 < argc) {
            variants = std::stoi(argv[++i]);
        } else if (a == "--seed" && i + 1 < argc) {
            seed = static_cast<unsigned>(std::stoul(argv[++i]));
        } else if (out_dir.empty()) {
            out_dir = a;
        } else {
            photos.emplace_back(a);
        }
    }
    if (out_dir.empty() || photos.empty()) {
        std::fprintf(stderr, "usage: restora-analysisset OUT_DIR PHOTO... [--variants N] [--seed S]\n");
        return 2;
    }
    fs::create_directories(out_dir / "ref");
    Rng rng(seed);
    nlohmann::json manifest = nlohmann::json::array();
    // The kinds this generator makes; damage needs the old-photo detector and is not generated.
    const std::vector<std::string> kinds = {"noise", "jpeg", "blur",       "haze", "lowlight",
                                            "faded", "text", "monochrome", "small"};
    for (const fs::path& p : photos) {
        const cv::Mat photo = cv::imread(p.string(), cv::IMREAD_COLOR);
        if (photo.empty()) {
            std::fprintf(stderr, "cannot read %s\n", p.string().c_str());
            return 1;
        }
        const std::string stem = p.stem().string();
        // The clean photo itself, as the set's clean case.
        cv::imwrite((out_dir / (stem + "-clean.png")).string(), photo);
        manifest.push_back(
            {{"file", stem + "-clean.png"}, {"reference", stem + "-clean.png"}, {"kinds", nlohmann::json::object()}});
        for (int v = 0; v < variants; ++v) {
            // One to three kinds; tone degradations exclude each other.
            const int n = 1 + static_cast<int>(rng() % 3);
            std::vector<std::string> chosen;
            while (static_cast<int>(chosen.size()) < n) {
                const std::string k = pick(rng, kinds);
                if (std::find(chosen.begin(), chosen.end(), k) != chosen.end()) continue;
                const bool tone = k == "haze" || k == "lowlight" || k == "faded" || k == "monochrome";
                const bool has_tone = std::any_of(chosen.begin(), chosen.end(), [](const std::string& c) {
                    return c == "haze" || c == "lowlight" || c == "faded" || c == "monochrome";
                });
                if (tone && has_tone) continue;
                chosen.push_back(k);
            }
            auto has = [&chosen](const char* k) { return std::find(chosen.begin(), chosen.end(), k) != chosen.end(); };
            nlohmann::json levels = nlohmann::json::object();
            cv::Mat img = photo.clone();
            cv::Mat ref = photo.clone();
            // In the order a photo meets them: scene and print, optics, size, stamp, sensor, file.
            if (has("haze")) {
                const double beta = pick<double>(rng, {0.9, 1.3, 1.8});
                img = haze(img, beta, rng);
                levels["haze"] = beta;
            }
            if (has("lowlight")) {
                const double stops = pick<double>(rng, {2.0, 2.7, 3.5});
                img = lowlight(img, stops);
                levels["lowlight"] = stops;
            }
            if (has("faded")) {
                const double amount = pick<double>(rng, {0.35, 0.5, 0.65});
                img = faded(img, amount);
                levels["faded"] = amount;
            }
            if (has("monochrome")) {
                img = monochrome(img);
                levels["monochrome"] = 1;
            }
            if (has("blur")) {
                if (rng() % 2 == 0) {
                    const double r = pick<double>(rng, {2.5, 3.5, 5.0});
                    img = defocus(img, r);
                    levels["blur"] = r;
                } else {
                    const double len = pick<double>(rng, {7.0, 11.0, 15.0});
                    img = motion(img, len, uniform(rng, 0, 180));
                    levels["blur"] = len / 3;
                }
            }
            if (has("small")) {
                const double f = pick<double>(rng, {2.0, 3.0});
                img = shrink(img, f);
                ref = shrink(ref, f);
                levels["small"] = f;
            }
            if (has("text")) {
                img = stamp(img, rng);
                levels["text"] = 1;
            }
            if (has("noise")) {
                const double sigma = pick<double>(rng, {8.0, 12.0, 18.0, 28.0});
                img = noise(img, sigma, rng);
                levels["noise"] = sigma;
            }
            const std::string name = stem + "-v" + std::to_string(v);
            std::string file = name + ".png";
            if (has("jpeg")) {
                const int q = pick<int>(rng, {15, 25, 40, 55});
                levels["jpeg"] = q;
                if (rng() % 2 == 0) {
                    file = name + ".jpg";
                    cv::imwrite((out_dir / file).string(), img, {cv::IMWRITE_JPEG_QUALITY, q});
                } else {
                    std::vector<uint8_t> buf;
                    cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, q});
                    cv::imwrite((out_dir / file).string(), cv::imdecode(buf, cv::IMREAD_COLOR));
                }
            } else {
                cv::imwrite((out_dir / file).string(), img);
            }
            cv::imwrite((out_dir / "ref" / (name + ".png")).string(), ref);
            manifest.push_back({{"file", file}, {"reference", "ref/" + name + ".png"}, {"kinds", levels}});
        }
    }
    std::ofstream(out_dir / "manifest.json") << manifest.dump(1) << "\n";
    std::printf("%zu images (%zu photos, %d degraded variants each) in %s\n", manifest.size(), photos.size(), variants,
                out_dir.string().c_str());
    return 0;
}
