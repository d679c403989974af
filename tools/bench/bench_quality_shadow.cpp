// Shadow-removal benchmark of restora-bench-quality (bench_quality.cpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "bench_quality.h"
#include "restora/core/image_io.h"
#include "restora/core/mask.h"
#include "restora/core/metrics.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/core/resample.h"
#include "restora/models/engine.h"
#include "restora/training/shard.h"

namespace restora::bench {

// ---- Shadow removal ----------------------------------------------------------------------

// BGR images of one shard (stored RGB).
std::vector<cv::Mat> shard_images(const fs::path& path) {
    const Shard s = read_shard(path);
    std::vector<cv::Mat> out;
    const size_t per = static_cast<size_t>(s.h) * s.w * 3;
    for (int i = 0; i < s.n; ++i) {
        cv::Mat rgb(s.h, s.w, CV_8UC3, const_cast<uint8_t*>(s.pixels.data() + i * per));
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        out.push_back(bgr);
    }
    return out;
}

cv::Mat to_lab(const cv::Mat& bgr8) {
    cv::Mat f, lab;
    bgr8.convertTo(f, CV_32F, 1.0 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);  // L in [0,100], a and b in about [-127,127]
    return lab;
}

// Root mean square error over the L, a and b values of the selected pixels.
double lab_rmse(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
    const double n = 3.0 * cv::countNonZero(where);
    return std::sqrt(cv::norm(to_lab(a), to_lab(b), cv::NORM_L2SQR, where) / std::max(1.0, n));
}

// The ground truth's colours mapped onto the photo's where no shadow falls: per channel,
// truth' = a * truth + b with a, b the least-squares fit of the photo on the `lit` pixels. This is
// how ISTD+ (Le and Samaras, ICCV 2019) corrects ISTD's shadow-free frames, which were shot with a
// different exposure and white balance than their shadow photos.
cv::Mat colour_adjusted(const cv::Mat& truth, const cv::Mat& photo, const cv::Mat& lit) {
    std::vector<cv::Mat> t, p;
    cv::split(truth, t);
    cv::split(photo, p);
    for (size_t c = 0; c < 3; ++c) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int y = 0; y < truth.rows; ++y) {
            const uint8_t* l = lit.ptr<uint8_t>(y);
            const uint8_t* tx = t[c].ptr<uint8_t>(y);
            const uint8_t* py = p[c].ptr<uint8_t>(y);
            for (int x = 0; x < truth.cols; ++x) {
                if (l[x] == 0) continue;
                n += 1;
                sx += tx[x];
                sy += py[x];
                sxx += double(tx[x]) * tx[x];
                sxy += double(tx[x]) * py[x];
            }
        }
        const double a = (n * sxy - sx * sy) / std::max(1e-9, n * sxx - sx * sx);
        const double b = (sy - a * sx) / std::max(1.0, n);
        t[c].convertTo(t[c], CV_8U, a, b);
    }
    cv::Mat out;
    cv::merge(t, out);
    return out;
}

// The true shadow (matte > 0.5) and the band where the matte changes within 4 px.
void shadow_regions(const cv::Mat& matte8, cv::Mat& inside, cv::Mat& band) {
    inside = matte8 > 127;
    cv::Mat hi, lo;
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_RECT, {9, 9});
    cv::dilate(matte8, hi, k);
    cv::erode(matte8, lo, k);
    band = (hi - lo) > 25;
}

struct RegionScores {
    double lab = 0, psnr = 0, ssim = 0;
};

struct ShadowScores {
    RegionScores shadow, band, all;
    double secs = 0;
    int n = 0;
    void add(const cv::Mat& out, const cv::Mat& gt, const cv::Mat& inside, const cv::Mat& bandm) {
        const cv::Mat everything(out.size(), CV_8U, cv::Scalar(255));
        for (auto [r, m] : {std::pair{&shadow, &inside}, std::pair{&band, &bandm}, std::pair{&all, &everything}}) {
            r->lab += lab_rmse(out, gt, *m);
            r->psnr += psnr(out, gt, *m);
            r->ssim += ssim(out, gt, *m);
        }
        ++n;
    }
};

std::vector<std::string> kShadowMethods = {"input", "relight", "inpaint", "learned"};

