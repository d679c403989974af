// restora-bench-erase: text erasure quality (docs/QUALITY.md, "Text erasure"). On the held-out
// synthetic set of restora-prep-text (photos never used for training shards) and on the real
// photo in ../shared/data/bench/text (text-free ground truth + box mask, white = text), compares
// erase-text model=learned (erase-text-v3), erase-text model=inpaint (the inpainting engine on
// the same mask) and inpaint model=telea (OpenCV Telea): PSNR and SSIM inside the mask and on
// the whole image, plus the untouched input as a floor. Writes a contact sheet with --sheet.
//   restora-bench-erase --eval text-shards/eval.shard [--real DIR] [--sheet OUT.jpg] [--rows N]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/metrics.h"
#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

struct Method {
    std::string name, op;
    std::map<std::string, std::string> params;
};

const std::vector<Method> kMethods = {
    {"input (text left in)", "", {}},
    {"OpenCV Telea (inpaint model=telea)", "inpaint", {{"model", "telea"}}},
    {"inpainting engine (erase-text model=inpaint)", "erase-text", {{"model", "inpaint"}, {"detect", "false"}}},
    {"erase-text-v3 (erase-text model=learned)", "erase-text", {{"model", "learned"}, {"detect", "false"}}},
};

cv::Mat run_method(const Method& m, const cv::Mat& img, const cv::Mat& mask) {
    if (m.op.empty()) return img.clone();
    const Operation& op = Registry::instance().get(m.op);
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    return op.run(img, mask, op.resolve(m.params), ctx).pixels;
}

struct Score {
    double psnr_mask = 0, ssim_mask = 0, psnr_all = 0, ssim_all = 0, seconds = 0;
    int n = 0;
    void add(const cv::Mat& out, const cv::Mat& gt, const cv::Mat& mask, double s) {
        psnr_mask += psnr(out, gt, mask);
        ssim_mask += ssim(out, gt, mask);
        psnr_all += psnr(out, gt);
        ssim_all += ssim(out, gt);
        seconds += s;
        ++n;
    }
};

void print_table(const std::string& title, const std::vector<Score>& scores) {
    std::printf(
        "\n### %s\n\n| method | PSNR in mask (dB) | SSIM in mask | PSNR whole (dB) | SSIM whole | s/image |\n"
        "|---|---|---|---|---|---|\n",
        title.c_str());
    for (size_t i = 0; i < kMethods.size(); ++i) {
        const Score& s = scores[i];
        const double n = std::max(1, s.n);
        std::printf("| %s | %.2f | %.4f | %.2f | %.4f | %.3f |\n", kMethods[i].name.c_str(), s.psnr_mask / n,
                    s.ssim_mask / n, s.psnr_all / n, s.ssim_all / n, s.seconds / n);
    }
}

