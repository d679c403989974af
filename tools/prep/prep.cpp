// restora-prep: turns redistributable photos into training shards for restora-train: uint8 RGB
// crops at several scales (each photo shrunk by 2, 4 and 8 before cropping, so the network sees
// both fine texture and scene structure). Photos listed in --holdout never enter any shard.
//   restora-prep --photos LIST --out DIR [--crop 128] [--per-scale K] [--shard-mb 24] [--eval-every 8]
//                [--factors 2,4,8] [--seed S]
// --factors picks the shrink factors (1 = the photo's own pixels, with its camera's grain and
// softness: what a denoiser meets in real photos).
// --kind sr-lr writes the bicubic low-resolution twin of a shard (prep_sr_lr below).
// --kind shadow writes shadow-removal sets instead (shadow_synth.h): each set is three shards of
// the same crops, SET-shadow.shard (shadowed), SET-clean.shard (ground truth) and SET-mask.shard
// (channel 0: the painted mask 0/255, channel 1: the true shadow matte), train-0, train-1, ...
// from --photos and one held-out set "eval" from the photos in --holdout (--eval-crop pixels,
// scales 1/4 and 1/8, --eval-per-scale crops each), all fixed by --seed.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "photo_list.h"
#include "restora/core/image_io.h"
#include "restora/core/resample.h"
#include "restora/training/shard.h"
#include "shadow_synth.h"

namespace fs = std::filesystem;
using namespace restora;

namespace {

using prep::load_rgb8;

// Three parallel shards: shadowed, clean, mask (painted, matte, 0).
struct ShadowSet {
    Shard shadow, clean, mask;
    explicit ShadowSet(int crop) : shadow{0, crop, crop, {}}, clean{0, crop, crop, {}}, mask{0, crop, crop, {}} {}
    void add(const cv::Mat& clean_rgb, std::mt19937& rng) {
        const SyntheticShadow s = synthesize_shadow(clean_rgb, rng);
        cv::Mat matte;
        s.alpha.convertTo(matte, CV_8U, 255.0);
        cv::Mat m;
        cv::merge(std::vector<cv::Mat>{s.painted, matte, cv::Mat::zeros(matte.size(), CV_8U)}, m);
        const std::pair<Shard*, const cv::Mat*> parts[] = {{&shadow, &s.shadowed}, {&clean, &clean_rgb}, {&mask, &m}};
        for (auto [shard, img] : parts) {
            const cv::Mat c = img->isContinuous() ? *img : img->clone();
            shard->pixels.insert(shard->pixels.end(), c.data, c.data + c.total() * 3);
            ++shard->n;
        }
    }
    void write(const fs::path& dir, const std::string& name) {
        if (shadow.n == 0) return;
        write_shard(dir / (name + "-shadow.shard"), shadow);
        write_shard(dir / (name + "-clean.shard"), clean);
        write_shard(dir / (name + "-mask.shard"), mask);
        std::printf("wrote %s: %d crops of %d px (3 shards of %.1f MiB)\n", (dir / name).c_str(), shadow.n, shadow.h,
                    shadow.pixels.size() / 1048576.0);
        *this = ShadowSet(shadow.h);
    }
};

int prep_shadow(const fs::path& list, const fs::path& holdout, const fs::path& out, int crop, int per_scale,
                double shard_mb, int eval_crop, int eval_per_scale, unsigned seed) {
    const std::vector<fs::path> photos = prep::read_photo_list(list);
    const std::vector<fs::path> held = holdout.empty() ? std::vector<fs::path>{} : prep::read_photo_list(holdout);
    for (const auto& h : held) {
        if (std::find(photos.begin(), photos.end(), h) != photos.end()) {
            std::fprintf(stderr, "restora-prep: %s is in both --photos and --holdout\n", h.c_str());
            return 2;
        }
    }
    fs::create_directories(out);
    std::mt19937 rng(seed);
    const int max_per_shard = static_cast<int>(shard_mb * 1024 * 1024 / (static_cast<size_t>(crop) * crop * 3));
    ShadowSet train(crop);
    int index = 0;
    for (const auto& photo : photos) {
        const cv::Mat img = load_rgb8(photo);
        if (img.empty()) continue;
        for (int factor : {2, 4, 8}) {
            cv::Mat small;
            cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols < crop || small.rows < crop) continue;
            std::uniform_int_distribution<int> ux(0, small.cols - crop), uy(0, small.rows - crop);
            for (int k = 0; k < per_scale; ++k) {
                train.add(small(cv::Rect(ux(rng), uy(rng), crop, crop)).clone(), rng);
                if (train.shadow.n == max_per_shard) train.write(out, "train-" + std::to_string(index++));
            }
        }
    }
    train.write(out, "train-" + std::to_string(index));
    // The held-out set: its own generator, so it does not change when the training list does.
    std::mt19937 eval_rng(seed + 1000);
    ShadowSet eval(eval_crop);
    for (const auto& photo : held) {
        const cv::Mat img = load_rgb8(photo);
        if (img.empty()) continue;
        for (int factor : {4, 8}) {
            cv::Mat small;
            cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols < eval_crop || small.rows < eval_crop) continue;
            std::uniform_int_distribution<int> ux(0, small.cols - eval_crop), uy(0, small.rows - eval_crop);
            for (int k = 0; k < eval_per_scale; ++k)
                eval.add(small(cv::Rect(ux(eval_rng), uy(eval_rng), eval_crop, eval_crop)).clone(), eval_rng);
        }
    }
    eval.write(out, "eval");
    return 0;
}

}  // namespace

