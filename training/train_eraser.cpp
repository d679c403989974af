// restora-train-eraser: fine-tunes the text-erasure network (eraser_net.h) on sets made by
// restora-prep-text (each shard crop: input with text / clean target / mask, stacked). libtorch
// only. Initialised from the inpainting network's weights (--init); every pass of the recurrent
// refinement is supervised (earlier passes at half weight): L1 inside the mask + gradient L1 +
// spectrum-magnitude L1. Adam (gradient norm clipped at 1, --warmup steps of linear warm-up) with
// a cosine schedule over the time budget, random sub-crops and
// flips, held-out evaluation (PSNR inside the mask and on the whole crop) every --eval-every
// steps, a CSV log, checkpoints (checkpoint.rsw + step.txt, best.rsw) and --resume.
// --guided makes a new run the guided eraser (eraser_net.h: gates between its own fill and the
// Telea fill stored as the sets' fourth part; --gate-bias is the gate's starting logit).
//   restora-train-eraser --train T.shard[,T2.shard...] --eval E.shard --out DIR [--init W.rsw]
//                        [--minutes M | --steps N] [--batch B] [--crop C] [--passes K] [--lr LR]
//                        [--seed S] [--threads T] [--device D] [--eval-every N] [--warmup W]
//                        [--guided] [--gate-bias G] [--objective l1|psnr] [--train-only P1,P2]
//                        [--no-initial-eval] [--resume]
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

#include "restora/models/engine.h"
#include "restora/models/eraser_net.h"
#include "restora/models/torch_model.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

struct Batch {
    torch::Tensor input, target, mask, guide;  // [B,3,C,C], [B,3,C,C], [B,1,C,C], [B,3,C,C] (undefined: no guide)
};

int parts_of(const Shard& s) { return s.h / s.w; }

// Samples idx as crops of side c (at a random offset when c < the stored side; whole otherwise).
Batch make_batch(const Shard& s, const std::vector<int>& idx, int c, std::mt19937& rng, bool augment,
                 torch::Device dev) {
    const int side = s.w;
    const int b = static_cast<int>(idx.size());
    const bool with_guide = parts_of(s) == 4;
    std::vector<torch::Tensor> in, tg, mk, gd;
    for (int i = 0; i < b; ++i) {
        const torch::Tensor t = training::shard_crops(s, {idx[i]})[0];  // [3,PS,S]
        const int ox = c < side ? std::uniform_int_distribution<int>(0, side - c)(rng) : 0;
        const int oy = c < side ? std::uniform_int_distribution<int>(0, side - c)(rng) : 0;
        auto part = [&](int k) { return t.narrow(1, k * side + oy, c).narrow(2, ox, c); };
        torch::Tensor x = part(0), y = part(1), m = part(2).narrow(0, 0, 1).gt(0.5).to(torch::kFloat32);
        torch::Tensor g = with_guide ? part(3) : torch::Tensor();
        if (augment && (rng() & 1U)) {
            x = x.flip({2});
            y = y.flip({2});
            m = m.flip({2});
            if (with_guide) g = g.flip({2});
        }
        in.push_back(x);
        tg.push_back(y);
        mk.push_back(m);
        if (with_guide) gd.push_back(g);
    }
    return {torch::stack(in).to(dev), torch::stack(tg).to(dev), torch::stack(mk).to(dev),
            with_guide ? torch::stack(gd).to(dev) : torch::Tensor()};
}

struct Losses {
    torch::Tensor total, l1;
};

// --objective psnr: the mean over images of ln(MSE inside the mask), i.e. (up to a constant factor)
// minus the mean PSNR in the mask that the benchmark reports. Unlike the pooled L1, it weighs every
// image alike: thin captions with small errors count as much as large boxes with big ones.
Losses psnr_loss(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& m) {
    const torch::Tensor hole = m.expand_as(x);
    const torch::Tensor se = ((y - x).pow(2) * hole).sum({1, 2, 3}) / (hole.sum({1, 2, 3}) + 1);
    const torch::Tensor l1 = ((y - x).abs() * hole).sum() / (hole.sum() + 1);
    return {torch::log(se + 1e-5).mean(), l1};
}