cv::Mat tile(const cv::Mat& m, int side) {
    cv::Mat t;
    const double f = static_cast<double>(side) / std::max(m.cols, m.rows);
    cv::resize(m, t, {}, f, f, f < 1 ? cv::INTER_AREA : cv::INTER_NEAREST);
    if (t.channels() == 1) cv::cvtColor(t, t, cv::COLOR_GRAY2BGR);
    cv::Mat out(side, side, CV_8UC3, cv::Scalar::all(40));
    t.copyTo(out(cv::Rect(0, 0, t.cols, t.rows)));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path eval_path, real_dir, sheet;
    int rows = 6;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--eval")
            eval_path = next();
        else if (a == "--real")
            real_dir = next();
        else if (a == "--sheet")
            sheet = next();
        else if (a == "--rows")
            rows = std::stoi(next());
        else {
            std::fprintf(stderr,
                         "usage: restora-bench-erase --eval EVAL.shard [--real DIR] [--sheet OUT.jpg] [--rows N]\n");
            return 2;
        }
    }
    try {
        std::vector<cv::Mat> sheet_rows;
        auto add_row = [&](const cv::Mat& in, const cv::Mat& mask, const std::vector<cv::Mat>& outs, const cv::Mat& gt,
                           int side) {
            std::vector<cv::Mat> cells = {tile(in, side), tile(mask, side)};
            for (size_t k = 1; k < outs.size(); ++k) cells.push_back(tile(outs[k], side));
            cells.push_back(tile(gt, side));
            cv::Mat row;
            cv::hconcat(cells, row);
            sheet_rows.push_back(row);
        };
        if (!eval_path.empty()) {
            const Shard s = read_shard(eval_path);
            const int side = s.w;
            std::vector<Score> scores(kMethods.size());
            for (int i = 0; i < s.n; ++i) {
                // 3 or 4 parts per sample (restora-prep-text: input, target, mask[, guide]).
                const cv::Mat stacked(s.h, side, CV_8UC3,
                                      const_cast<uint8_t*>(s.pixels.data()) + static_cast<size_t>(i) * s.h * side * 3);
                cv::Mat in, gt, mask;
                cv::cvtColor(stacked(cv::Rect(0, 0, side, side)), in, cv::COLOR_RGB2BGR);
                cv::cvtColor(stacked(cv::Rect(0, side, side, side)), gt, cv::COLOR_RGB2BGR);
                cv::cvtColor(stacked(cv::Rect(0, 2 * side, side, side)), mask, cv::COLOR_RGB2GRAY);
                mask = mask > 127;
                std::vector<cv::Mat> outs;
                for (size_t k = 0; k < kMethods.size(); ++k) {
                    const auto t0 = std::chrono::steady_clock::now();
                    outs.push_back(run_method(kMethods[k], in, mask));
                    scores[k].add(outs.back(), gt, mask,
                                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                }
                if (i % std::max(1, s.n / rows) == 0 && static_cast<int>(sheet_rows.size()) < rows)
                    add_row(in, mask, outs, gt, 192);
            }
            print_table("Held-out synthetic set: " + std::to_string(s.n) + " crops of " + std::to_string(side) + "x" +
                            std::to_string(side) + " (" + eval_path.filename().string() + ")",
                        scores);
        }
        if (!real_dir.empty()) {
            std::vector<Score> scores(kMethods.size());
            for (const auto& e : fs::directory_iterator(real_dir / "image")) {
                const cv::Mat in = cv::imread(e.path().string(), cv::IMREAD_COLOR);
                const cv::Mat gt = cv::imread((real_dir / "clean" / e.path().filename()).string(), cv::IMREAD_COLOR);
                cv::Mat mask =
                    cv::imread((real_dir / "mask" / e.path().stem()).string() + ".png", cv::IMREAD_GRAYSCALE);
                if (in.empty() || gt.empty() || mask.empty())
                    throw std::runtime_error("incomplete triple for " + e.path().string());
                mask = mask > 127;
                std::vector<cv::Mat> outs;
                for (size_t k = 0; k < kMethods.size(); ++k) {
                    const auto t0 = std::chrono::steady_clock::now();
                    outs.push_back(run_method(kMethods[k], in, mask));
                    scores[k].add(outs.back(), gt, mask,
                                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                }
                add_row(in, mask, outs, gt, 192);
                if (!sheet.empty()) {  // full-resolution outputs next to the sheet
                    const fs::path dir = sheet.parent_path();
                    cv::imwrite((dir / ("erase-text-real-" + e.path().stem().string() + ".jpg")).string(),
                                [&] {
                                    cv::Mat r;
                                    cv::hconcat(std::vector<cv::Mat>{in, outs[1], outs[2], outs[3]}, r);
                                    return r;
                                }(),
                                {cv::IMWRITE_JPEG_QUALITY, 88});
                }
            }
            print_table("Real photo(s): " + real_dir.string(), scores);
        }
        if (!sheet.empty() && !sheet_rows.empty()) {
            cv::Mat all;
            cv::vconcat(sheet_rows, all);
            cv::imwrite(sheet.string(), all, {cv::IMWRITE_JPEG_QUALITY, 88});
            std::printf(
                "\ncontact sheet: %s (columns: input, mask, Telea, inpainting engine, erase-text-v3, ground truth)\n",
                sheet.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-bench-erase: %s\n", e.what());
        return 1;
    }
    return 0;
}