// --kind sr-lr: the low-resolution twin of a shard of crops (--shard IN --out OUT.shard
// --scale S), made with the MATLAB-style bicubic downscale the SR benchmark uses, so the tunable
// SR trainer sees exactly the benchmark's degradation.
int prep_sr_lr(const fs::path& in, const fs::path& out, int scale) {
    if (in.empty() || out.empty() || scale < 2)
        throw std::runtime_error("--kind sr-lr needs --shard IN --out OUT --scale S");
    const Shard hr = read_shard(in);
    if (hr.h % scale != 0 || hr.w % scale != 0) throw std::runtime_error("crop size is not a multiple of the scale");
    Shard lr{hr.n, hr.h / scale, hr.w / scale, {}};
    const size_t per = static_cast<size_t>(hr.h) * hr.w * 3;
    for (int i = 0; i < hr.n; ++i) {
        const cv::Mat crop(hr.h, hr.w, CV_8UC3, const_cast<uint8_t*>(hr.pixels.data() + i * per));
        const cv::Mat small = matlab_bicubic_downscale(crop, scale);
        lr.pixels.insert(lr.pixels.end(), small.data, small.data + small.total() * 3);
    }
    write_shard(out, lr);
    std::printf("%s: %d crops of %dx%d\n", out.c_str(), lr.n, lr.w, lr.h);
    return 0;
}

int main(int argc, char** argv) {
    fs::path list;
    fs::path holdout;
    std::string kind = "plain";
    int eval_crop = 256;
    int eval_per_scale = 6;
    unsigned seed = 2026;
    fs::path out = "shards";
    int crop = 128;
    int per_scale = 8;
    double shard_mb = 24;
    int eval_every = 8;
    fs::path sr_shard;
    int sr_scale = 4;
    std::vector<int> factors = {2, 4, 8};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--photos")
            list = next();
        else if (a == "--out")
            out = next();
        else if (a == "--crop")
            crop = std::stoi(next());
        else if (a == "--per-scale")
            per_scale = std::stoi(next());
        else if (a == "--shard-mb")
            shard_mb = std::stod(next());
        else if (a == "--eval-every")
            eval_every = std::stoi(next());
        else if (a == "--kind")
            kind = next();
        else if (a == "--holdout")
            holdout = next();
        else if (a == "--eval-crop")
            eval_crop = std::stoi(next());
        else if (a == "--eval-per-scale")
            eval_per_scale = std::stoi(next());
        else if (a == "--seed")
            seed = static_cast<unsigned>(std::stoul(next()));
        else if (a == "--shard")
            sr_shard = next();
        else if (a == "--scale")
            sr_scale = std::stoi(next());
        else if (a == "--factors") {
            factors.clear();
            std::stringstream ss(next());
            for (std::string f; std::getline(ss, f, ',');) factors.push_back(std::max(1, std::stoi(f)));
        } else {
            std::fprintf(
                stderr,
                "usage: restora-prep --photos LIST --out DIR [--kind plain|shadow|sr-lr] [--crop N] [--per-scale K] "
                "[--shard-mb M] [--eval-every E] [--holdout LIST] [--eval-crop N] [--eval-per-scale K] [--seed S] "
                "[--factors F1,F2]\n");
            return 2;
        }
    }
    if (kind == "shadow") {
        try {
            return prep_shadow(list, holdout, out, crop, per_scale, shard_mb, eval_crop, eval_per_scale, seed);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "restora-prep: %s\n", e.what());
            return 2;
        }
    }
    if (kind == "sr-lr") {
        try {
            return prep_sr_lr(sr_shard, out, sr_scale);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "restora-prep: %s\n", e.what());
            return 2;
        }
    }
    if (kind != "plain") {
        std::fprintf(stderr, "restora-prep: --kind is plain, shadow or sr-lr\n");
        return 2;
    }
    std::vector<fs::path> photos;
    try {
        photos = prep::read_photo_list(list);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-prep: %s\n", e.what());
        return 2;
    }
    fs::create_directories(out);
    std::mt19937 rng(seed);
    const size_t per_crop = static_cast<size_t>(crop) * crop * 3;
    const int max_per_shard = static_cast<int>(shard_mb * 1024 * 1024 / per_crop);
    Shard train{0, crop, crop, {}};
    Shard eval{0, crop, crop, {}};
    int train_index = 0;
    auto flush = [&](Shard& s, const std::string& name) {
        if (s.n == 0) return;
        write_shard(out / name, s);
        std::printf("wrote %s: %d crops (%.1f MiB)\n", (out / name).c_str(), s.n, s.pixels.size() / 1048576.0);
        s = Shard{0, crop, crop, {}};
    };
    for (size_t p = 0; p < photos.size(); ++p) {
        const cv::Mat img = prep::load_rgb8(photos[p]);
        if (img.empty()) continue;
        const bool to_eval = eval_every > 0 && p % eval_every == 0;
        Shard& target = to_eval ? eval : train;
        for (int factor : factors) {
            cv::Mat small = img;
            if (factor > 1) cv::resize(img, small, cv::Size(), 1.0 / factor, 1.0 / factor, cv::INTER_AREA);
            if (small.cols < crop || small.rows < crop) continue;
            std::uniform_int_distribution<int> ux(0, small.cols - crop);
            std::uniform_int_distribution<int> uy(0, small.rows - crop);
            for (int k = 0; k < per_scale; ++k) {
                const cv::Mat c = small(cv::Rect(ux(rng), uy(rng), crop, crop)).clone();
                target.pixels.insert(target.pixels.end(), c.data, c.data + per_crop);
                ++target.n;
                if (!to_eval && train.n == max_per_shard)
                    flush(train, "train-" + std::to_string(train_index++) + ".shard");
            }
        }
    }
    flush(train, "train-" + std::to_string(train_index) + ".shard");
    flush(eval, "eval.shard");
    return 0;
}
