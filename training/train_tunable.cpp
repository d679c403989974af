// restora-train-tunable: parametric multi-loss fine-tuning of a tunable SR network (tunable_net.h),
// libtorch only. Starts from an imported plain graph (esrgan-medium-x4) whose every convolution
// becomes a tunable convolution with two kernels: objective 0 is fidelity (L1), objective 1 is
// perception: L1 of 4x4 means (low frequencies and colour stay faithful) + 0.05 L1 + PatchGAN
// adversarial (0.01) + discriminator feature matching (0.3) + the luma amplitude spectrum (0.1). Each step draws r (20
// % exactly 0, 20 % exactly 1, else uniform), feeds p = (1-r, r) to every layer and minimises (1-r)*L_fid + r*L_perc,
// so every slider position is a trained operating point.
//   --mode dni: the Deep Network Interpolation baseline instead. The mixing maps are frozen at the
//   identity and p = (0, 1) always, so kernel set 0 stays the imported network and kernel set 1 is
//   a copy fine-tuned with the perception objective alone; the saved file blends the two linearly.
//
//   restora-train-tunable --init FILE.rsw --hr S1[,S2] --lr S1[,S2] --eval-hr E --eval-lr E
//                         --out DIR [--mode tunable|dni] [--minutes M|--steps N] [--batch B]
//                         [--patch P] [--lr-rate LR] [--seed S] [--device D] [--threads T] [--resume]
//                         [--eval-every K]
// The generator's rate decays on a cosine over --steps (or --minutes); checkpoints (weights,
// Adam moments, discriminator) every K steps, --resume continues from them.
//   restora-train-tunable --task denoise ...   the tunable photo denoiser (train_tunable_denoise.cpp)
//   restora-train-tunable --export CKPT --id ID --to FILE   (fp16 storage for shipping)
// LR shards are made from the HR shards by `restora-prep --kind sr-lr` (MATLAB-style bicubic, the
// degradation of the benchmark and of DIV2K).
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/torch_model.h"
#include "restora/models/tunable_net.h"
#include "restora/models/weight_file.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/shard.h"
#include "restora/training/tunable_common.h"

using namespace restora;
namespace fs = std::filesystem;
namespace nn = torch::nn;
using namespace restora::tunable_train;

namespace {

struct Pair {
    torch::Tensor lr, hr;
};

// Random aligned patches with flips and 90-degree turns (they commute with the symmetric
// MATLAB-style bicubic kernel, so the pairs stay exact).
Pair make_batch(const Shard& hr, const Shard& lr, int batch, int patch, int scale, std::mt19937& rng,
                torch::Device dev) {
    std::uniform_int_distribution<int> pick(0, hr.n - 1);
    std::uniform_int_distribution<int> off(0, lr.h - patch);
    std::vector<torch::Tensor> ls, hs;
    for (int i = 0; i < batch; ++i) {
        const int k = pick(rng);
        const int x = off(rng), y = off(rng);
        const torch::Tensor l = training::shard_crops(lr, {k})[0].narrow(1, y, patch).narrow(2, x, patch);
        const torch::Tensor h =
            training::shard_crops(hr, {k})[0].narrow(1, y * scale, patch * scale).narrow(2, x * scale, patch * scale);
        const unsigned a = rng();
        ls.push_back(training::dihedral(l, a).contiguous());
        hs.push_back(training::dihedral(h, a).contiguous());
    }
    return {torch::stack(ls).to(dev), torch::stack(hs).to(dev)};
}

struct EvalResult {
    double psnr0 = 0, psnr1 = 0, grad0 = 0, grad1 = 0;
};

// PSNR (RGB, 4-pixel border cropped) and gradient-energy ratio vs ground truth at r = 0 and 1.
EvalResult evaluate(TunableGraphNet& net, const torch::Tensor& lr, const torch::Tensor& hr, torch::Device dev) {
    torch::NoGradGuard ng;
    EvalResult e;
    const torch::Tensor ref = hr.narrow(2, 4, hr.size(2) - 8).narrow(3, 4, hr.size(3) - 8);
    const double g_ref = gradient_energy(ref);
    for (int corner = 0; corner < 2; ++corner) {
        const torch::Tensor p = corner == 0 ? torch::tensor({1.0F, 0.0F}) : torch::tensor({0.0F, 1.0F});
        torch::Tensor y = net->forward(lr, p.to(dev)).clamp(0, 1);
        y = y.narrow(2, 4, y.size(2) - 8).narrow(3, 4, y.size(3) - 8);
        const torch::Tensor mse = (y - ref).pow(2).mean({1, 2, 3});
        const double psnr = (10 * torch::log10(1.0 / mse.clamp_min(1e-10))).mean().item<double>();
        const double g = gradient_energy(y) / g_ref;
        (corner == 0 ? e.psnr0 : e.psnr1) = psnr;
        (corner == 0 ? e.grad0 : e.grad1) = g;
    }
    return e;
}

}  // namespace

