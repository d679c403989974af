// restora-bench-damage: old-photo damage detection and repair (docs/QUALITY.md, "Old-photo damage").
// Scenes come from the independent set (tools/damageset over --photos, crops of the held-out photos)
// or, for tuning, from restora-prep-damage's held-out shard (--shard). Per scene:
//   P / R        pixel precision and recall of the detected mask with a 2-px tolerance (pooled)
//   PSNR         whole scene and inside the true damage (grown by 2 px), against the photo before the
//                damage: the input, remove-damage automatic, the thin fill with the true mask (grain
//                1 and 0), OpenCV Telea with the true mask, the learned inpainting with the true mask
//   far          beyond 6 px of the true damage: PSNR of the automatic result against the input, and
//                the share of pixels left identical
//   grain        std of (x - 3x3 median) inside the true damage: fill / clean photo
//   restora-bench-damage (--photos LIST | --shard FILE) [--scenes-per-photo N] [--seed S]
//       [--sensitivity S] [--sweep] [--repair] [--learned] [--sheet FILE.jpg] [--count N]
//   restora-bench-damage --time PHOTO   detection + repair of a 12-MP scan, and Telea on the same mask
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "../damageset/independent_damage.h"
#include "../prep/photo_list.h"
#include "restora/core/engines/damage.h"
#include "restora/core/engines/inpaint.h"
#include "restora/core/image_io.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

struct Scene {
    cv::Mat input, clean, damage;  // BGR8, BGR8, U8
};

double secs(std::chrono::steady_clock::time_point a) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

double sq_err(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where, double& n) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    d.convertTo(d, CV_64F);
    d = d.mul(d);
    if (!where.empty()) d.setTo(0, where == 0);
    const cv::Scalar s = cv::sum(d);
    n = (where.empty() ? static_cast<double>(a.total()) : cv::countNonZero(where)) * a.channels();
    return s[0] + s[1] + s[2];
}

double psnr(double se, double n) { return n == 0 ? 0 : 10 * std::log10(255.0 * 255.0 / std::max(se / n, 1e-10)); }

