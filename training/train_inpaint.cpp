// restora-train: trains the inpainting network on shards made by restora-prep. libtorch only, so
// it runs on a GPU machine that has nothing but a CUDA libtorch. Masks are synthesised here
// (thick strokes, boxes, blobs), losses are L1 in the hole + gradient + frequency, Adam with a
// cosine schedule over the time budget, checkpoints with resume, a CSV log and an evaluation
// pass on a held-out shard with fixed masks.
//   restora-train --train S1.shard[,S2...] --eval E.shard --out DIR [--minutes M] [--steps N]
//                 [--batch B] [--lr LR] [--seed S] [--device D] [--resume] [--eval-every K]
//                 [--init W] [--masks v1|v2] [--threads T]
//   restora-train --task shadow ...   the shadow-removal network instead (train_shadow.cpp)
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "restora/models/inpaint_net.h"
#include "restora/models/torch_model.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

bool g_object_masks = false;  // --masks v2: object silhouettes too (inpaint-ffc-v2)

// An object-removal hole: a star-shaped silhouette (radius interpolated between 6-12 random
// spokes) with up to two smaller lobes attached, as a selection around a person, rock or bush
// looks. Added for inpaint-ffc-v2: holes of real use are mostly objects, not only strokes.
void object_mask(std::vector<float>& m, int s, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    const int lobes = 1 + static_cast<int>(u(rng) * 3);
    float cx = s * (0.2F + 0.6F * u(rng)), cy = s * (0.2F + 0.6F * u(rng));
    float big = s * (0.12F + 0.22F * u(rng));
    for (int lobe = 0; lobe < lobes; ++lobe) {
        const int spokes = 6 + static_cast<int>(u(rng) * 7);
        std::vector<float> radius(static_cast<size_t>(spokes));
        for (float& r : radius) r = big * (0.55F + 0.45F * u(rng));
        const float squash = 0.5F + 0.5F * u(rng);
        const bool tall = u(rng) < 0.5F;
        const int x0 = std::max(0, static_cast<int>(cx - big)), x1 = std::min(s - 1, static_cast<int>(cx + big));
        const int y0 = std::max(0, static_cast<int>(cy - big)), y1 = std::min(s - 1, static_cast<int>(cy + big));
        for (int y = y0; y <= y1; ++y) {
            for (int x = x0; x <= x1; ++x) {
                float dx = x - cx, dy = y - cy;
                if (tall)
                    dx /= squash;
                else
                    dy /= squash;
                const float a = (std::atan2(dy, dx) + 3.14159265F) / 6.2831853F * spokes;
                const int i0 = static_cast<int>(a) % spokes;
                const float t = a - std::floor(a);
                const float r =
                    (1 - t) * radius[static_cast<size_t>(i0)] + t * radius[static_cast<size_t>((i0 + 1) % spokes)];
                if (dx * dx + dy * dy <= r * r) m[static_cast<size_t>(y) * s + x] = 1.0F;
            }
        }
        // The next lobe touches this one: a head on a body, a second rock.
        const float angle = u(rng) * 6.2832F;
        cx += big * std::cos(angle);
        cy += big * std::sin(angle);
        big *= 0.4F + 0.4F * u(rng);
    }
}

// One hole mask (1 = hole) of side s until 5-50% is covered: an object silhouette (40%) or
// strokes, boxes and blobs.
std::vector<float> make_mask(int s, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    std::vector<float> m(static_cast<size_t>(s) * s, 0.0F);
    auto disc = [&](float cx, float cy, float r) {
        const int x0 = std::max(0, static_cast<int>(cx - r)), x1 = std::min(s - 1, static_cast<int>(cx + r));
        const int y0 = std::max(0, static_cast<int>(cy - r)), y1 = std::min(s - 1, static_cast<int>(cy + r));
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) m[static_cast<size_t>(y) * s + x] = 1.0F;
    };
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::fill(m.begin(), m.end(), 0.0F);
        if (g_object_masks && u(rng) < 0.4F) {
            object_mask(m, s, rng);
            double cover = 0;
            for (float v : m) cover += v;
            if (cover / m.size() >= 0.05 && cover / m.size() <= 0.5) break;
            continue;
        }
        const int strokes = 1 + static_cast<int>(u(rng) * 4);
        for (int k = 0; k < strokes; ++k) {  // LaMa-style thick random-walk strokes
            float x = u(rng) * s, y = u(rng) * s;
            const float r = s * (0.02F + 0.06F * u(rng));
            const int vertices = 3 + static_cast<int>(u(rng) * 6);
            for (int v = 0; v < vertices; ++v) {
                const float angle = u(rng) * 6.2832F;
                const float len = s * (0.1F + 0.3F * u(rng));
                const float nx = std::clamp(x + len * std::cos(angle), 0.0F, s - 1.0F);
                const float ny = std::clamp(y + len * std::sin(angle), 0.0F, s - 1.0F);
                const int steps = static_cast<int>(len / std::max(1.0F, r * 0.5F)) + 1;
                for (int t = 0; t <= steps; ++t) disc(x + (nx - x) * t / steps, y + (ny - y) * t / steps, r);
                x = nx;
                y = ny;
            }
        }
        if (u(rng) < 0.5F) {  // a box
            const int bw = static_cast<int>(s * (0.1F + 0.3F * u(rng))),
                      bh = static_cast<int>(s * (0.1F + 0.3F * u(rng)));
            const int bx = static_cast<int>(u(rng) * (s - bw)), by = static_cast<int>(u(rng) * (s - bh));
            for (int yy = by; yy < by + bh; ++yy)
                for (int xx = bx; xx < bx + bw; ++xx) m[static_cast<size_t>(yy) * s + xx] = 1.0F;
        }
        if (u(rng) < 0.5F) disc(u(rng) * s, u(rng) * s, s * (0.05F + 0.12F * u(rng)));  // a blob
        double cover = 0;
        for (float v : m) cover += v;
        cover /= m.size();
        if (cover >= 0.05 && cover <= 0.5) break;
    }
    return m;
}