// --export CKPT --id ID --to FILE: the shipped form of a checkpoint (fp16 storage, the given id).
int export_weights(int argc, char** argv) {
    std::string ckpt, id, to, licence = "MIT (fine-tuned by Restora from @upscalerjs/esrgan-medium, MIT)";
    std::map<std::string, std::string> extra;  // --meta KEY=VALUE
    training::Args args("restora-train-tunable --export",
                        "The shipped form of a checkpoint: fp16 storage, the given id.");
    args.option("--export", &ckpt, "CKPT", "the checkpoint")
        .option("--id", &id, "ID", "the model id")
        .option("--to", &to, "FILE", "the file to write")
        .option("--licence", &licence, "TEXT", "the licence line")
        .option(
            "--meta",
            [&](const std::string& kv) {
                const auto eq = kv.find('=');
                if (eq != std::string::npos) extra[kv.substr(0, eq)] = kv.substr(eq + 1);
            },
            "KEY=VALUE", "an extra meta line (repeatable)");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (ckpt.empty() || id.empty() || to.empty()) return args.fail("--export, --id and --to are required");
    try {
        WeightFileContents c = load_weight_file(ckpt);
        TunableGraphNet net(c, 0, ckpt);  // validates the file
        c.meta["id"] = id;
        c.meta["storage"] = "f16";
        c.meta["licence"] = licence;
        for (const auto& [k, v] : extra) c.meta[k] = v;
        const fs::path tmp = to + ".tmp";
        save_weight_file(tmp, c);
        fs::rename(tmp, to);
        int64_t n = 0;
        for (const auto& t : net->parameters()) n += t.numel();
        std::printf("wrote %s (%lld parameters)\n", to.c_str(), static_cast<long long>(n));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-train-tunable: %s\n", e.what());
        return 1;
    }
}

