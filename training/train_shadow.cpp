// restora-train --task shadow: fine-tunes the shadow-removal network (shadow_net.h) on the
// synthetic shadow sets made by `restora-prep --kind shadow`, starting from the inpainting
// network's weights. Losses: L1 and image-gradient L1 inside the painted mask and, weighted up,
// on the band where the true shadow matte changes (the penumbra and its surroundings). Adam with
// a cosine schedule over the time budget, checkpoints with resume, a CSV log and a held-out
// evaluation every --eval-every steps.
//   restora-train --task shadow --train SET[,SET..] --eval SET --out DIR [--init INPAINT.rsw]
//                 [--minutes M | --steps N] [--batch B] [--crop C] [--lr LR] [--seed S]
//                 [--threads T] [--device D] [--resume] [--eval-every K] [--eval-count N]
// --eval-count N evaluates on the first N held-out crops only (all by default; the final pass
// always uses all of them).
// A SET is a path prefix: SET-shadow.shard, SET-clean.shard and SET-mask.shard.
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

#include "restora/models/shadow_net.h"
#include "restora/models/torch_model.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

struct ShadowData {
    Shard shadow, clean, mask;
    void append(const std::string& prefix) {
        Shard s = read_shard(prefix + "-shadow.shard");
        Shard c = read_shard(prefix + "-clean.shard");
        Shard m = read_shard(prefix + "-mask.shard");
        if (s.n != c.n || s.n != m.n || s.h != c.h || s.h != m.h) {
            throw std::runtime_error(prefix + ": the three shards do not match");
        }
        if (shadow.n == 0) {
            shadow = std::move(s);
            clean = std::move(c);
            mask = std::move(m);
            return;
        }
        if (s.h != shadow.h || s.w != shadow.w) throw std::runtime_error(prefix + ": another crop size");
        const std::pair<Shard*, Shard*> parts[] = {{&shadow, &s}, {&clean, &c}, {&mask, &m}};
        for (auto [dst, src] : parts) {
            dst->pixels.insert(dst->pixels.end(), src->pixels.begin(), src->pixels.end());
            dst->n += src->n;
        }
    }
};

struct Batch {
    torch::Tensor shadow, clean;  // [B,3,S,S] in [0,1]
    torch::Tensor mask;           // [B,1,S,S] painted mask, 0/1
    torch::Tensor matte;          // [B,1,S,S] true shadow matte in [0,1]
};

torch::Tensor crops(const Shard& s, const std::vector<int>& idx, int x, int y, int side) {
    return training::shard_crops(s, idx).narrow(2, y, side).narrow(3, x, side);
}

Batch make_batch(const ShadowData& d, const std::vector<int>& idx, int side, std::mt19937& rng, bool augment,
                 torch::Device dev) {
    const int x = augment ? static_cast<int>(rng() % static_cast<unsigned>(d.shadow.w - side + 1)) : 0;
    const int y = augment ? static_cast<int>(rng() % static_cast<unsigned>(d.shadow.h - side + 1)) : 0;
    torch::Tensor s = crops(d.shadow, idx, x, y, side);
    torch::Tensor c = crops(d.clean, idx, x, y, side);
    torch::Tensor m = crops(d.mask, idx, x, y, side);
    if (augment) {
        for (int dim : {2, 3}) {
            if (rng() & 1U) {
                s = s.flip({dim});
                c = c.flip({dim});
                m = m.flip({dim});
            }
        }
    }
    return {s.to(dev), c.to(dev), (m.narrow(1, 0, 1) > 0.5).to(torch::kFloat32).to(dev), m.narrow(1, 1, 1).to(dev)};
}

// Where the true shadow matte changes within 4 px: the penumbra and the pixels just beside it.
torch::Tensor boundary_band(const torch::Tensor& matte) {
    namespace F = torch::nn::functional;
    const auto pool = F::MaxPool2dFuncOptions(9).stride(1).padding(4);
    const torch::Tensor hi = F::max_pool2d(matte, pool);
    const torch::Tensor lo = -F::max_pool2d(-matte, pool);
    return ((hi - lo) > 0.1).to(torch::kFloat32);
}

struct Losses {
    torch::Tensor total, inside, band;
};

