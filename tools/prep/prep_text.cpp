// restora-prep-text: synthetic text-erasure sets for restora-train-eraser. Crops of the training
// photos (shrunk by 2, 4 and 8 as in restora-prep) get rendered text (text_render.h); each sample
// is stored as one shard "crop" of 4*S x S pixels: rows [0,S) the input with text, [S,2S) the
// clean target, [2S,3S) the mask (255 = text, grey in all three channels), [3S,4S) OpenCV Telea's
// fill of the mask (the guided eraser's classical estimate). Every --eval-every'th
// photo goes to the held-out set only (fixed seed), never to a training shard.
//   restora-prep-text --photos LIST --out DIR [--crop 128] [--train-mb 40] [--eval-every 8]
//                     [--eval-per-photo 8] [--seed 7] [--preview N]
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "photo_list.h"
#include "restora/core/image_io.h"
#include "restora/core/ops.h"
#include "restora/training/shard.h"
#include "text_render.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

void append(Shard& s, const cv::Mat& input, const cv::Mat& target, const cv::Mat& mask) {
    cv::Mat m3;
    cv::cvtColor(mask, m3, cv::COLOR_GRAY2RGB);
    const cv::Mat guide = eraser_guide(input, mask);  // the classical fill a guided eraser refines
    cv::Mat stacked;
    cv::vconcat(std::vector<cv::Mat>{input, target, m3, guide}, stacked);
    s.pixels.insert(s.pixels.end(), stacked.data, stacked.data + stacked.total() * 3);
    ++s.n;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path list;
    fs::path out = "text-shards";
    int crop = 128;
    double train_mb = 40;
    int eval_every = 8;
    int eval_per_photo = 8;
    int seed = 7;
    int preview = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--photos")
            list = next();
        else if (a == "--out")
            out = next();
        else if (a == "--crop")
            crop = std::stoi(next());
        else if (a == "--train-mb")
            train_mb = std::stod(next());
        else if (a == "--eval-every")
            eval_every = std::stoi(next());
        else if (a == "--eval-per-photo")
            eval_per_photo = std::stoi(next());
        else if (a == "--seed")
            seed = std::stoi(next());
        else if (a == "--preview")
            preview = std::stoi(next());
        else {
            std::fprintf(stderr,
                         "usage: restora-prep-text --photos LIST --out DIR [--crop N] [--train-mb M] "
                         "[--eval-every E] [--eval-per-photo K] [--seed S] [--preview N]\n");
            return 2;
        }
    }
    std::vector<fs::path> photos;
    try {
        photos = prep::read_photo_list(list);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-prep-text: %s\n", e.what());
        return 2;
    }
    const prep::TextRenderer renderer({"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation2",
                                       "/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/urw-base35"},
                                      {"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
                                       "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"});
    if (renderer.font_count() == 0) {
        std::fprintf(stderr,
                     "restora-prep-text: no fonts found (apt-get install fonts-dejavu-core fonts-liberation2)\n");
        return 1;
    }
    std::printf("%zu Latin fonts, %zu CJK fonts\n", renderer.font_count(), renderer.cjk_font_count());
    fs::create_directories(out);
    const size_t per_sample = static_cast<size_t>(crop) * crop * 3 * 4;
    const int max_train = static_cast<int>(train_mb * 1024 * 1024 / per_sample);
    int train_photos = 0;
    for (size_t p = 0; p < photos.size(); ++p) train_photos += !(eval_every > 0 && p % eval_every == 0);
    const int train_per_photo = (max_train + train_photos - 1) / std::max(1, train_photos);
    Shard train{0, 4 * crop, crop, {}};
    Shard eval{0, 4 * crop, crop, {}};
    std::mt19937 train_rng(static_cast<unsigned>(seed));
    std::mt19937 eval_rng(static_cast<unsigned>(seed) * 7919U + 1U);  // held-out set fixed by the seed alone
    std::vector<cv::Mat> previews;
    for (size_t p = 0; p < photos.size(); ++p) {
        const cv::Mat img = prep::load_rgb8(photos[p]);
        if (img.empty()) continue;
        const bool to_eval = eval_every > 0 && p % eval_every == 0;
        std::mt19937& rng = to_eval ? eval_rng : train_rng;
        Shard& target = to_eval ? eval : train;
        const int count = to_eval ? eval_per_photo : std::min(train_per_photo, max_train - train.n);
        std::vector<cv::Mat> scales;
        for (int factor : {2, 4, 8}) {
            cv::Mat small;
            cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols >= crop && small.rows >= crop) scales.push_back(small);
        }
        if (scales.empty()) continue;
        for (int k = 0; k < count; ++k) {
            const cv::Mat& small = scales[k % scales.size()];
            const int x = std::uniform_int_distribution<int>(0, small.cols - crop)(rng);
            const int y = std::uniform_int_distribution<int>(0, small.rows - crop)(rng);
            const cv::Mat clean = small(cv::Rect(x, y, crop, crop)).clone();
            prep::TextSample s = renderer.render(clean, rng);
            for (int retry = 0; retry < 20 && static_cast<size_t>(cv::countNonZero(s.mask)) < clean.total() / 100;
                 ++retry) {
                s = renderer.render(clean, rng);  // the text fell (almost) outside the crop
            }
            append(target, s.input, clean, s.mask);
            if (static_cast<int>(previews.size()) < preview) {
                cv::Mat m3, row;
                cv::cvtColor(s.mask, m3, cv::COLOR_GRAY2RGB);
                cv::hconcat(std::vector<cv::Mat>{s.input, clean, m3}, row);
                previews.push_back(row);
            }
        }
    }
    write_shard(out / "train.shard", train);
    std::printf("wrote %s: %d samples (%.1f MiB)\n", (out / "train.shard").c_str(), train.n,
                train.pixels.size() / 1048576.0);
    write_shard(out / "eval.shard", eval);
    std::printf("wrote %s: %d samples (%.1f MiB)\n", (out / "eval.shard").c_str(), eval.n,
                eval.pixels.size() / 1048576.0);
    if (!previews.empty()) {
        cv::Mat sheet;
        cv::vconcat(previews, sheet);
        cv::cvtColor(sheet, sheet, cv::COLOR_RGB2BGR);
        cv::imwrite((out / "preview.png").string(), sheet);
    }
    return 0;
}
