// restora-bench-shadow: shadow removal on an independent synthetic set over held-out photos.
//
//   restora-bench-shadow [--data DIR] [--limit N] [--seed S] [--methods input,relight,learned]
//                        [--sheet FILE.png]
//
// The set is written separately from the training generator (tools/prep/shadow_synth.cpp) so that
// it validates rather than repeats it: hard polygons, window slats and poles instead of blobs,
// branches and people; a linear penumbra ramp from the signed distance, its width changing across
// the image, instead of mixed Gaussian blurs; a uniform ambient tint drawn from sky, tungsten,
// foliage or neutral light, applied through the exact sRGB curve instead of a 2.2 power; one to
// three occluders; and the mask a person draws with a lasso (a coarse polygon around the shadow,
// sometimes its convex hull) instead of a wobbling brush margin. Photos: DATA/denoise/Kodak24 and
// DATA/denoise/CBSD68 (read-only, never trained on), area-scaled so the short side is 256 px and
// centre-cropped to 256x256. Every method gets the same lasso mask and the operation's defaults.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/image_io.h"
#include "restora/core/metrics.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

double uni(std::mt19937& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

// One occluder's silhouette (0/255) on a canvas of `size`.
void draw_occluder(cv::Mat& o, std::mt19937& rng) {
    const double w = o.cols, h = o.rows;
    const int kind = static_cast<int>(uni(rng, 0, 4));
    const cv::Point2d c(uni(rng, 0.15, 0.85) * w, uni(rng, 0.15, 0.85) * h);
    if (kind == 0) {  // a convex polygon: a box, a sign, a roof edge
        std::vector<cv::Point> pts, hull;
        const double r = uni(rng, 0.15, 0.45) * w;
        const int n = 4 + static_cast<int>(uni(rng, 0, 6));
        for (int i = 0; i < n; ++i) pts.emplace_back(cvRound(c.x + uni(rng, -r, r)), cvRound(c.y + uni(rng, -r, r)));
        cv::convexHull(pts, hull);
        cv::fillConvexPoly(o, hull, cv::Scalar(255), cv::LINE_AA);
    } else if (kind == 1) {  // slats: blinds, a fence, a pergola
        const double angle = uni(rng, 0, CV_PI);
        const cv::Point2d d(std::cos(angle), std::sin(angle)), n(-std::sin(angle), std::cos(angle));
        const int bars = 2 + static_cast<int>(uni(rng, 0, 4));
        const double pitch = uni(rng, 0.08, 0.2) * w, thick = pitch * uni(rng, 0.3, 0.7);
        const double len = uni(rng, 0.5, 1.5) * w;
        for (int b = 0; b < bars; ++b) {
            const cv::Point2d m = c + n * ((b - bars / 2.0) * pitch);
            const cv::Point2d a = m - d * (len / 2), e = m + d * (len / 2);
            const cv::Point2d t = n * (thick / 2);
            const std::vector<cv::Point> q = {a - t, e - t, e + t, a + t};
            cv::fillConvexPoly(o, q, cv::Scalar(255), cv::LINE_AA);
        }
    } else if (kind == 2) {  // a pole or a beam crossing the picture
        const double angle = uni(rng, 0, CV_PI);
        const cv::Point2d d(std::cos(angle), std::sin(angle)), n(-std::sin(angle), std::cos(angle));
        const cv::Point2d t = n * (uni(rng, 0.04, 0.14) * w / 2);
        const cv::Point2d a = c - d * (2.0 * w), e = c + d * (2.0 * w);
        const std::vector<cv::Point> q = {a - t, e - t, e + t, a + t};
        cv::fillConvexPoly(o, q, cv::Scalar(255), cv::LINE_AA);
    } else {  // a star-shaped (non-convex) polygon: a plant, a lamp, a sculpture
        std::vector<cv::Point> pts;
        const int spikes = 5 + static_cast<int>(uni(rng, 0, 5));
        const double r0 = uni(rng, 0.1, 0.3) * w, r1 = r0 * uni(rng, 0.35, 0.7), phase = uni(rng, 0, CV_PI);
        for (int i = 0; i < 2 * spikes; ++i) {
            const double t = phase + CV_PI * i / spikes, r = (i % 2 == 0 ? r0 : r1) * uni(rng, 0.85, 1.15);
            pts.emplace_back(cvRound(c.x + r * std::cos(t)), cvRound(c.y + r * std::sin(t)));
        }
        cv::fillPoly(o, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255), cv::LINE_AA);
    }
}

double srgb_to_linear(double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); }
double linear_to_srgb(double v) {
    v = std::clamp(v, 0.0, 1.0);
    return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}

struct Case {
    cv::Mat shadowed, clean, alpha, lasso;  // BGR 8-bit, BGR 8-bit, float [0,1], 0/255
    std::string light;
};