Losses pass_loss(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& m) {
    const torch::Tensor hole = m.expand_as(x);
    const torch::Tensor l1 = ((y - x).abs() * hole).sum() / (hole.sum() + 1);
    auto dx = [](const torch::Tensor& t) { return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1); };
    auto dy = [](const torch::Tensor& t) { return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1); };
    const torch::Tensor grad = (dx(y) - dx(x)).abs().mean() + (dy(y) - dy(x)).abs().mean();
    const torch::Tensor freq = (torch::fft::rfft2(y).abs() - torch::fft::rfft2(x).abs()).abs().mean();
    return {l1 + 0.5 * grad + 0.02 * freq, l1};
}

struct EvalResult {
    double psnr_mask = 0, psnr_all = 0, psnr_input_mask = 0, psnr_guide_mask = 0;  // guide: 0 without one
};

// Mean PSNR inside the mask and on the whole crop over the held-out set (whole crops, no augmentation).
EvalResult evaluate(EraserNet& e, const Shard& eval, torch::Device dev) {
    torch::NoGradGuard ng;
    e.net->eval();
    std::mt19937 rng(1);
    EvalResult r;
    int n = 0;
    for (int start = 0; start < eval.n; start += 16) {
        const std::vector<int> idx = training::index_range(start, std::min(eval.n, start + 16));
        const Batch b = make_batch(eval, idx, eval.w, rng, false, dev);
        const torch::Tensor y =
            eraser_forward(e, b.input, b.mask, e.guided ? b.guide : torch::Tensor()).back().clamp(0, 1);
        for (int i = 0; i < static_cast<int>(idx.size()); ++i) {
            const torch::Tensor h = b.mask[i].expand_as(b.target[i]);
            const double mse_m = (((y[i] - b.target[i]).pow(2) * h).sum() / h.sum().clamp_min(1)).item<double>();
            const double mse_i = (((b.input[i] - b.target[i]).pow(2) * h).sum() / h.sum().clamp_min(1)).item<double>();
            const double mse_a = (y[i] - b.target[i]).pow(2).mean().item<double>();
            r.psnr_mask += 10.0 * std::log10(1.0 / std::max(mse_m, 1e-10));
            r.psnr_input_mask += 10.0 * std::log10(1.0 / std::max(mse_i, 1e-10));
            r.psnr_all += 10.0 * std::log10(1.0 / std::max(mse_a, 1e-10));
            if (b.guide.defined()) {
                const double mse_g =
                    (((b.guide[i] - b.target[i]).pow(2) * h).sum() / h.sum().clamp_min(1)).item<double>();
                r.psnr_guide_mask += 10.0 * std::log10(1.0 / std::max(mse_g, 1e-10));
            }
            ++n;
        }
    }
    e.net->train();
    r.psnr_mask /= std::max(1, n);
    r.psnr_all /= std::max(1, n);
    r.psnr_input_mask /= std::max(1, n);
    r.psnr_guide_mask /= std::max(1, n);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::string train_path, eval_path, out_dir = "train-eraser-out", device = "auto", init;
    double minutes = 0, lr0 = 5e-4;
    long steps = 0;
    int batch = 4, crop = 0, passes = 2, seed = 1, eval_every = 50, threads = 0, warmup = 20;
    bool passes_given = false;
    bool resume = false, skip_first_eval = false, guided = false, psnr_objective = false;
    float gate_bias = 0.0F;
    std::string train_only;  // comma-separated parameter-name prefixes; empty: all parameters
    training::Args args("restora-train-eraser",
                        "Fine-tunes the text-erasure network on restora-prep-text sets, from the inpainting "
                        "network's weights (--init).");
    args.option("--train", &train_path, "T[,T..]", "training sets")
        .option("--eval", &eval_path, "E", "held-out set")
        .option("--out", &out_dir, "DIR", "checkpoint.rsw, best.rsw, step.txt and log.csv")
        .option("--init", &init, "W.rsw", "starting weights (inpaint-ffc-v1.rsw or an eraser); a new run needs it")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "crops per step")
        .option("--crop", &crop, "C", "training crop side (0: the sets' whole crops)")
        .option(
            "--passes",
            [&](const std::string& v) {
                passes = training::parse_int(v);
                passes_given = true;
            },
            "K", "recurrent refinement passes", std::to_string(passes))
        .option("--lr", &lr0, "LR", "peak learning rate (cosine decay)")
        .option("--seed", &seed, "S", "random seed")
        .option("--threads", &threads, "T", "CPU threads (0: the default)")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--eval-every", &eval_every, "N", "steps between evaluations")
        .option(
            "--warmup", [&](const std::string& v) { warmup = std::max(1, training::parse_int(v)); }, "W",
            "steps of linear warm-up", std::to_string(warmup))
        .flag("--guided", &guided, "a new run makes the guided eraser (gates towards the Telea fill)")
        .option("--gate-bias", &gate_bias, "G", "the guided eraser's starting gate logit")
        .option(
            "--objective", [&](const std::string& v) { psnr_objective = v == "psnr"; }, "l1|psnr", "training objective",
            "l1")
        .option("--train-only", &train_only, "P1,P2", "train only parameters with these name prefixes")
        .flag("--no-initial-eval", &skip_first_eval, "skip the evaluation of the starting weights")
        .flag("--resume", &resume, "continue from DIR's checkpoint");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (train_path.empty() || eval_path.empty() || (minutes <= 0 && steps <= 0)) {
        return args.fail("--train, --eval and --minutes or --steps are required");
    }
    try {
        configure_threads(threads);
        torch::manual_seed(seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const torch::Device dev = to_torch_device(parse_device(device));
        const Shard train = read_shards(train_path);
        const Shard eval = read_shard(eval_path);
        auto text_set = [](const Shard& s) { return s.h % s.w == 0 && (parts_of(s) == 3 || parts_of(s) == 4); };
        if (!text_set(train) || !text_set(eval)) throw std::runtime_error("not a restora-prep-text set");
        if (crop <= 0 || crop > train.w) crop = train.w;
        crop = crop / 4 * 4;
        fs::create_directories(out_dir);
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        long step = 0;
        EraserNet e;
        if (resume && fs::exists(ckpt)) {
            e = load_eraser_net(ckpt, torch::kCPU);
            std::ifstream(fs::path(out_dir) / "step.txt") >> step;
            std::printf("resumed at step %ld\n", step);
        } else if (!init.empty()) {
            e = load_eraser_net(init, torch::kCPU, EraserInit{passes, guided, gate_bias});
            if (passes_given) e.passes = passes;  // e.g. a shipped 1-pass eraser trained on with 2
            std::printf("initialised from %s%s\n", init.c_str(), e.guided ? " (guided)" : "");
        } else {
            throw std::runtime_error("--init WEIGHTS (inpaint-ffc-v1.rsw) is required for a new run");
        }
        if (e.guided && (parts_of(train) != 4 || parts_of(eval) != 4)) {
            throw std::runtime_error("the guided eraser needs sets with the Telea guide (restora-prep-text writes it)");
        }
        e.net->to(dev);
        e.net->train();
        // --train-only: the other parameters stay frozen (Adam moves every weight by about the rate,
        // whatever its gradient: fresh zero-initialised channels would perturb a pretrained body).
        std::vector<torch::Tensor> trainable;
        int64_t params = 0, trained = 0;
        for (auto& p : e.net->named_parameters()) {
            params += p.value().numel();
            bool on = train_only.empty();
            for (const auto& prefix : training::split_list(train_only)) on = on || p.key().rfind(prefix, 0) == 0;
            p.value().set_requires_grad(on);
            if (on) {
                trainable.push_back(p.value());
                trained += p.value().numel();
            }
        }
        if (trainable.empty()) throw std::runtime_error("--train-only matches no parameter");
        std::printf("training %lld of the parameters\n", static_cast<long long>(trained));
        std::printf(
            "eraser: %lld parameters, %d passes, %d training sets of %dx%d (crops %d), %d held out, "
            "device %s, %d threads\n",
            static_cast<long long>(params), e.passes, train.n, train.w, train.w, crop, eval.n, dev.str().c_str(),
            torch::get_num_threads());
        torch::optim::Adam opt(trainable, torch::optim::AdamOptions(lr0).betas({0.9, 0.99}));
        const fs::path log_path = fs::path(out_dir) / "log.csv";
        const bool new_log = !fs::exists(log_path);
        std::ofstream log(log_path, std::ios::app);
        if (new_log)
            log << "step,seconds,lr,loss,l1_last,eval_psnr_mask,eval_psnr_all,eval_psnr_mask_input,eval_psnr_mask_"
                   "guide\n";
        double best = -1;
        if (fs::exists(fs::path(out_dir) / "best.txt")) std::ifstream(fs::path(out_dir) / "best.txt") >> best;
        const auto t0 = std::chrono::steady_clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        auto report = [&](double lr, double loss, double l1) {
            const EvalResult r = evaluate(e, eval, dev);
            log << step << "," << elapsed() << "," << lr << "," << loss << "," << l1 << "," << r.psnr_mask << ","
                << r.psnr_all << "," << r.psnr_input_mask << "," << r.psnr_guide_mask << "\n";
            log.flush();
            std::printf(
                "step %ld  %.0f s  loss %.4f  held-out PSNR in mask %.2f dB, whole %.2f dB (text input %.2f dB, "
                "Telea guide %.2f dB)\n",
                step, elapsed(), loss, r.psnr_mask, r.psnr_all, r.psnr_input_mask, r.psnr_guide_mask);
            std::fflush(stdout);
            const std::map<std::string, std::string> meta = {{"steps", std::to_string(step)},
                                                             {"crop", std::to_string(crop)}};
            save_eraser_net(e, ckpt, meta);
            std::ofstream(fs::path(out_dir) / "step.txt") << step;
            if (r.psnr_mask > best) {
                best = r.psnr_mask;
                save_eraser_net(e, fs::path(out_dir) / "best.rsw", meta);
                std::ofstream(fs::path(out_dir) / "best.txt") << best << " " << step;
            }
        };
        if (step == 0 && !skip_first_eval) report(0, 0, 0);  // the initialisation, for comparison
        const long first = step;
        double loss_v = 0, l1_v = 0, lr = lr0;
        while (true) {
            const double progress = minutes > 0 ? elapsed() / (minutes * 60) : double(step - first) / steps;
            if (progress >= 1.0) break;
            // Short linear warm-up: Adam's first steps are full-size on pretrained weights.
            const double warm = std::min(1.0, static_cast<double>(step - first + 1) / warmup);
            lr = warm * lr0 * (0.05 + 0.95 * 0.5 * (1 + std::cos(3.14159265 * progress)));
            training::set_learning_rate(opt, lr);
            const Batch b = make_batch(train, training::random_indices(train, batch, rng), crop, rng, true, dev);
            const std::vector<torch::Tensor> ys =
                eraser_forward(e, b.input, b.mask, e.guided ? b.guide : torch::Tensor());
            torch::Tensor total = torch::zeros({}, b.input.options());
            Losses last;
            for (size_t k = 0; k < ys.size(); ++k) {
                last = psnr_objective ? psnr_loss(ys[k], b.target, b.mask) : pass_loss(ys[k], b.target, b.mask);
                total = total + (k + 1 == ys.size() ? 1.0 : 0.5) * last.total;
            }
            opt.zero_grad();
            total.backward();
            torch::nn::utils::clip_grad_norm_(trainable, 1.0);
            opt.step();
            ++step;
            loss_v = total.item<double>();
            l1_v = last.l1.item<double>();
            if (step % 10 == 0) {
                std::printf("  step %ld  %.1f s/step  loss %.4f\n", step, elapsed() / (step - first), loss_v);
                std::fflush(stdout);
            }
            if (step % eval_every == 0) report(lr, loss_v, l1_v);
        }
        if (step % eval_every != 0) report(lr, loss_v, l1_v);
        std::printf("done: %ld steps in %.0f s (%.2f s/step) -> %s\n", step - first, elapsed(),
                    elapsed() / std::max(1L, step - first), ckpt.c_str());
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "restora-train-eraser: %s\n", ex.what());
        return 1;
    }
    return 0;
}