torch::Tensor masked_l1_grad(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& w) {
    auto dx = [](const torch::Tensor& t) { return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1); };
    auto dy = [](const torch::Tensor& t) { return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1); };
    const torch::Tensor w3 = w.expand_as(x);
    const torch::Tensor l1 = ((y - x).abs() * w3).sum() / (w3.sum() + 1);
    const torch::Tensor wx = w3.narrow(3, 1, w3.size(3) - 1), wy = w3.narrow(2, 1, w3.size(2) - 1);
    const torch::Tensor gx = ((dx(y) - dx(x)).abs() * wx).sum() / (wx.sum() + 1);
    const torch::Tensor gy = ((dy(y) - dy(x)).abs() * wy).sum() / (wy.sum() + 1);
    return l1 + 0.5 * (gx + gy);
}

Losses losses(const torch::Tensor& y, const Batch& b) {
    const torch::Tensor inside = masked_l1_grad(y, b.clean, b.mask);
    const torch::Tensor band = masked_l1_grad(y, b.clean, boundary_band(b.matte));
    return {inside + band, inside, band};
}

struct EvalResult {
    double psnr_shadow = 0;  // inside the true shadow (matte > 0.5)
    double psnr_band = 0;    // on the boundary band
    double psnr_input = 0;   // the untouched input inside the shadow, for reference
};

double psnr_in(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& w) {
    const torch::Tensor w3 = w.expand_as(x);
    const double mse = (((y - x).pow(2) * w3).sum() / (w3.sum() + 1e-6)).item<double>();
    return 10.0 * std::log10(1.0 / std::max(mse, 1e-10));
}

EvalResult evaluate(ShadowNet& net, const ShadowData& eval, int count, torch::Device dev) {
    torch::NoGradGuard ng;
    net->eval();
    EvalResult r;
    std::mt19937 unused(0);
    int n = 0;
    const int total = count > 0 ? std::min(count, eval.shadow.n) : eval.shadow.n;
    for (int start = 0; start < total; start += 4) {
        const std::vector<int> idx = training::index_range(start, std::min(total, start + 4));
        const Batch b = make_batch(eval, idx, eval.shadow.h, unused, false, dev);
        const torch::Tensor y = net->forward(b.shadow, b.mask);
        const torch::Tensor band = boundary_band(b.matte);
        for (int i = 0; i < static_cast<int>(idx.size()); ++i) {
            const torch::Tensor in_shadow = (b.matte[i] > 0.5).to(torch::kFloat32);
            r.psnr_shadow += psnr_in(y[i], b.clean[i], in_shadow);
            r.psnr_band += psnr_in(y[i], b.clean[i], band[i]);
            r.psnr_input += psnr_in(b.shadow[i], b.clean[i], in_shadow);
            ++n;
        }
    }
    net->train();
    r.psnr_shadow /= std::max(1, n);
    r.psnr_band /= std::max(1, n);
    r.psnr_input /= std::max(1, n);
    return r;
}

}  // namespace