Case make_case(const cv::Mat& clean, std::mt19937& rng) {
    Case k;
    k.clean = clean;
    cv::Mat occ;
    for (int attempt = 0; attempt < 20; ++attempt) {
        occ = cv::Mat::zeros(clean.size(), CV_8U);
        const int count = 1 + static_cast<int>(uni(rng, 0, 3));
        for (int i = 0; i < count; ++i) draw_occluder(occ, rng);
        const double cover = cv::mean(occ)[0] / 255.0;
        if (cover > 0.08 && cover < 0.55) break;
    }
    // Signed distance to the occluder's edge (positive inside), a linear ramp whose width grows
    // across the picture in a random direction: sharp near the contact, soft far from it.
    const cv::Mat inside = occ > 127;
    cv::Mat din, dout;
    cv::distanceTransform(inside, din, cv::DIST_L2, 5);
    cv::distanceTransform(~inside, dout, cv::DIST_L2, 5);
    const cv::Mat sd = din - dout;
    const double w0 = uni(rng, 0.5, 3.0), w1 = uni(rng, w0, uni(rng, 0, 1) < 0.5 ? 4.0 : 16.0);
    const double angle = uni(rng, 0, 2 * CV_PI);
    k.alpha.create(clean.size(), CV_32F);
    for (int y = 0; y < clean.rows; ++y) {
        for (int x = 0; x < clean.cols; ++x) {
            const double t = 0.5 + 0.5 * ((x / double(clean.cols) - 0.5) * std::cos(angle) +
                                          (y / double(clean.rows) - 0.5) * std::sin(angle));
            const double width = w0 + (w1 - w0) * std::clamp(t, 0.0, 1.0);
            k.alpha.at<float>(y, x) = static_cast<float>(std::clamp(0.5 + sd.at<float>(y, x) / width, 0.0, 1.0));
        }
    }
    // What remains in the shadow: the ambient light, uniformly tinted (BGR factors).
    static const char* kLights[] = {"sky", "tungsten", "foliage", "neutral"};
    static const double kTint[4][3] = {{1.0, 0.85, 0.72}, {0.6, 0.8, 1.0}, {0.72, 1.0, 0.8}, {1.0, 1.0, 1.0}};
    const int li = static_cast<int>(uni(rng, 0, 4));
    k.light = kLights[li];
    const double depth = uni(rng, 0.2, 0.6);
    k.shadowed.create(clean.size(), CV_8UC3);
    for (int y = 0; y < clean.rows; ++y) {
        for (int x = 0; x < clean.cols; ++x) {
            const float a = k.alpha.at<float>(y, x);
            const cv::Vec3b& p = clean.at<cv::Vec3b>(y, x);
            cv::Vec3b& q = k.shadowed.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c) {
                const double f = 1 - a * (1 - depth * kTint[li][c]);
                q[c] = cv::saturate_cast<uint8_t>(255.0 * linear_to_srgb(srgb_to_linear(p[c] / 255.0) * f));
            }
        }
    }
    // The lasso: a coarse polygon around the visible shadow plus a margin; a third of the time
    // just the convex hull of it (the quickest possible selection).
    cv::Mat visible = k.alpha > 0.03F;
    const int margin = 2 + static_cast<int>(uni(rng, 0, 12));
    cv::Mat grown;
    cv::dilate(visible, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * margin + 1, 2 * margin + 1}));
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(grown, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    k.lasso = cv::Mat::zeros(clean.size(), CV_8U);
    const bool hull = uni(rng, 0, 1) < 0.33;
    for (const auto& c : contours) {
        std::vector<cv::Point> poly;
        if (hull) {
            cv::convexHull(c, poly);
        } else {
            cv::approxPolyDP(c, poly, uni(rng, 2.0, 6.0), true);
        }
        cv::fillPoly(k.lasso, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255));
    }
    k.lasso.setTo(255, visible);  // a lasso never leaves out a part of the shadow it was drawn around
    return k;
}

cv::Mat square_crop(const cv::Mat& img, int side) {
    const double s = double(side) / std::min(img.cols, img.rows);
    cv::Mat r;
    cv::resize(img, r, cv::Size(std::max(side, cvRound(img.cols * s)), std::max(side, cvRound(img.rows * s))), 0, 0,
               cv::INTER_AREA);
    return r(cv::Rect((r.cols - side) / 2, (r.rows - side) / 2, side, side)).clone();
}

double lab_rmse(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
    auto lab = [](const cv::Mat& m) {
        cv::Mat f, l;
        m.convertTo(f, CV_32F, 1.0 / 255.0);
        cv::cvtColor(f, l, cv::COLOR_BGR2Lab);
        return l;
    };
    const double n = 3.0 * std::max(1, cv::countNonZero(where));
    return std::sqrt(cv::norm(lab(a), lab(b), cv::NORM_L2SQR, where) / n);
}

