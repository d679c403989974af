// restora-plot LOG.csv -o PLOT.png: charts a training log (the trainers' log.csv), every numeric
// column against the first ("step"), each in its own panel with its range. A development tool,
// not installed. Exit codes as restora-cli's: 2 usage, 3 unreadable or too short a log.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace {

struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

cv::Mat render_log_plot(const std::filesystem::path& csv) {
    std::ifstream f(csv);
    if (!f) throw InputError(csv.string() + ": no such file");
    std::string line;
    std::getline(f, line);
    std::vector<std::string> names;
    {
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) names.push_back(c);
    }
    std::vector<std::vector<double>> cols(names.size());
    while (std::getline(f, line)) {
        std::stringstream ss(line);
        std::vector<double> row;
        try {
            for (std::string c; std::getline(ss, c, ',');) row.push_back(std::stod(c));
        } catch (const std::logic_error&) {
            throw InputError(csv.string() + ": not a numeric row: " + line);
        }
        if (row.size() != names.size()) continue;
        for (size_t i = 0; i < row.size(); ++i) cols[i].push_back(row[i]);
    }
    if (names.size() < 2 || cols[0].size() < 2) {
        throw InputError(csv.string() + " has too few rows to plot");
    }
    const int panels = static_cast<int>(names.size()) - 1;
    const int pw = 520, ph = 220, per_row = 2;
    const int rows = (panels + per_row - 1) / per_row;
    cv::Mat img(rows * ph, per_row * pw, CV_8UC3, cv::Scalar(255, 255, 255));
    const double x0 = cols[0].front(), x1 = cols[0].back();
    for (int p = 0; p < panels; ++p) {
        const std::vector<double>& y = cols[p + 1];
        const auto [lo_it, hi_it] = std::minmax_element(y.begin(), y.end());
        const double lo = *lo_it, hi = *hi_it == *lo_it ? *lo_it + 1 : *hi_it;
        const cv::Rect area((p % per_row) * pw + 60, (p / per_row) * ph + 30, pw - 80, ph - 60);
        cv::rectangle(img, area, cv::Scalar(200, 200, 200));
        std::vector<cv::Point> pts;
        for (size_t i = 0; i < y.size(); ++i) {
            const double fx = (cols[0][i] - x0) / std::max(1e-12, x1 - x0);
            const double fy = (y[i] - lo) / (hi - lo);
            pts.emplace_back(area.x + static_cast<int>(fx * area.width),
                             area.y + area.height - static_cast<int>(fy * area.height));
        }
        cv::polylines(img, pts, false, cv::Scalar(180, 90, 30), 2, cv::LINE_AA);
        auto text = [&](const std::string& s, cv::Point at) {
            cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
        };
        char buf[64];
        text(names[p + 1] + " vs " + names[0], {area.x, area.y - 10});
        std::snprintf(buf, sizeof buf, "%.4g", hi);
        text(buf, {area.x - 55, area.y + 10});
        std::snprintf(buf, sizeof buf, "%.4g", lo);
        text(buf, {area.x - 55, area.y + area.height});
        std::snprintf(buf, sizeof buf, "%.0f", x1);
        text(buf, {area.x + area.width - 40, area.y + area.height + 18});
    }
    return img;
}

}  // namespace

int main(int argc, char** argv) {
    std::string csv;
    std::string out;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "-o" || a == "--output") && i + 1 < argc) {
            out = argv[++i];
        } else if (csv.empty() && !a.empty() && a[0] != '-') {
            csv = a;
        } else {
            csv.clear();
            break;
        }
    }
    if (csv.empty() || out.empty()) {
        std::fprintf(stderr, "usage: restora-plot LOG.csv -o PLOT.png\n");
        return 2;
    }
    try {
        const cv::Mat chart = render_log_plot(csv);
        if (!cv::imwrite(out, chart)) throw InputError("cannot write " + out);
    } catch (const InputError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 3;
    }
    std::fprintf(stderr, "wrote %s\n", out.c_str());
    return 0;
}