cv::Mat grow(const cv::Mat& m, int r) {
    cv::Mat out;
    cv::dilate(m, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    return out;
}

double grain_std(const cv::Mat& bgr, const cv::Mat& where) {
    cv::Mat g, med, d;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    cv::medianBlur(g, med, 3);
    g.convertTo(g, CV_32F);
    med.convertTo(med, CV_32F);
    cv::Scalar mu, sd;
    cv::meanStdDev(g - med, mu, sd, where);
    return sd[0];
}

std::vector<Scene> independent_scenes(const fs::path& list, int per_photo, unsigned seed) {
    std::vector<Scene> out;
    std::mt19937 rng(seed);
    for (const fs::path& p : prep::read_photo_list(list)) {
        cv::Mat img = load_image(p).pixels;
        if (img.depth() == CV_16U) img.convertTo(img, CV_8U, 1.0 / 257.0);
        if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
        for (int k = 0; k < per_photo; ++k) {
            const double f = std::vector<double>{0.25, 0.2, 0.17}[k % 3];
            cv::Mat small;
            cv::resize(img, small, cv::Size(), f, f, cv::INTER_AREA);
            const int side = 512;
            if (small.cols < side || small.rows < side) continue;
            const int x = std::uniform_int_distribution<int>(0, small.cols - side)(rng);
            const int y = std::uniform_int_distribution<int>(0, small.rows - side)(rng);
            damageset::DamageScene sc = damageset::compose(small(cv::Rect(x, y, side, side)).clone(), rng);
            out.push_back({sc.input, sc.clean, sc.damage});
        }
    }
    return out;
}

std::vector<Scene> shard_scenes(const fs::path& file, int count) {
    const Shard s = read_shard(file);
    std::vector<Scene> out;
    for (int i = 0; i < std::min(count, s.n); ++i) {
        cv::Mat all(s.h, s.w, CV_8UC3, const_cast<uint8_t*>(s.pixels.data()) + static_cast<size_t>(i) * s.h * s.w * 3);
        const int side = s.w;
        Scene sc;
        cv::cvtColor(all(cv::Rect(0, 0, side, side)), sc.input, cv::COLOR_RGB2BGR);
        cv::cvtColor(all(cv::Rect(0, side, side, side)), sc.clean, cv::COLOR_RGB2BGR);
        cv::extractChannel(all(cv::Rect(0, 2 * side, side, side)), sc.damage, 0);
        sc.damage = sc.damage > 127;
        out.push_back(sc);
    }
    return out;
}

struct PR {
    double tp_p = 0, np = 0, tp_r = 0, nr = 0;
    void add(const cv::Mat& pred, const cv::Mat& truth) {
        np += cv::countNonZero(pred);
        tp_p += cv::countNonZero(pred & grow(truth, 2));
        nr += cv::countNonZero(truth);
        tp_r += cv::countNonZero(truth & grow(pred, 2));
    }
    double precision() const { return np == 0 ? 1 : tp_p / np; }
    double recall() const { return nr == 0 ? 1 : tp_r / nr; }
};

int time_12mp(const fs::path& photo) {
    cv::Mat img = load_image(photo).pixels;
    if (img.channels() == 4) cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
    cv::resize(img, img, cv::Size(4000, 3000), 0, 0, cv::INTER_AREA);
    std::mt19937 rng(2027);
    const damageset::DamageScene sc = damageset::compose(img, rng);
    configure_threads();
    const Operation& op = Registry::instance().get("remove-damage");
    OpContext ctx;
    auto t0 = std::chrono::steady_clock::now();
    const cv::Mat mask = detect_damage(sc.input, kDefaultDamageSensitivity);
    const double t_detect = secs(t0);
    t0 = std::chrono::steady_clock::now();
    const cv::Mat filled = fill_damage(sc.input, mask, 1.0);
    const double t_fill = secs(t0);
    t0 = std::chrono::steady_clock::now();
    const OpResult r = op.run(sc.input, cv::Mat(), op.resolve({}), ctx);
    const double t_op = secs(t0);
    t0 = std::chrono::steady_clock::now();
    cv::Mat telea;
    cv::inpaint(sc.input, mask, telea, 3, cv::INPAINT_TELEA);
    const double t_telea = secs(t0);
    std::printf(
        "12 MP (%dx%d, %s): mask %.2f%% of the pixels; detect %.2f s, fill %.2f s, remove-damage (auto) "
        "%.2f s; OpenCV Telea on the same mask (whole image) %.2f s; remove-damage / Telea %.2fx\n",
        img.cols, img.rows, sc.look.c_str(), 100.0 * cv::countNonZero(mask) / mask.total(), t_detect, t_fill, t_op,
        t_telea, t_op / t_telea);
    (void)filled;
    (void)r;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path photos, shard, sheet, time_photo;
    int per_photo = 6, count = 64;
    unsigned seed = 4242;
    double sensitivity = kDefaultDamageSensitivity;
    bool sweep = false, repair = false, learned = false;
    fs::path weights;  // the learned detector's weights (a trained checkpoint or the installed file)
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--photos")
            photos = next();
        else if (a == "--shard")
            shard = next();
        else if (a == "--scenes-per-photo")
            per_photo = std::stoi(next());
        else if (a == "--count")
            count = std::stoi(next());
        else if (a == "--seed")
            seed = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--sensitivity")
            sensitivity = std::stod(next());
        else if (a == "--sweep")
            sweep = true;
        else if (a == "--repair")
            repair = true;
        else if (a == "--learned")
            learned = true;
        else if (a == "--sheet")
            sheet = next();
        else if (a == "--time")
            time_photo = next();
        else if (a == "--detector-weights")
            weights = next();
        else {
            std::fprintf(stderr, "usage: restora-bench-damage (--photos LIST | --shard FILE | --time PHOTO) ...\n");
            return 2;
        }
    }
    if (!time_photo.empty()) return time_12mp(time_photo);
    const std::vector<Scene> scenes =
        !photos.empty() ? independent_scenes(photos, per_photo, seed) : shard_scenes(shard, count);
    if (scenes.empty()) {
        std::fprintf(stderr, "no scenes\n");
        return 2;
    }
    double damaged = 0;
    for (const auto& s : scenes) damaged += cv::countNonZero(s.damage) / static_cast<double>(s.damage.total());
    std::printf("%zu scenes, true damage %.2f%% of the pixels\n", scenes.size(), 100 * damaged / scenes.size());
    if (sweep) {
        for (double s : {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}) {
            PR pr;
            for (const auto& sc : scenes) pr.add(detect_damage(sc.input, s), sc.damage);
            std::printf("sensitivity %.1f: precision %.3f recall %.3f\n", s, pr.precision(), pr.recall());
            std::fflush(stdout);
        }
    }
    PR pr;
    std::vector<cv::Mat> masks;
    for (const auto& sc : scenes) {
        masks.push_back(detect_damage(sc.input, sensitivity));
        pr.add(masks.back(), sc.damage);
    }
    std::printf("classical detector, sensitivity %.2f: precision %.3f recall %.3f\n", sensitivity, pr.precision(),
                pr.recall());
    if (!weights.empty()) {
        configure_threads();
        OpContext ctx;
        std::vector<cv::Mat> probs;
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& sc : scenes) probs.push_back(damage_probability(sc.input, weights, ctx));
        const double t = secs(t0);
        for (double s : sweep ? std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
                              : std::vector<double>{sensitivity}) {
            PR lp;
            for (size_t i = 0; i < scenes.size(); ++i)
                lp.add(damage_mask_from_probability(probs[i], s), scenes[i].damage);
            std::printf("learned detector (%s), sensitivity %.2f: precision %.3f recall %.3f\n",
                        weights.filename().c_str(), s, lp.precision(), lp.recall());
        }
        std::printf("learned detector: %.2f s for %zu scenes\n", t, scenes.size());
    }
    std::vector<cv::Mat> sheet_rows;
    if (repair) {
        const Operation& op = Registry::instance().get("remove-damage");
        const bool have_learned = learned && find_model(kInpaintModelId).state == ModelState::Installed;
        configure_threads();
        const std::vector<std::string> names = {"input",
                                                "auto",
                                                "true mask, grain 1",
                                                "true mask, grain 0",
                                                "Telea, true mask",
                                                "learned inpaint, true mask"};
        const size_t methods = have_learned ? names.size() : names.size() - 1;
        std::vector<double> se_all(names.size(), 0), n_all(names.size(), 0), se_in(names.size(), 0),
            n_in(names.size(), 0), grain(names.size(), 0);
        double far_se = 0, far_n = 0, far_same = 0, far_total = 0, clean_grain = 0;
        for (size_t i = 0; i < scenes.size(); ++i) {
            const Scene& sc = scenes[i];
            const cv::Mat truth = grow(sc.damage, 1);
            OpContext ctx;
            std::vector<cv::Mat> out(names.size());
            out[0] = sc.input;
            out[1] =
                op.run(sc.input, cv::Mat(), op.resolve({{"sensitivity", std::to_string(sensitivity)}}), ctx).pixels;
            const bool none = cv::countNonZero(truth) == 0;  // an undamaged scene: the true-mask fills keep it
            for (size_t m = 2; m < out.size(); ++m) out[m] = sc.input.clone();
            if (!none) {
                out[2] = op.run(sc.input, truth, op.resolve({{"detect", "false"}}), ctx).pixels;
                out[3] = op.run(sc.input, truth, op.resolve({{"detect", "false"}, {"grain", "0"}}), ctx).pixels;
                cv::inpaint(sc.input, truth, out[4], 3, cv::INPAINT_TELEA);
            }
            if (have_learned && !none) {
                out[5] = run_inpaint(sc.input, truth, InpaintMethod::Learned, ctx,
                                     cv::Rect(0, 0, sc.input.cols, sc.input.rows))
                             .pixels;
            }
            const cv::Mat inside = grow(sc.damage, 2);
            for (size_t m = 0; m < methods; ++m) {
                double n = 0;
                se_all[m] += sq_err(out[m], sc.clean, cv::Mat(), n);
                n_all[m] += n;
                se_in[m] += sq_err(out[m], sc.clean, inside, n);
                n_in[m] += n;
                if (cv::countNonZero(sc.damage) > 0) grain[m] += grain_std(out[m], sc.damage);
            }
            if (cv::countNonZero(sc.damage) > 0) clean_grain += grain_std(sc.clean, sc.damage);
            const cv::Mat far = grow(sc.damage, 6) == 0;
            double n = 0;
            far_se += sq_err(out[1], sc.input, far, n);
            far_n += n;
            cv::Mat same;
            cv::Mat d;
            cv::absdiff(out[1], sc.input, d);
            cv::cvtColor(d, d, cv::COLOR_BGR2GRAY);
            far_same += cv::countNonZero((d == 0) & far);
            far_total += cv::countNonZero(far);
            if (!sheet.empty() && sheet_rows.size() < 6) {
                cv::Mat t3, m3, row;
                cv::cvtColor(sc.damage, t3, cv::COLOR_GRAY2BGR);
                cv::cvtColor(masks[i], m3, cv::COLOR_GRAY2BGR);
                cv::hconcat(std::vector<cv::Mat>{sc.input, t3, m3, out[1], sc.clean}, row);
                sheet_rows.push_back(row);
            }
        }
        for (size_t m = 0; m < methods; ++m) {
            std::printf("%-28s PSNR whole %.2f dB (%+.2f)  in damage %.2f dB (%+.2f)  grain %.2f\n", names[m].c_str(),
                        psnr(se_all[m], n_all[m]), psnr(se_all[m], n_all[m]) - psnr(se_all[0], n_all[0]),
                        psnr(se_in[m], n_in[m]), psnr(se_in[m], n_in[m]) - psnr(se_in[0], n_in[0]),
                        grain[m] / std::max(1e-9, clean_grain));
        }
        std::printf("beyond 6 px of the true damage (auto): PSNR vs input %.2f dB, %.4f identical\n",
                    psnr(far_se, far_n), far_same / std::max(1.0, far_total));
    }
    if (!sheet.empty() && !sheet_rows.empty()) {
        cv::Mat s;
        cv::vconcat(sheet_rows, s);
        cv::resize(s, s, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
        cv::imwrite(sheet.string(), s);
        std::printf("sheet: %s (input | true damage | detected | auto repair | clean)\n", sheet.c_str());
    }
    return 0;
}