struct Batch {
    torch::Tensor image;  // [B,3,S,S]
    torch::Tensor mask;   // [B,1,S,S]
};

Batch make_batch(const Shard& shard, const std::vector<int>& idx, std::mt19937& rng, bool augment, torch::Device dev) {
    const int b = static_cast<int>(idx.size());
    const int s = shard.h;
    torch::Tensor msk = torch::empty({b, 1, s, s}, torch::kFloat32);
    for (int i = 0; i < b; ++i) {
        const std::vector<float> m = make_mask(s, rng);
        std::memcpy(msk.data_ptr<float>() + static_cast<size_t>(i) * s * s, m.data(), m.size() * 4);
    }
    torch::Tensor x = training::shard_crops(shard, idx);
    if (augment && (rng() & 1U)) x = x.flip({3});
    if (augment && g_object_masks) {  // colour: per-crop gain per channel and brightness, +-10%
        std::uniform_real_distribution<float> g(0.9F, 1.1F);
        torch::Tensor gain = torch::empty({b, 3, 1, 1});
        for (int i = 0; i < b; ++i) {
            const float bright = g(rng);
            for (int c = 0; c < 3; ++c) gain[i][c][0][0] = bright * (0.95F + 0.5F * (g(rng) - 0.9F));
        }
        x = (x * gain).clamp(0, 1);
    }
    return {x.to(dev), msk.to(dev)};
}

struct Losses {
    torch::Tensor total, l1, grad, freq;
};

Losses losses(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& m) {
    const torch::Tensor hole = m.expand_as(x);
    const torch::Tensor l1 = ((y - x).abs() * hole).sum() / (hole.sum() + 1);
    auto dx = [](const torch::Tensor& t) { return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1); };
    auto dy = [](const torch::Tensor& t) { return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1); };
    const torch::Tensor grad = (dx(y) - dx(x)).abs().mean() + (dy(y) - dy(x)).abs().mean();
    const torch::Tensor freq = (torch::fft::rfft2(y).abs() - torch::fft::rfft2(x).abs()).abs().mean();
    return {l1 + 0.5 * grad + 0.02 * freq, l1, grad, freq};
}

// Mean PSNR inside the hole on the held-out shard, with masks fixed by a seed.
double evaluate(InpaintNet& net, const Shard& eval, torch::Device dev) {
    torch::NoGradGuard ng;
    net->eval();
    std::mt19937 rng(12345);
    double total = 0;
    int n = 0;
    for (int start = 0; start < eval.n; start += 16) {
        const std::vector<int> idx = training::index_range(start, std::min(eval.n, start + 16));
        const Batch b = make_batch(eval, idx, rng, false, dev);
        const torch::Tensor y = net->forward(b.image, b.mask);
        for (int i = 0; i < static_cast<int>(idx.size()); ++i) {
            const torch::Tensor h = b.mask[i].expand_as(b.image[i]);
            const double mse = (((y[i] - b.image[i]).pow(2) * h).sum() / (h.sum() + 1)).item<double>();
            total += 10.0 * std::log10(1.0 / std::max(mse, 1e-10));
            ++n;
        }
    }
    net->train();
    return total / std::max(1, n);
}

}  // namespace

