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

#include "crop_shards.h"
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
    prep::ShardArgs args;
    args.out = "text-shards";
    args.seed = 7;
    if (!prep::parse_shard_args(argc, argv, "restora-prep-text", args)) return 2;
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
    fs::create_directories(args.out);
    const prep::CropShards shards = prep::make_crop_shards(
        args, 4, static_cast<size_t>(args.crop) * args.crop * 3 * 4,
        [&](const cv::Mat& view, std::mt19937& rng, Shard& target, std::vector<cv::Mat>& previews) {
            const cv::Mat clean = view.clone();
            prep::TextSample s = renderer.render(clean, rng);
            for (int retry = 0; retry < 20 && static_cast<size_t>(cv::countNonZero(s.mask)) < clean.total() / 100;
                 ++retry) {
                s = renderer.render(clean, rng);  // the text fell (almost) outside the crop
            }
            append(target, s.input, clean, s.mask);
            if (static_cast<int>(previews.size()) < args.preview) {
                cv::Mat m3, row;
                cv::cvtColor(s.mask, m3, cv::COLOR_GRAY2RGB);
                cv::hconcat(std::vector<cv::Mat>{s.input, clean, m3}, row);
                previews.push_back(row);
            }
        });
    prep::write_crop_shards(args.out, shards);
    return 0;
}
