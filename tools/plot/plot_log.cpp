// restora-plot LOG.csv -o PLOT.png [--overwrite]: charts a training log (the trainers' log.csv),
// every numeric column against the first ("step"), each in its own panel with its range. A
// development tool, not installed. Exit codes as restora-cli's: 1 the chart could not be
// written, 2 usage (an existing output without --overwrite), 3 an unreadable or malformed log.
// The log is read as a regular file of at most 64 MiB; the chart is written as restora-cli's
// outputs are (write_file_safely: temp file, fsync, atomic rename, never over the log).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/safe_file.h"
#include "restora/models/errors.h"

namespace {

using restora::Error;
using restora::ErrorKind;

constexpr size_t kMaxColumns = 64;  // 32 rows of panels; a wider "header" is not a training log

std::string shown(const std::string& line) {
    std::string s = line.substr(0, 60);
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
    }
    return line.size() > 60 ? s + "..." : s;
}

// The whole cell is a finite number, or the row is refused with its line number.
double parse_cell(const std::string& cell, const std::string& where) {
    const char* begin = cell.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    while (end != nullptr && (*end == ' ' || *end == '\r')) ++end;
    if (cell.empty() || end == begin || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
        throw Error(ErrorKind::Input, where + ": '" + shown(cell) + "' is not a finite number");
    }
    return v;
}

cv::Mat render_log_plot(const std::filesystem::path& csv) {
    const std::vector<uint8_t> bytes = restora::read_regular_file(csv, 64u << 20, true);
    if (std::find(bytes.begin(), bytes.end(), uint8_t{0}) != bytes.end()) {
        throw Error(ErrorKind::Input, csv.string() + " is not a CSV text file (it holds NUL bytes)");
    }
    std::stringstream f(std::string(bytes.begin(), bytes.end()));
    std::string line;
    std::getline(f, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> names;
    {
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) names.push_back(c);
    }
    if (names.size() > kMaxColumns) {
        throw Error(ErrorKind::Input, csv.string() + " has " + std::to_string(names.size()) +
                                          " columns in its first line; a training log has a header of at most " +
                                          std::to_string(kMaxColumns));
    }
    std::vector<std::vector<double>> cols(names.size());
    for (int number = 2; std::getline(f, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::vector<double> row;
        const std::string where = csv.string() + " line " + std::to_string(number);
        for (std::string c; std::getline(ss, c, ',');) row.push_back(parse_cell(c, where));
        if (row.size() != names.size()) continue;  // a row cut short by an interrupted run
        for (size_t i = 0; i < row.size(); ++i) cols[i].push_back(row[i]);
    }
    if (names.size() < 2 || cols[0].size() < 2) {
        throw Error(ErrorKind::Input, csv.string() +
                                          " has too few rows to plot (a header naming the step and at least one "
                                          "column, then two rows of numbers)");
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
    bool overwrite = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "-o" || a == "--output") && i + 1 < argc) {
            out = argv[++i];
        } else if (a == "--overwrite") {
            overwrite = true;
        } else if (csv.empty() && !a.empty() && a[0] != '-') {
            csv = a;
        } else {
            csv.clear();
            break;
        }
    }
    if (csv.empty() || out.empty()) {
        std::fprintf(stderr, "usage: restora-plot LOG.csv -o PLOT.png [--overwrite]\n");
        return 2;
    }
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    try {
        const std::string ext = std::filesystem::path(out).extension().string();
        if (ext != ".png" && ext != ".PNG") throw Error(ErrorKind::Usage, "choose an output name ending in .png");
        const cv::Mat chart = render_log_plot(csv);
        std::vector<uint8_t> png;
        if (!cv::imencode(".png", chart, png)) throw Error(ErrorKind::Processing, "encoding the chart failed");
        restora::write_file_safely(out, png, overwrite ? restora::IfExists::Replace : restora::IfExists::Refuse, {csv});
    } catch (const Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return e.exit_code();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s: %s\n", csv.c_str(), e.what());
        return 1;
    }
    std::fprintf(stderr, "wrote %s\n", out.c_str());
    return 0;
}