int train_shadow_main(int argc, char** argv);

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[1]) == "--task") {
        const std::string task = argv[2];
        if (task == "shadow") return train_shadow_main(argc - 2, argv + 2);
        if (task != "inpaint") {
            std::fprintf(stderr, "restora-train: --task is inpaint or shadow\n");
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    std::string train_list, eval_path, out_dir = "train-out", device = "auto", init, masks = "v1";
    double minutes = 0, lr0 = 1e-3;
    long steps = 0;
    int batch = 16, seed = 1, eval_every = 200, threads = 0;
    bool resume = false;
    training::Args args("restora-train",
                        "Trains the inpainting network on restora-prep's shards "
                        "(--task shadow before the options: the shadow-removal network).");
    args.option("--train", &train_list, "S[,S..]", "training shards")
        .option("--eval", &eval_path, "E", "held-out shard")
        .option("--out", &out_dir, "DIR", "checkpoint, step.txt and log.csv")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "crops per step")
        .option("--lr", &lr0, "LR", "peak learning rate (cosine decay)")
        .option("--seed", &seed, "S", "random seed")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--eval-every", &eval_every, "K", "steps between evaluations")
        .option("--threads", &threads, "T", "CPU threads (default: all cores)")
        .option("--init", &init, "W", "start from these weights (fine-tuning; ignored with --resume)")
        .option("--masks", &masks, "v1|v2", "v2 adds object silhouettes and colour augmentation")
        .flag("--resume", &resume, "continue from DIR's checkpoint");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (train_list.empty() || eval_path.empty() || (minutes <= 0 && steps <= 0)) {
        return args.fail("--train, --eval and --minutes or --steps are required");
    }
    try {
        configure_threads(threads);
        torch::manual_seed(seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const torch::Device dev = to_torch_device(parse_device(device));
        const Shard train = read_shards(train_list);
        const Shard eval = read_shard(eval_path);
        fs::create_directories(out_dir);
        g_object_masks = masks == "v2";
        InpaintNet net(32, 4);
        long step = 0;
        if (!init.empty() && !(resume && fs::exists(fs::path(out_dir) / "checkpoint.rsw"))) {
            net = load_inpaint_net(init, torch::kCPU);
            std::printf("initialised from %s\n", init.c_str());
        }
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        if (resume && fs::exists(ckpt)) {
            net = load_inpaint_net(ckpt, torch::kCPU);
            std::ifstream(fs::path(out_dir) / "step.txt") >> step;
            net->train();
            std::printf("resumed at step %ld\n", step);
        }
        net->to(dev);
        net->train();
        int64_t params = 0;
        for (const auto& p : net->parameters()) params += p.numel();
        std::printf("inpaint net: %lld parameters, %d training crops of %dx%d, %d eval crops, device %s\n",
                    static_cast<long long>(params), train.n, train.h, train.w, eval.n, dev.str().c_str());
        torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr0).betas({0.9, 0.99}));
        const bool new_log = !fs::exists(fs::path(out_dir) / "log.csv");
        std::ofstream log(fs::path(out_dir) / "log.csv", std::ios::app);
        if (new_log) log << "step,seconds,lr,loss,l1,grad,freq,eval_psnr_hole\n";
        const auto t0 = std::chrono::steady_clock::now();
        const long first = step;
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        auto save = [&] {
            save_inpaint_net(net, ckpt, {{"steps", std::to_string(step)}, {"crop", std::to_string(train.h)}});
            std::ofstream(fs::path(out_dir) / "step.txt") << step;
        };
        while (true) {
            const double progress = minutes > 0 ? elapsed() / (minutes * 60) : double(step - first) / steps;
            if (progress >= 1.0) break;
            const double lr = lr0 * 0.5 * (1 + std::cos(3.14159265 * progress));
            training::set_learning_rate(opt, lr);
            const Batch b = make_batch(train, training::random_indices(train, batch, rng), rng, true, dev);
            const torch::Tensor y = net->forward(b.image, b.mask);
            const Losses l = losses(y, b.image, b.mask);
            opt.zero_grad();
            l.total.backward();
            opt.step();
            ++step;
            if (step % eval_every == 0) {
                const double psnr = evaluate(net, eval, dev);
                log << step << "," << elapsed() << "," << lr << "," << l.total.item<double>() << ","
                    << l.l1.item<double>() << "," << l.grad.item<double>() << "," << l.freq.item<double>() << ","
                    << psnr << "\n";
                log.flush();
                std::printf("step %ld  %.0f s  loss %.4f  eval PSNR in hole %.2f dB\n", step, elapsed(),
                            l.total.item<double>(), psnr);
                std::fflush(stdout);
                save();
            }
        }
        const double psnr = evaluate(net, eval, dev);
        save();
        std::printf("done: %ld steps in %.0f s (%.1f ms/step), final eval PSNR in hole %.2f dB -> %s\n", step - first,
                    elapsed(), 1000 * elapsed() / std::max(1L, step - first), psnr, ckpt.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-train: %s\n", e.what());
        return 1;
    }
    return 0;
}