int train_denoise_main(int argc, char** argv);  // train_tunable_denoise.cpp

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--export") return export_weights(argc, argv);
    if (argc > 2 && std::string(argv[1]) == "--task" && std::string(argv[2]) == "denoise") {
        return train_denoise_main(argc - 2, argv + 2);
    }
    std::string init, hr_list, lr_list, eval_hr_path, eval_lr_path, out_dir = "tunable-out", device = "auto";
    std::string mode = "tunable";
    double minutes = 0, lr0 = 1e-5;
    long steps = 0;
    int batch = 8, patch = 24, seed = 1, eval_every = 100, threads = 0;
    bool resume = false;
    training::Args args("restora-train-tunable",
                        "Parametric multi-loss fine-tuning of a tunable SR network from an imported plain graph "
                        "(--task denoise first: the tunable denoiser; --export first: ship a checkpoint).");
    args.option("--init", &init, "FILE", "the imported plain network (e.g. esrgan-medium-x4.rsw)")
        .option("--hr", &hr_list, "S[,S..]", "high-resolution training shards")
        .option("--lr", &lr_list, "S[,S..]", "their low-resolution twins (restora-prep --kind sr-lr)")
        .option("--eval-hr", &eval_hr_path, "E", "held-out high-resolution shard")
        .option("--eval-lr", &eval_lr_path, "E", "its low-resolution twin")
        .option("--out", &out_dir, "DIR", "checkpoint, optimizer state and log.csv")
        .option("--mode", &mode, "tunable|dni", "tunable network or the DNI baseline")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "patches per step")
        .option("--patch", &patch, "P", "low-resolution patch side")
        .option("--lr-rate", &lr0, "LR", "the generator's peak learning rate (cosine decay)")
        .option("--seed", &seed, "S", "random seed")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--threads", &threads, "T", "CPU threads (0: the default)")
        .flag("--resume", &resume, "continue from DIR's checkpoint")
        .option("--eval-every", &eval_every, "K", "steps between evaluations and checkpoints");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (init.empty() || hr_list.empty() || lr_list.empty() || eval_hr_path.empty() || eval_lr_path.empty() ||
        (minutes <= 0 && steps <= 0) || (mode != "tunable" && mode != "dni")) {
        return args.fail(
            "--init, --hr, --lr, --eval-hr, --eval-lr, --minutes or --steps are required; --mode is "
            "tunable or dni");
    }
    try {
        configure_threads(threads);
        torch::manual_seed(seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const torch::Device dev = to_torch_device(parse_device(device));
        const Shard hr = read_shards(hr_list), lr = read_shards(lr_list);
        const Shard ehr = read_shards(eval_hr_path), elr = read_shards(eval_lr_path);
        if (hr.n != lr.n || ehr.n != elr.n || hr.h % lr.h != 0 || hr.h / lr.h != ehr.h / elr.h) {
            throw Error(ErrorKind::Usage, "HR and LR shards do not pair up");
        }
        const int scale = hr.h / lr.h;
        fs::create_directories(out_dir);
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        const fs::path log_file = fs::path(out_dir) / "log.csv";
        const bool resuming = resume && fs::exists(ckpt);
        WeightFileContents start = load_weight_file(resuming ? ckpt : fs::path(init));
        long step0 = 0;
        if (resuming && start.meta.count("steps")) step0 = std::stol(start.meta.at("steps"));
        TunableGraphNet net(start, 2, resuming ? ckpt.string() : init);
        if (net->objectives() != 2) throw Error(ErrorKind::Usage, "the network must have two objectives");
        net->to(dev);
        Discriminator disc;
        disc->to(dev);
        std::vector<torch::Tensor> gparams = net->kernel_parameters();
        if (mode == "tunable") {
            for (auto& t : net->mixing_maps()) gparams.push_back(t);
        } else {
            for (auto& t : net->mixing_maps()) t.set_requires_grad(false);
        }
        torch::optim::Adam gopt(gparams, torch::optim::AdamOptions(lr0).betas({0.9, 0.99}));
        torch::optim::Adam dopt(disc->parameters(), torch::optim::AdamOptions(1e-4).betas({0.5, 0.99}));
        if (resuming) restore_state(out_dir, gopt, dopt, disc);
        // Fixed evaluation set: the first 32 held-out crops, whole.
        std::vector<int> eidx;
        for (int i = 0; i < std::min(32, ehr.n); ++i) eidx.push_back(i);
        const torch::Tensor elr_t = training::shard_crops(elr, eidx).to(dev),
                            ehr_t = training::shard_crops(ehr, eidx).to(dev);

        std::ofstream log(log_file, std::ios::app);
        if (step0 == 0)
            log << "step,seconds,r,l1,adv,fm,freq,d_loss,eval_psnr_r0,eval_psnr_r1,eval_grad_r0,eval_grad_r1\n";
        auto save = [&](long step) {
            std::map<std::string, std::string> extra = {{"steps", std::to_string(step)},
                                                        {"training", mode == "dni" ? "dni" : "parametric multi-loss"},
                                                        {"objectives_meaning", "fidelity,perception"}};
            save_state(net, extra, out_dir, gopt, dopt, disc);
        };
        if (step0 == 0) {
            const EvalResult e = evaluate(net, elr_t, ehr_t, dev);
            std::printf("step 0: eval PSNR r=0 %.3f r=1 %.3f  grad ratio %.3f / %.3f\n", e.psnr0, e.psnr1, e.grad0,
                        e.grad1);
            log << "0,0,,,,,,," << e.psnr0 << "," << e.psnr1 << "," << e.grad0 << "," << e.grad1 << "\n";
        }
        const auto t0 = std::chrono::steady_clock::now();
        long done = step0;
        std::uniform_real_distribution<float> u(0.0F, 1.0F);
        for (long step = step0 + 1;; ++step) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if ((steps > 0 && step > steps) || (minutes > 0 && elapsed > minutes * 60)) break;
            float r = 1.0F;
            if (mode == "tunable") {
                const float c = u(rng);
                r = c < 0.2F ? 0.0F : (c < 0.4F ? 1.0F : u(rng));
            }
            // Cosine decay of the generator's rate over the run (by steps when given, else by time).
            const double frac = steps > 0 ? static_cast<double>(step) / steps : elapsed / (minutes * 60);
            training::set_learning_rate(gopt, lr0 * 0.5 * (1 + std::cos(3.14159265 * std::min(1.0, frac))));
            const Pair b = make_batch(hr, lr, batch, patch, scale, rng, dev);
            const torch::Tensor p = torch::tensor({1.0F - r, r}).to(dev);
            // Generator step.
            const torch::Tensor sr = net->forward(b.lr, p);
            const torch::Tensor l1 = (sr - b.hr).abs().mean();
            torch::Tensor loss = l1 * (1.0 - r);
            torch::Tensor adv = torch::zeros({}), fm = torch::zeros({}), freq = torch::zeros({});
            if (r > 0) {
                const AdversarialTerms at = adversarial_terms(disc, sr, b.hr);
                adv = at.adv;
                fm = at.fm;
                freq = amplitude_l1(luma(sr), luma(b.hr));
                // Low frequencies (4x4 means, colour included) stay faithful; above them texture is
                // judged by the discriminator and the luma amplitude spectrum (matching the RGB
                // spectrum without the low-pass term gave colour speckle; docs/TRAINING.md).
                const torch::Tensor low = low_pass_l1(sr, b.hr);
                const torch::Tensor perc = low + 0.05 * l1 + 0.01 * adv + 0.3 * fm + 0.1 * freq;
                loss = loss + r * perc;
            }
            gopt.zero_grad();
            loss.backward();
            gopt.step();
            const torch::Tensor d_loss = discriminator_step(disc, dopt, b.hr, sr);  // real vs this step's output
            done = step;
            const double secs = elapsed;
            if (step % 10 == 0) {
                log << step << "," << secs << "," << r << "," << l1.item<double>() << "," << adv.item<double>() << ","
                    << fm.item<double>() << "," << freq.item<double>() << "," << d_loss.item<double>();
                if (step % eval_every == 0) {
                    const EvalResult e = evaluate(net, elr_t, ehr_t, dev);
                    log << "," << e.psnr0 << "," << e.psnr1 << "," << e.grad0 << "," << e.grad1;
                    std::printf("step %ld (%.0f s): eval PSNR r=0 %.3f r=1 %.3f  grad ratio %.3f / %.3f\n", step, secs,
                                e.psnr0, e.psnr1, e.grad0, e.grad1);
                    std::fflush(stdout);
                    save(step);
                } else {
                    log << ",,,,";
                }
                log << "\n";
                log.flush();
            }
        }
        save(done);
        std::printf("saved %s\n", ckpt.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-train-tunable: %s\n", e.what());
        return 1;
    }
}