// One method on one shadowed image: the operation as a user runs it (default grow), or the
// learned inpainting of the same grown mask, or nothing.
cv::Mat shadow_method(const std::string& method, const cv::Mat& shadowed, const cv::Mat& mask) {
    if (method == "input") return shadowed.clone();
    if (method == "inpaint") {
        const int grow = std::stoi(default_of(Registry::instance().get("remove-shadow").info(), "grow"));
        cv::Mat grown;
        cv::dilate(mask, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
        return run_op("inpaint", shadowed, grown, {{"model", "learned"}}).pixels;
    }
    return run_op("remove-shadow", shadowed, mask, {{"model", method}}).pixels;
}

// A tile of the contact sheet: the image scaled to `side` px high, with a caption.
cv::Mat sheet_tile(const cv::Mat& img, int side, const std::string& caption, const cv::Mat& outline = cv::Mat()) {
    cv::Mat t;
    cv::resize(img, t, {img.cols * side / img.rows, side}, 0, 0, cv::INTER_AREA);
    if (!outline.empty()) {
        cv::Mat m;
        cv::resize(outline, m, t.size(), 0, 0, cv::INTER_NEAREST);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(m, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
        cv::drawContours(t, contours, -1, cv::Scalar(0, 0, 255), 1);
    }
    cv::putText(t, caption, {4, side - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, caption, {4, side - 6}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

void print_shadow_table(const std::map<std::string, ShadowScores>& scores, const char* title) {
    std::printf("\n### %s\n\n", title);
    std::printf(
        "| method | LAB RMSE shadow | band | all | PSNR shadow (dB) | band | all | SSIM shadow | band | all | seconds "
        "| images |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& method : kShadowMethods) {
        const auto it = scores.find(method);
        if (it == scores.end() || it->second.n == 0) continue;
        const ShadowScores& s = it->second;
        const double n = s.n;
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.4f | %.4f | %.4f | %.1f | %d |\n",
                    method.c_str(), s.shadow.lab / n, s.band.lab / n, s.all.lab / n, s.shadow.psnr / n, s.band.psnr / n,
                    s.all.psnr / n, s.shadow.ssim / n, s.band.ssim / n, s.all.ssim / n, s.secs, s.n);
    }
    std::fflush(stdout);
}

void bench_shadow(const fs::path& data, const fs::path& set, size_t limit, const fs::path* sheet_dir) {
    std::vector<std::vector<cv::Mat>> sheet_rows;
    constexpr int kSide = 150;
    const std::vector<cv::Mat> shadowed = shard_images(set.string() + "-shadow.shard");
    const std::vector<cv::Mat> clean = shard_images(set.string() + "-clean.shard");
    const std::vector<cv::Mat> masks = shard_images(set.string() + "-mask.shard");
    std::map<std::string, ShadowScores> scores;
    const size_t count = limit > 0 ? std::min(limit, shadowed.size()) : shadowed.size();
    const std::vector<size_t> sheet_picks = {0, 13, 26, 39};
    for (size_t i = 0; i < count; ++i) {
        std::vector<cv::Mat> planes;
        cv::split(masks[i], planes);  // BGR of the stored (painted, matte, 0): planes[2] painted, [1] matte
        const cv::Mat painted = planes[2] > 127;
        cv::Mat inside, band;
        shadow_regions(planes[1], inside, band);
        std::vector<cv::Mat> row;
        const bool on_sheet = std::find(sheet_picks.begin(), sheet_picks.end(), i) != sheet_picks.end();
        if (on_sheet) row.push_back(sheet_tile(shadowed[i], kSide, "input + mask", painted));
        for (const auto& method : kShadowMethods) {
            const auto t0 = std::chrono::steady_clock::now();
            const cv::Mat out = shadow_method(method, shadowed[i], painted);
            scores[method].secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            scores[method].add(out, clean[i], inside, band);
            if (on_sheet && method != "input") row.push_back(sheet_tile(out, kSide, method));
        }
        if (on_sheet) {
            row.push_back(sheet_tile(clean[i], kSide, "ground truth"));
            sheet_rows.push_back(row);
        }
    }
    char title[256];
    std::snprintf(title, sizeof title,
                  "Shadow removal, held-out synthetic set (%s, %zu crops of %d px): true shadow (matte > 0.5), "
                  "boundary band, whole image",
                  set.filename().c_str(), count, shadowed.empty() ? 0 : shadowed[0].cols);
    print_shadow_table(scores, title);

    // The real ISTD triple: shadow photo, shadow-free ground truth, mask.
    const fs::path istd = data / "shadow/istd";
    std::map<std::string, ShadowScores> real;
    std::map<std::string, ShadowScores> adjusted;
    for (const auto& f : images_in(istd, 0)) {
        const std::string stem = f.stem().string();
        const std::string suffix = "_shadow";
        if (stem.size() < suffix.size() || stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string base = stem.substr(0, stem.size() - suffix.size());
        const fs::path gt_path = istd / (base + "_shadow_free_original.png");
        const fs::path mask_path = istd / (base + "_shadow_mask.png");
        if (!fs::exists(gt_path) || !fs::exists(mask_path)) continue;
        const cv::Mat img = load_image(f).pixels;
        const cv::Mat gt = load_image(gt_path).pixels;
        const cv::Mat mask = load_mask(mask_path, img.size());
        cv::Mat m8;
        mask.convertTo(m8, CV_8U);
        cv::Mat band_in, band_out;
        const cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9});
        cv::dilate(m8, band_out, k);
        cv::erode(m8, band_in, k);
        const cv::Mat band = band_out & ~band_in;
        // How far the ground truth is from the shadow photo where no shadow falls (outside the mask
        // grown by 24 px): ISTD's original shadow-free frames differ in exposure and colour, so
        // this is the error of a perfect removal that matched the photo's own lit surroundings.
        cv::Mat near;
        cv::dilate(m8, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {49, 49}));
        std::printf(
            "ISTD %s, lit pixels (outside the mask grown by 24 px), input vs ground truth: LAB RMSE %.2f, "
            "PSNR %.2f dB\n",
            base.c_str(), lab_rmse(img, gt, ~near), psnr(img, gt, ~near));
        const cv::Mat gt_adj = colour_adjusted(gt, img, ~near);
        std::printf("ISTD %s, lit pixels, input vs colour-adjusted ground truth: LAB RMSE %.2f, PSNR %.2f dB\n",
                    base.c_str(), lab_rmse(img, gt_adj, ~near), psnr(img, gt_adj, ~near));
        std::vector<cv::Mat> row = {sheet_tile(img, kSide, "ISTD " + base + " + mask", m8)};
        for (const auto& method : kShadowMethods) {
            const auto t0 = std::chrono::steady_clock::now();
            const cv::Mat out = shadow_method(method, img, m8);
            real[method].secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            real[method].add(out, gt, m8, band);
            adjusted[method].add(out, gt_adj, m8, band);
            if (method != "input") row.push_back(sheet_tile(out, kSide, method));
        }
        row.push_back(sheet_tile(gt, kSide, "ground truth"));
        sheet_rows.push_back(row);
    }
    print_shadow_table(real,
                       "Shadow removal, ISTD (shadow_free_original as ground truth; mask as given, default grow)");
    print_shadow_table(adjusted,
                       "Shadow removal, ISTD, against the colour-adjusted ground truth (ISTD+ style: "
                       "per-channel linear fit of the truth to the photo on lit pixels)");

    if (sheet_dir != nullptr && !sheet_rows.empty()) {
        std::vector<cv::Mat> lines;
        int width = 0;
        for (auto& row : sheet_rows) {
            cv::Mat line;
            cv::hconcat(row, line);
            width = std::max(width, line.cols);
            lines.push_back(line);
        }
        for (auto& line : lines) {
            if (line.cols < width)
                cv::copyMakeBorder(line, line, 0, 0, 0, width - line.cols, cv::BORDER_CONSTANT, cv::Scalar::all(255));
        }
        cv::Mat sheet;
        cv::vconcat(lines, sheet);
        const fs::path out = *sheet_dir / "shadow-contact-sheet.png";
        cv::imwrite(out.string(), sheet, {cv::IMWRITE_PNG_COMPRESSION, 9});
        std::printf("\ncontact sheet: %s (%d x %d)\n", out.c_str(), sheet.cols, sheet.rows);
    }
}

}  // namespace restora::bench