int train_shadow_main(int argc, char** argv) {
    std::string train_list, eval_set, out_dir = "train-shadow", device = "auto", init;
    double minutes = 0, lr0 = 5e-4;
    long steps = 0;
    int batch = 8, seed = 1, eval_every = 100, crop = 64, threads = 0, eval_count = 0;
    bool resume = false;
    training::Args args("restora-train --task shadow",
                        "Fine-tunes the shadow-removal network on restora-prep --kind shadow sets "
                        "(a SET is a prefix: SET-shadow.shard, SET-clean.shard, SET-mask.shard).");
    args.option("--train", &train_list, "SET[,SET..]", "training sets")
        .option("--eval", &eval_set, "SET", "held-out set")
        .option("--out", &out_dir, "DIR", "checkpoints, step.txt and log.csv")
        .option("--init", &init, "W.rsw", "start from the inpainting network's weights")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "crops per step")
        .option("--crop", &crop, "C", "training crop side, a multiple of 4")
        .option("--lr", &lr0, "LR", "peak learning rate (cosine decay to a tenth)")
        .option("--seed", &seed, "S", "random seed")
        .option("--threads", &threads, "T", "CPU threads (0: the default)")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--eval-every", &eval_every, "K", "steps between evaluations")
        .option("--eval-count", &eval_count, "N",
                "evaluate on the first N held-out crops (0: all; the final pass uses all)")
        .flag("--resume", &resume, "continue from DIR's checkpoint");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (train_list.empty() || eval_set.empty() || (minutes <= 0 && steps <= 0) || crop % 4 != 0) {
        return args.fail("--train, --eval and --minutes or --steps are required; --crop a multiple of 4");
    }
    try {
        configure_threads(threads);
        torch::manual_seed(seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const torch::Device dev = to_torch_device(parse_device(device));
        ShadowData train;
        for (const auto& p : training::split_list(train_list)) train.append(p);
        ShadowData eval;
        eval.append(eval_set);
        if (crop > train.shadow.h) throw std::runtime_error("--crop is larger than the training crops");
        fs::create_directories(out_dir);
        ShadowNet net(32, 4);
        long step = 0;
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        if (resume && fs::exists(ckpt)) {
            net = load_shadow_net(ckpt, torch::kCPU);
            std::ifstream(fs::path(out_dir) / "step.txt") >> step;
            std::printf("resumed at step %ld\n", step);
        } else if (!init.empty()) {
            InpaintNet inpaint = load_inpaint_net(init, torch::kCPU);
            const int copied = net->init_from_inpaint(inpaint);
            std::printf("initialised %d tensors from %s\n", copied, init.c_str());
        }
        net->to(dev);
        net->train();
        int64_t params = 0;
        for (const auto& p : net->parameters()) params += p.numel();
        std::printf(
            "shadow net: %lld parameters, %d training crops of %d (trained at %d), %d eval crops of %d, "
            "device %s, %d threads\n",
            static_cast<long long>(params), train.shadow.n, train.shadow.h, crop, eval.shadow.n, eval.shadow.h,
            dev.str().c_str(), torch::get_num_threads());
        std::fflush(stdout);
        torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr0).betas({0.9, 0.99}));
        const bool new_log = !fs::exists(fs::path(out_dir) / "log.csv");
        std::ofstream log(fs::path(out_dir) / "log.csv", std::ios::app);
        if (new_log) log << "step,seconds,lr,loss,inside,band,eval_psnr_shadow,eval_psnr_band,eval_psnr_input_shadow\n";
        const auto t0 = std::chrono::steady_clock::now();
        const long first = step;
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        auto save = [&] {
            const std::map<std::string, std::string> meta = {{"steps", std::to_string(step)},
                                                             {"crop", std::to_string(crop)}};
            save_shadow_net(net, ckpt, meta);
            save_shadow_net(net, fs::path(out_dir) / "checkpoint-f16.rsw", meta, true);
            std::ofstream(fs::path(out_dir) / "step.txt") << step;
        };
        if (step == 0) {
            const EvalResult e = evaluate(net, eval, eval_count, dev);
            log << 0 << "," << 0 << "," << lr0 << ",,,," << e.psnr_shadow << "," << e.psnr_band << "," << e.psnr_input
                << "\n";
            log.flush();
            std::printf("step 0  eval PSNR in shadow %.2f dB, band %.2f dB (input %.2f dB)\n", e.psnr_shadow,
                        e.psnr_band, e.psnr_input);
            std::fflush(stdout);
        }
        while (true) {
            const double progress = minutes > 0 ? elapsed() / (minutes * 60) : double(step - first) / steps;
            if (progress >= 1.0) break;
            const double lr = lr0 * (0.1 + 0.9 * 0.5 * (1 + std::cos(3.14159265 * progress)));
            training::set_learning_rate(opt, lr);
            const Batch b = make_batch(train, training::random_indices(train.shadow, batch, rng), crop, rng, true, dev);
            const torch::Tensor y = net->forward(b.shadow, b.mask);
            const Losses l = losses(y, b);
            opt.zero_grad();
            l.total.backward();
            opt.step();
            ++step;
            if (step % eval_every == 0) {
                const EvalResult e = evaluate(net, eval, eval_count, dev);
                log << step << "," << elapsed() << "," << lr << "," << l.total.item<double>() << ","
                    << l.inside.item<double>() << "," << l.band.item<double>() << "," << e.psnr_shadow << ","
                    << e.psnr_band << "," << e.psnr_input << "\n";
                log.flush();
                std::printf("step %ld  %.0f s  loss %.4f  eval PSNR in shadow %.2f dB, band %.2f dB\n", step, elapsed(),
                            l.total.item<double>(), e.psnr_shadow, e.psnr_band);
                std::fflush(stdout);
                save();
            }
        }
        const EvalResult e = evaluate(net, eval, 0, dev);
        save();
        std::printf("done: %ld steps in %.0f s (%.1f ms/step), final eval PSNR in shadow %.2f dB, band %.2f dB -> %s\n",
                    step - first, elapsed(), 1000 * elapsed() / std::max(1L, step - first), e.psnr_shadow, e.psnr_band,
                    ckpt.c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-train: %s\n", e.what());
        return 1;
    }
    return 0;
}