cv::Mat tile(const cv::Mat& img, const std::string& caption, const cv::Mat& outline = {}) {
    cv::Mat t;
    cv::resize(img, t, {160, 160}, 0, 0, cv::INTER_AREA);
    if (!outline.empty()) {
        cv::Mat m;
        cv::resize(outline, m, t.size(), 0, 0, cv::INTER_NEAREST);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(m, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
        cv::drawContours(t, contours, -1, cv::Scalar(0, 0, 255), 1);
    }
    cv::putText(t, caption, {4, 152}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(t, caption, {4, 152}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return t;
}

struct Score {
    double psnr_in = 0, psnr_all = 0, lab_in = 0, secs = 0;
    int n = 0;
};

}  // namespace

int main(int argc, char** argv) {
    fs::path data = "../shared/data/bench";
    fs::path sheet;
    size_t limit = 0;
    unsigned seed = 4242;
    std::vector<std::string> methods = {"input", "relight", "learned"};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--data" && i + 1 < argc) {
            data = argv[++i];
        } else if (a == "--sheet" && i + 1 < argc) {
            sheet = argv[++i];
        } else if (a == "--limit" && i + 1 < argc) {
            limit = static_cast<size_t>(std::atoi(argv[++i]));
        } else if (a == "--seed" && i + 1 < argc) {
            seed = static_cast<unsigned>(std::atoi(argv[++i]));
        } else if (a == "--methods" && i + 1 < argc) {
            methods.clear();
            std::stringstream list(argv[++i]);
            for (std::string m; std::getline(list, m, ',');) methods.push_back(m);
        } else {
            std::fprintf(stderr,
                         "usage: restora-bench-shadow [--data DIR] [--limit N] [--seed S] [--methods LIST] "
                         "[--sheet FILE.png]\n");
            return 2;
        }
    }
    std::vector<fs::path> photos;
    for (const char* set : {"denoise/Kodak24", "denoise/CBSD68"}) {
        std::vector<fs::path> v;
        if (!fs::is_directory(data / set)) continue;
        for (const auto& e : fs::directory_iterator(data / set))
            if (e.is_regular_file() && format_from_extension(e.path()) != ImageFormat::Unknown) v.push_back(e.path());
        std::sort(v.begin(), v.end());
        photos.insert(photos.end(), v.begin(), v.end());
    }
    if (photos.empty()) {
        std::fprintf(stderr, "no photos under %s/denoise (pass --data)\n", data.c_str());
        return 3;
    }
    if (limit > 0 && photos.size() > limit) photos.resize(limit);
    configure_threads();
    const Operation& op = Registry::instance().get("remove-shadow");
    std::mt19937 rng(seed);
    std::map<std::string, Score> scores;
    std::map<std::string, std::map<std::string, Score>> by_light;
    std::vector<cv::Mat> rows;
    for (size_t i = 0; i < photos.size(); ++i) {
        const Case k = make_case(square_crop(load_image(photos[i]).pixels, 256), rng);
        const cv::Mat in_shadow = k.alpha > 0.5F;
        std::vector<cv::Mat> row = {tile(k.shadowed, "input + lasso", k.lasso)};
        for (const auto& m : methods) {
            const auto t0 = std::chrono::steady_clock::now();
            cv::Mat out = k.shadowed.clone();
            if (m != "input") {
                OpContext ctx;
                out = op.run(k.shadowed, k.lasso, op.resolve({{"model", m}}), ctx).pixels;
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            for (Score* s : {&scores[m], &by_light[k.light][m]}) {
                s->psnr_in += psnr(out, k.clean, in_shadow);
                s->psnr_all += psnr(out, k.clean);
                s->lab_in += lab_rmse(out, k.clean, in_shadow);
                s->secs += secs;
                ++s->n;
            }
            if (m != "input") row.push_back(tile(out, m));
        }
        row.push_back(tile(k.clean, "ground truth"));
        if (i % 6 == 0 && rows.size() < 6) {
            cv::Mat line;
            cv::hconcat(row, line);
            rows.push_back(line);
        }
    }
    std::printf("\n### Shadow removal, independent set (%zu photos of Kodak24+CBSD68, 256x256, seed %u)\n\n",
                photos.size(), seed);
    std::printf("| method | PSNR shadow (dB) | PSNR all (dB) | LAB RMSE shadow | seconds | images |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const auto& m : methods) {
        const Score& s = scores[m];
        std::printf("| %s | %.2f | %.2f | %.2f | %.1f | %d |\n", m.c_str(), s.psnr_in / s.n, s.psnr_all / s.n,
                    s.lab_in / s.n, s.secs, s.n);
    }
    std::printf("\nPSNR in the shadow by ambient light:\n\n| light | images |");
    for (const auto& m : methods) std::printf(" %s |", m.c_str());
    std::printf("\n|---|---|");
    for (size_t m = 0; m < methods.size(); ++m) std::printf("---|");
    std::printf("\n");
    for (const auto& [light, per] : by_light) {
        std::printf("| %s | %d |", light.c_str(), per.begin()->second.n);
        for (const auto& m : methods) std::printf(" %.2f |", per.at(m).psnr_in / per.at(m).n);
        std::printf("\n");
    }
    if (!sheet.empty() && !rows.empty()) {
        cv::Mat out;
        cv::vconcat(rows, out);
        if (!cv::imwrite(sheet.string(), out)) {
            std::fprintf(stderr, "cannot write %s\n", sheet.c_str());
            return 1;
        }
        std::printf("\ncontact sheet: %s (%d x %d)\n", sheet.c_str(), out.cols, out.rows);
    }
    return 0;
}
