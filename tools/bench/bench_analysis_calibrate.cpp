// Calibration of the analysis (core/src/analysis.cpp): the raw measurements on clean photos of the
// training corpus and on single synthetic degradations of them at known levels, as medians and
// deciles per level, from which the tables and ramps of analysis.cpp were read. The independent
// evaluation set (tools/analysisset) uses other photos and its own, combined degradations.
//
//   restora-bench-analysis-calibrate [--photos N] [--no-text] [--only CASE-PREFIX] PHOTO...
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/analysis.h"
#include "restora/core/image_io.h"
#include "restora/models/engine.h"

using namespace restora;

namespace {

cv::Mat prepare(const cv::Mat& photo) {
    // The long side at 1280 px (a wallpaper shrunk is a clean photo of that size), a 1024x768 centre.
    cv::Mat m = photo;
    if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    const double f = 1280.0 / std::max(m.cols, m.rows);
    if (f < 1) cv::resize(m, m, cv::Size(), f, f, cv::INTER_AREA);
    const int w = std::min(1024, m.cols);
    const int h = std::min(768, m.rows);
    return m(cv::Rect((m.cols - w) / 2, (m.rows - h) / 2, w, h)).clone();
}

cv::Mat add_noise(const cv::Mat& m, double sigma, unsigned seed) {
    cv::Mat f;
    m.convertTo(f, CV_32F);
    cv::Mat n(m.size(), CV_32FC3);
    cv::theRNG().state = seed;
    cv::randn(n, cv::Scalar::all(0), cv::Scalar::all(sigma));
    f += n;
    cv::Mat out;
    f.convertTo(out, CV_8U);
    return out;
}

cv::Mat jpeg(const cv::Mat& m, int q) {
    std::vector<uint8_t> buf;
    cv::imencode(".jpg", m, buf, {cv::IMWRITE_JPEG_QUALITY, q});
    return cv::imdecode(buf, cv::IMREAD_COLOR);
}

cv::Mat affine_tone(const cv::Mat& m, double gain, cv::Scalar offset) {
    cv::Mat f;
    m.convertTo(f, CV_32F);
    f = f * gain;
    f += offset;
    cv::Mat out;
    f.convertTo(out, CV_8U);
    return out;
}

cv::Mat haze(const cv::Mat& m, double t, double air) {
    return affine_tone(m, t, cv::Scalar::all(255.0 * air * (1 - t)));
}

cv::Mat lowlight(const cv::Mat& m, double gamma, double scale) {
    cv::Mat f;
    m.convertTo(f, CV_32F, 1.0 / 255);
    cv::pow(f, gamma, f);
    cv::Mat out;
    f.convertTo(out, CV_8U, 255 * scale);
    return out;
}

cv::Mat grey(const cv::Mat& m) {
    cv::Mat g, out;
    cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    cv::cvtColor(g, out, cv::COLOR_GRAY2BGR);
    return out;
}

struct Column {
    const char* name;
    std::function<double(const AnalysisMeasures&)> get;
};

const std::vector<Column> kColumns = {
    {"noise", [](const AnalysisMeasures& m) { return m.noise_sigma; }},
    {"noise50", [](const AnalysisMeasures& m) { return m.noise_median; }},
    {"p1", [](const AnalysisMeasures& m) { return m.luma_p1; }},
    {"block", [](const AnalysisMeasures& m) { return m.blockiness; }},
    {"blur", [](const AnalysisMeasures& m) { return m.blur_metric; }},
    {"dark", [](const AnalysisMeasures& m) { return m.dark_channel; }},
    {"air", [](const AnalysisMeasures& m) { return m.airlight; }},
    {"lmed", [](const AnalysisMeasures& m) { return m.luma_median; }},
    {"lp99", [](const AnalysisMeasures& m) { return m.luma_p99; }},
    {"range", [](const AnalysisMeasures& m) { return m.luma_p99 - m.luma_p1; }},
    {"cast", [](const AnalysisMeasures& m) { return m.cast; }},
    {"chroma", [](const AnalysisMeasures& m) { return m.chroma_mean; }},
    {"text", [](const AnalysisMeasures& m) { return m.text_regions; }},
};

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    size_t max_photos = 1000;
    std::string only;  // only the cases whose name starts with this (and the clean case)
    AnalysisOptions options;
    options.device = DeviceKind::Cpu;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--photos" && i + 1 < argc) {
            max_photos = std::stoul(argv[++i]);
        } else if (a == "--only" && i + 1 < argc) {
            only = argv[++i];
        } else if (a == "--no-text") {
            options.text = false;
        } else {
            files.push_back(a);
        }
    }
    if (files.size() > max_photos) files.resize(max_photos);
    configure_threads();
    ModelCache models;
    using Degrade = std::function<cv::Mat(const cv::Mat&)>;
    std::vector<std::pair<std::string, Degrade>> cases = {{"clean", [](const cv::Mat& m) { return m.clone(); }}};
    for (double s : {2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 35.0}) {
        cases.emplace_back("noise " + std::to_string(s).substr(0, 4),
                           [s](const cv::Mat& m) { return add_noise(m, s, 7); });
    }
    for (int q : {95, 90, 85, 80, 75, 70, 60, 50, 40, 30, 20, 10}) {
        cases.emplace_back("jpeg " + std::to_string(q), [q](const cv::Mat& m) { return jpeg(m, q); });
    }
    for (int q : {90, 70, 50, 30}) {
        cases.emplace_back("noise20+jpeg " + std::to_string(q),
                           [q](const cv::Mat& m) { return jpeg(add_noise(m, 20, 3), q); });
    }
    for (int q : {90, 70, 50, 30}) {
        cases.emplace_back("noise8+jpeg " + std::to_string(q),
                           [q](const cv::Mat& m) { return jpeg(add_noise(m, 8, 3), q); });
    }
    for (double s : {0.5, 0.8, 1.0, 1.3, 1.6, 2.0, 3.0, 4.0, 6.0}) {
        cases.emplace_back("blur " + std::to_string(s).substr(0, 3), [s](const cv::Mat& m) {
            cv::Mat o;
            cv::GaussianBlur(m, o, cv::Size(), s);
            return o;
        });
    }
    for (double s : {1.0, 2.0, 3.0}) {
        cases.emplace_back("blur+noise8 " + std::to_string(s).substr(0, 3), [s](const cv::Mat& m) {
            cv::Mat o;
            cv::GaussianBlur(m, o, cv::Size(), s);
            return add_noise(o, 8, 5);
        });
    }
    for (double t : {0.8, 0.65, 0.5, 0.35}) {
        cases.emplace_back("haze t" + std::to_string(t).substr(0, 4),
                           [t](const cv::Mat& m) { return haze(m, t, 0.92); });
    }
    for (double s : {0.6, 0.4, 0.25, 0.15}) {
        cases.emplace_back("lowlight " + std::to_string(s).substr(0, 4),
                           [s](const cv::Mat& m) { return lowlight(m, 1.5, s); });
    }
    for (double g : {0.8, 0.65, 0.5}) {
        cases.emplace_back("faded " + std::to_string(g).substr(0, 4), [g](const cv::Mat& m) {
            return affine_tone(m, g,
                               cv::Scalar(40 * (1 - g) / 0.5 * 0.6, 40 * (1 - g) / 0.5, 40 * (1 - g) / 0.5 * 1.2));
        });
    }
    for (double c : {6.0, 10.0, 16.0, 24.0}) {
        cases.emplace_back("cast " + std::to_string(c).substr(0, 4),
                           [c](const cv::Mat& m) { return affine_tone(m, 1.0, cv::Scalar(-c, 0, c)); });
    }
    cases.emplace_back("grey", [](const cv::Mat& m) { return grey(m); });
    cases.emplace_back("sepia", [](const cv::Mat& m) { return affine_tone(grey(m), 0.9, cv::Scalar(0, 12, 25)); });

    std::vector<cv::Mat> photos;
    for (const auto& f : files) photos.push_back(prepare(load_image(f).pixels));
    std::printf("%zu photos (1024x768 centres at 1280 px); median [p10 p90] per case\n", photos.size());
    std::printf("%-16s", "case");
    for (const auto& c : kColumns) std::printf(" %15s", c.name);
    std::printf("\n");
    for (const auto& [name, degrade] : cases) {
        if (!only.empty() && name != "clean" && name.rfind(only, 0) != 0) continue;
        std::map<std::string, std::vector<double>> values;
        for (const cv::Mat& p : photos) {
            AnalysisOptions o = options;
            if (name != "clean") o.text = false;  // text regions: on clean photos only
            const AnalysisMeasures m = measure_photo(degrade(p), 0, o, &models);
            for (const auto& c : kColumns) values[c.name].push_back(c.get(m));
        }
        std::printf("%-16s", name.c_str());
        for (const auto& c : kColumns) {
            const auto& v = values[c.name];
            std::printf(" %5.2f[%5.2f %5.2f]", quantile(v, 0.5), quantile(v, 0.1), quantile(v, 0.9));
        }
        std::printf("\n");
        std::fflush(stdout);
        if (name == "clean") {
            std::printf("clean max        ");
            for (const auto& c : kColumns) std::printf(" %15.3f", quantile(values[c.name], 1.0));
            std::printf("\nclean min        ");
            for (const auto& c : kColumns) std::printf(" %15.3f", quantile(values[c.name], 0.0));
            std::printf("\n");
        }
    }
    return 0;
}
