// Findings from the measurements (calibrated on the training corpus's photos with synthetic
// degradations: tools/bench/bench_analysis.cpp --calibrate; docs/QUALITY.md, "Analysis and
// Auto"), the proposed steps, the JSON of the command line and the sentences that explain them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "restora/core/analysis.h"
#include "restora/core/registry.h"

namespace restora {

namespace {

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

// A linear ramp through confidence 0.5 at `half`, reaching 1 at `full` (either direction).
double ramp(double value, double half, double full) { return clamp01(0.5 + 0.5 * (value - half) / (full - half)); }

// Piecewise-linear table lookup (x ascending).
double interpolate(const std::vector<std::pair<double, double>>& t, double x) {
    if (x <= t.front().first) return t.front().second;
    for (size_t i = 1; i < t.size(); ++i) {
        if (x <= t[i].first) {
            const auto [x0, y0] = t[i - 1];
            const auto [x1, y1] = t[i];
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    return t.back().second;
}

std::string number_text(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

// Rounded to a step of 1/k (the shortest decimal text, for JSON).
double round_to(double v, double step) {
    const double k = std::round(1.0 / step);
    return std::round(v * k) / k;
}

}  // namespace

// Calibration (tools/bench/bench_analysis.cpp --calibrate over the training corpus, see
// docs/QUALITY.md): the blockiness an IJG quality leaves (medians over 20 training photos), and
// the re-blur metric a Gaussian blur of sigma leaves (the mean of the medians over 20 training
// photos and 12 photos of CBSD68).
const std::vector<std::pair<double, double>> kBlockinessToQuality = {
    {0.04, 100}, {0.10, 95}, {0.21, 90}, {0.30, 85}, {0.39, 80}, {0.45, 75}, {0.51, 70},
    {0.64, 60},  {0.71, 50}, {0.81, 40}, {1.03, 30}, {1.50, 20}, {2.73, 10}};
const std::vector<std::pair<double, double>> kBlurMetricToSigma = {{0.18, 0.0}, {0.23, 0.5},  {0.305, 0.8}, {0.36, 1.0},
                                                                   {0.43, 1.3}, {0.495, 1.6}, {0.59, 2.0},  {0.70, 3.0},
                                                                   {0.74, 4.0}, {0.80, 6.0}};
// JPEG flattens the quietest blocks first: under a JPEG of quality q the median block's estimate
// times this gain recovers the noise that was there before (sigma 20 under q 30-90).
const std::vector<std::pair<double, double>> kJpegNoiseGain = {{30, 11.0}, {50, 5.8}, {70, 2.25}, {90, 1.4}, {95, 1.0}};

double quality_from_blockiness(double blockiness) { return interpolate(kBlockinessToQuality, blockiness); }
double blur_sigma_from_metric(double metric) { return interpolate(kBlurMetricToSigma, metric); }
double noise_gain_under_jpeg(double quality) { return interpolate(kJpegNoiseGain, quality); }

const Finding* Analysis::find(const std::string& kind) const {
    for (const Finding& f : findings) {
        if (f.kind == kind) return &f;
    }
    return nullptr;
}

bool Analysis::clean() const {
    return std::none_of(findings.begin(), findings.end(),
                        [](const Finding& f) { return f.confidence >= kFindingThreshold; });
}

std::optional<Finding> damage_finding(const cv::Mat& /*pixels*/) {
    // The old-photo damage detector (scratches, dust, tears) plugs in here; until it exists the
    // finding is reported as not available and no step is proposed for it.
    return std::nullopt;
}

std::string finding_unit(const std::string& kind) {
    if (kind == "noise") return "σ";
    if (kind == "jpeg") return "quality";
    if (kind == "blur") return "px";
    if (kind == "text") return "regions";
    if (kind == "small") return "MP";
    if (kind == "monochrome") return "chroma";
    return "";
}

double effective_jpeg_quality(const AnalysisMeasures& m) {
    // A JPEG's own tables are exact; its pixels decide only when they show a much coarser JPEG
    // before this one (a photo saved again at a higher quality): the blockiness of one quality
    // spreads over about 25 quality steps between photos (docs/QUALITY.md).
    if (m.file_jpeg_quality <= 0) return m.pixel_jpeg_quality;
    return m.pixel_jpeg_quality < m.file_jpeg_quality - 25 ? m.pixel_jpeg_quality : m.file_jpeg_quality;
}

Analysis analysis_from_measures(const AnalysisMeasures& m, const std::optional<Finding>& damage) {
    Analysis a;
    a.measures = m;
    auto add = [&a](const std::string& kind, double confidence, double level, bool available = true) {
        a.findings.push_back({kind, clamp01(confidence), level, available});
    };
    add("noise", ramp(m.noise_sigma, 5.5, 8.0), round_to(m.noise_sigma, 0.1));
    const double quality = effective_jpeg_quality(m);
    add("jpeg", ramp(-quality, -75.0, -62.0), std::round(quality));
    add("blur", ramp(m.blur_sigma, 1.3, 1.9), round_to(m.blur_sigma, 0.1));
    const double mono = ramp(-m.chroma_mean, -2.5, -1.5);
    const double range = m.luma_p99 - m.luma_p1;
    // A faded print: low contrast with a dim white (not dark overall), or lifted blacks under a
    // colour cast (the paper's).
    const double faded = std::max(
        std::min({ramp(-range, -0.45, -0.35), ramp(-m.luma_p99, -0.78, -0.70), ramp(m.luma_median, 0.25, 0.30)}),
        std::min(ramp(m.luma_p1, 0.17, 0.25), ramp(m.cast, 10.0, 16.0)));
    // Haze lifts the dark channel under a bright white; a grey photo's dark channel is its
    // brightness, and a cast with lifted blacks is a print's.
    const double haze = std::min(ramp(m.dark_channel, 0.38, 0.48), ramp(m.luma_p99, 0.75, 0.85)) * (1.0 - mono) *
                        (1.0 - ramp(m.cast, 10.0, 16.0));
    add("haze", haze, round_to(m.dark_channel, 0.01));
    add("lowlight", std::min(ramp(-m.luma_median, -0.22, -0.15), ramp(-m.luma_p99, -0.60, -0.50)),
        round_to(m.luma_median, 0.01));
    add("faded", faded, round_to(std::max(1.0 - range, 0.0), 0.01));
    if (damage) {
        a.findings.push_back(*damage);
    } else {
        add("damage", 0, 0, false);
    }
    if (m.text_regions < 0) {
        add("text", 0, 0, false);
    } else {
        add("text", m.text_regions == 0 ? 0.0 : std::min(1.0, 0.4 + 0.2 * m.text_regions), m.text_regions);
    }
    add("monochrome", mono, round_to(m.chroma_mean, 0.1));
    const int long_side = std::max(m.width, m.height);
    add("small", ramp(-long_side, -600.0, -450.0), round_to(m.width * static_cast<double>(m.height) / 1e6, 0.01));

    // The steps, in the order that works best (docs/QUALITY.md): what removes content first
    // (damage, text: the fill sees the photo's own noise), then denoise (the other networks were
    // trained on clean inputs), then sharpness, haze, tone and colour; upscaling last, proposed
    // only.
    auto counts = [&a](const std::string& kind) {
        const Finding* f = a.find(kind);
        return f != nullptr && f->available && f->confidence >= kFindingThreshold;
    };
    if (counts("damage")) a.steps.push_back({"inpaint", {}, {}, "damage", true});
    if (counts("text")) a.steps.push_back({"erase-text", {{"detect", "auto"}}, {}, "text", true});
    if (counts("noise") || counts("jpeg")) {
        ProposedStep s{"denoise", {{"model", "tunable"}}, {}, "", true};
        // Strength grows with the noise (docs/QUALITY.md: the tunable network's defaults suit
        // camera noise up to about sigma 15, strength 1 the heaviest).
        const double strength = counts("noise") ? std::clamp(0.3 + m.noise_sigma / 40.0, 0.5, 1.0) : 0.5;
        s.params["strength"] = number_text(round_to(strength, 0.05), 2);
        s.chosen.push_back("strength");
        if (counts("jpeg")) {
            // The JPEG artefacts slider from the quality, through the same calibration a JPEG
            // file's own quality uses (denoise's source defaults).
            SourceInfo source;
            source.jpeg_quality = std::max(1, static_cast<int>(std::lround(quality)));
            const Operation& op = Registry::instance().get("denoise");
            const auto d = op.source_defaults(source);
            if (auto it = d.find("jpeg"); it != d.end()) {
                s.params["jpeg"] = it->second;
                s.chosen.push_back("jpeg");
            }
        }  // else the operation's own default from the file's quality (0 for PNGs) applies
        s.reason = counts("noise") && counts("jpeg") ? "noise, jpeg" : (counts("noise") ? "noise" : "jpeg");
        a.steps.push_back(s);
    }
    if (counts("blur")) a.steps.push_back({"deblur", {}, {}, "blur", true});
    if (counts("haze")) a.steps.push_back({"dehaze", {{"variant", "outdoor"}}, {}, "haze", true});
    if (counts("lowlight")) {
        a.steps.push_back({"enhance-lowlight", {}, {}, "lowlight", true});
    } else if (counts("faded")) {
        a.steps.push_back({"retouch", {}, {}, "faded", true});
    }
    if (counts("small")) {
        const std::string scale = long_side * 2 >= 1024 ? "2" : "4";
        a.steps.push_back({"upscale", {{"scale", scale}, {"model", "realesrgan"}}, {"scale"}, "small", false});
    }
    return a;
}

Analysis analyze_image(const cv::Mat& pixels, int file_jpeg_quality, const AnalysisOptions& options,
                       ModelCache* models) {
    const auto t0 = std::chrono::steady_clock::now();
    const AnalysisMeasures m = measure_photo(pixels, file_jpeg_quality, options, models);
    Analysis a = analysis_from_measures(m, damage_finding(pixels));
    a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return a;
}

Analysis analyze_file(const std::filesystem::path& path, const AnalysisOptions& options, ModelCache* models) {
    const LoadedImage img = load_image(path);
    return analyze_image(img.pixels, img.jpeg_quality, options, models);
}

std::string analysis_json(const Analysis& a, const std::string& file) {
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& f : a.findings) {
        nlohmann::json j = {{"kind", f.kind}, {"confidence", round_to(f.confidence, 0.01)}, {"level", f.level}};
        if (!f.available) {
            j["level"] = nullptr;
            j["available"] = false;
        }
        findings.push_back(j);
    }
    nlohmann::json steps = nlohmann::json::array();
    for (const ProposedStep& s : a.steps) {
        nlohmann::json j = {{"op", s.op}, {"params", s.params}};
        if (!s.applied_by_auto) j["auto"] = false;
        steps.push_back(j);
    }
    return nlohmann::json{{"file", file}, {"findings", findings}, {"steps", steps}}.dump();
}

std::vector<std::string> analysis_sentences(const Analysis& a) {
    std::vector<std::string> out;
    std::map<std::string, std::string> described;
    for (const Finding& f : a.findings) {
        if (!f.available) {
            out.push_back(
                f.kind + ": not available" +
                (f.kind == "damage" ? " (no damage detector in this build)" : " (its detector is not installed)"));
            continue;
        }
        if (f.confidence < kFindingThreshold) continue;
        std::string what = f.kind;
        if (f.kind == "noise") what = "noise σ≈" + number_text(f.level, 0);
        if (f.kind == "jpeg") what = "JPEG quality≈" + number_text(f.level, 0);
        if (f.kind == "blur") what = "blur σ≈" + number_text(f.level, 1) + " px";
        if (f.kind == "haze") what = "haze (dark channel " + number_text(f.level, 2) + ")";
        if (f.kind == "lowlight") what = "low light (median brightness " + number_text(f.level * 100, 0) + "%)";
        if (f.kind == "faded") what = "faded or colour cast";
        if (f.kind == "text") what = "text, " + number_text(f.level, 0) + " region" + (f.level == 1 ? "" : "s");
        if (f.kind == "monochrome") what = "monochrome";
        if (f.kind == "small") what = "small, " + number_text(f.level, 2) + " MP";
        described[f.kind] = what;
        out.push_back(what + " (confidence " + number_text(f.confidence, 2) + ")" +
                      (f.kind == "monochrome" ? ": no step, nothing to restore" : ""));
    }
    for (const ProposedStep& s : a.steps) {
        std::string why;
        for (const std::string& kind : analysis_kinds()) {
            if (s.reason.find(kind) == std::string::npos || described.count(kind) == 0) continue;
            why += (why.empty() ? "" : " and ") + described[kind];
        }
        std::string line =
            why + " → " + s.op + (s.applied_by_auto ? "" : " (proposed only: Auto never changes the size)");
        for (const auto& [k, v] : s.params) {
            const bool chosen = std::find(s.chosen.begin(), s.chosen.end(), k) != s.chosen.end();
            line += (k == "model" || k == "variant" ? ", " + v : ", " + k + " " + v + (chosen ? " (auto)" : ""));
        }
        out.push_back(line);
    }
    if (a.steps.empty() && a.clean()) out.emplace_back("no degradation found: nothing to do");
    return out;
}

}  // namespace restora
