// restora-train-tunable --task denoise: the tunable photo denoiser (make_denoiser_graph), trained
// from scratch with parametric multi-loss optimisation over four objectives, the corners of
// Strength x Realism:
//   0 light + fidelity    L1 to the light target (clean + 0.4 * noise: a gentle touch that keeps grain)
//   1 strong + fidelity   L1 to the clean photo
//   2 light + perception  L1 of 4x4 means + 0.05 L1 + 0.01 PatchGAN adversarial + 0.3 feature matching
//                         + 0.1 luma amplitude spectrum, against the light target
//   3 strong + perception the same against the clean photo
// Each step draws S and R (20 % exactly 0, 20 % exactly 1, else uniform) and
// p = ((1-S)(1-R), S(1-R), (1-S)R, SR), and minimises sum_i p_i L_i. The mixing maps stay the
// identity (the official code's "linear" mode), so alpha = p.
// Noise is synthesised per crop on clean crops from restora-prep: signal-dependent
// Poisson-Gaussian (variance a*x + b^2) or plain Gaussian, plus low-frequency chroma noise, then
// 8-bit quantisation.
// --camera P: a share P of the crops gets realistic camera noise instead (camera_noise.h: raw Bayer
// mosaic, Poisson-Gaussian at a random ISO, demosaic, white balance, colour matrix, gamma), so the
// noise is correlated and has chroma blotches. With --objectives 8 (a network with the JPEG axis,
// denoise-tunable-v3) and no --distill, each step draws J (half the steps 0, else as --jpeg-axis)
// and compresses the step's crops at quality 95 - 65 J; --no-perception then trains the fidelity
// corners at J = 0 and J = 1 with everything else bit for bit unchanged.
// Two phases (a network from scratch learns slowly when four objectives share its steps):
// --objectives 1 pre-trains a plain denoiser (strong + fidelity only), then --objectives 4 --init
// CKPT grows it into the tunable network (every objective starts from it) and trains all four.
// Phase 3 (denoise-tunable-v2): --no-perception --fidelity mse --init CKPT re-trains only the
// fidelity corners (R = 0; the perception kernels get no gradient, and fresh Adam moments leave
// them bit-identical) with MSE, so the Realism slider starts at the PSNR optimum; then
// --perception-only --disc-warmup N --init CKPT re-trains only the perception corners against it.
//   restora-train-tunable --task denoise --train S1[,S2] --eval E --out DIR [--minutes M|--steps N]
//       [--objectives 1|4] [--init CKPT]
//       [--batch B] [--patch P] [--width W] [--depth D] [--lr-rate LR] [--seed S] [--device D]
//       [--threads T] [--resume] [--eval-every K]
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "restora/models/engine.h"
#include "restora/models/errors.h"
#include "restora/models/jpeg_axis.h"
#include "restora/models/torch_model.h"
#include "restora/models/tunable_net.h"
#include "restora/models/weight_file.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/camera_noise.h"
#include "restora/training/denoiser_graph.h"
#include "restora/training/jpeg_sim.h"
#include "restora/training/shard.h"
#include "restora/training/tunable_common.h"

using namespace restora;
using namespace restora::tunable_train;
namespace fs = std::filesystem;

namespace {

constexpr double kLightKeep = 0.4;  // share of the noise the light objective keeps

// Noisy version of clean crops x in [0,1]; rng drives the per-crop levels. With probability
// `jpeg` a crop is then JPEG-compressed (quality 30-90, jpeg_sim.h), as a camera or a web upload
// does after the sensor noise. `before_jpeg`, when given, receives the noisy crops as they were
// before the compression (identical to the result for the crops that were not compressed).
// `quality` > 0 fixes the JPEG quality (the JPEG axis's training). A share `camera` of the crops
// goes through the simulated camera (camera_noise.h) instead of the additive noise.
torch::Tensor add_noise(const torch::Tensor& x, std::mt19937& rng, float jpeg = 0.0F,
                        torch::Tensor* before_jpeg = nullptr, int quality = 0, float camera = 0.0F) {
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    const int64_t b = x.size(0);
    std::vector<torch::Tensor> out, pre;
    for (int64_t i = 0; i < b; ++i) {
        const torch::Tensor c = x[i];
        if (camera > 0 && u(rng) < camera) {
            const torch::Tensor noisy = camera_roundtrip(c, draw_camera(rng));
            pre.push_back(noisy);
            out.push_back(jpeg > 0 && u(rng) < jpeg
                              ? jpeg_roundtrip(noisy, quality > 0 ? quality : 30 + static_cast<int>(60 * u(rng)))
                              : noisy);
            continue;
        }
        torch::Tensor var;
        if (u(rng) < 0.5F) {  // Gaussian, sigma 2..55 (8-bit units)
            const float s = (2.0F + 53.0F * u(rng)) / 255.0F;
            var = torch::full_like(c, s * s);
        } else {  // Poisson-Gaussian: shot noise grows with the signal
            const float a = 0.0005F + 0.03F * u(rng) * u(rng);
            const float s = 12.0F * u(rng) / 255.0F;
            var = c * a + s * s;
        }
        torch::Tensor n = torch::randn_like(c) * var.sqrt();
        if (u(rng) < 0.5F) {  // low-frequency chroma blotches, zero mean over channels
            const float s = 0.03F * u(rng);
            torch::Tensor ch = torch::randn({1, 3, c.size(1) / 4, c.size(2) / 4}, c.options()) * s;
            ch = torch::upsample_bilinear2d(ch, {c.size(1), c.size(2)}, false)[0];
            n = n + ch - ch.mean(0, true);
        }
        torch::Tensor noisy = ((c + n).clamp(0, 1) * 255).round() / 255;
        pre.push_back(noisy);
        if (jpeg > 0 && u(rng) < jpeg)
            noisy = jpeg_roundtrip(noisy, quality > 0 ? quality : 30 + static_cast<int>(60 * u(rng)));
        out.push_back(noisy);
    }
    if (before_jpeg != nullptr) *before_jpeg = torch::stack(pre);
    return torch::stack(out);
}

torch::Tensor random_patches(const Shard& s, int batch, int patch, std::mt19937& rng) {
    std::uniform_int_distribution<int> pick(0, s.n - 1);
    std::uniform_int_distribution<int> off(0, s.h - patch);
    std::vector<torch::Tensor> v;
    for (int i = 0; i < batch; ++i) {
        const torch::Tensor c =
            training::shard_crops(s, {pick(rng)})[0].narrow(1, off(rng), patch).narrow(2, off(rng), patch);
        v.push_back(training::dihedral(c, rng()).contiguous());
    }
    return torch::stack(v);
}

torch::Tensor corners(float s, float r) { return torch::tensor({(1 - s) * (1 - r), s * (1 - r), (1 - s) * r, s * r}); }

// The JPEG axis (denoise-tunable-v3, jpeg_axis.h): eight objectives, the four corners of
// Strength x Realism at J = 0, then the same four at J = 1.
torch::Tensor corners(float s, float r, float j) {
    const torch::Tensor c = corners(s, r);
    return torch::cat({(1 - j) * c, j * c});
}

double psnr(const torch::Tensor& a, const torch::Tensor& b) {
    const torch::Tensor mse = (a - b).pow(2).mean({1, 2, 3});
    return (10 * torch::log10(1.0 / mse.clamp_min(1e-10))).mean().item<double>();
}

}  // namespace

int train_denoise_main(int argc, char** argv) {
    std::string train_list, eval_path, out_dir = "denoise-out", device = "auto", init;
    int objectives = 4;
    double minutes = 0, lr0 = 1e-3;
    long steps = 0;
    int batch = 16, patch = 64, width = 64, depth = 4, seed = 1, eval_every = 100, threads = 0;
    bool resume = false;
    bool no_perception = false;  // ablation: fidelity objectives only (R always 0)
    // --fidelity mse: the fidelity objectives as mean squared error. L1's optimum is the posterior
    // median, which zeroes faint texture it cannot tell from noise; the MSE optimum (the posterior
    // mean) is what PSNR scores, so a fidelity corner at an MSE optimum cannot gain PSNR by moving
    // towards the perception kernels (first-order), i.e. PSNR does not rise along Realism.
    bool fidelity_mse = false;
    // --perception-only: R = 1 always, so only the perception corners learn (the fidelity kernels
    // get no gradient). --disc-warmup N: the first N steps train only the (fresh) discriminator.
    bool perception_only = false;
    long disc_warmup = 0;
    float jpeg = 0.0F;    // --jpeg P: share of crops JPEG-compressed after the noise
    float camera = 0.0F;  // --camera P: share of crops with simulated camera noise
    // --distill TEACHER: JPEG robustness by self-distillation, no discriminator. At every slider
    // point p the target is the teacher's own output, folded at p, for the crop *before* its JPEG
    // compression; the loss is MSE. For the fidelity corners this has the same optimum as MSE to
    // the clean photo: E[teacher(noisy) | jpeg(noisy)] = E[clean | jpeg(noisy)] when the teacher
    // is the posterior mean E[clean | noisy] (tower property). For the perception corners it
    // keeps the teacher's texture and colour, which a fresh discriminator does not (TRAINING.md).
    // Uncompressed crops have the teacher's output as target, so plain noise stays as it was.
    // The perception share of the loss (weight R) is not MSE: MSE to a texture the JPEG input no
    // longer determines regresses to its mean and smooths the perception corners (docs/TRAINING.md).
    // It is the perception objective's own phase-blind form against the teacher: L1 of 4x4 means
    // + 0.05 L1 + W x luma amplitude spectrum L1 (--distill-amplitude W).
    std::string teacher_path;
    double distill_amplitude = 0.5;
    // --jpeg-axis: grow the --init network (four objectives) into eight along a JPEG axis J
    // (corners(s, r, j) above). Each step draws J (a quarter of the steps J = 1, else uniform) and
    // compresses every crop at quality (95 - 65 J). The first four kernel sets (J = 0) get no
    // gradient, so at J = 0 the network is the --init network bit for bit; the four J = 1 sets
    // learn JPEG against the --distill teacher (which must be the --init network).
    bool jpeg_axis = false;
    int groups = 1;   // --groups G: the JPEG axis's batch is G groups of --batch crops at their own points
    long warmup = 0;  // --warmup N: the rate rises linearly over the first N steps (fresh Adam moments)
    training::Args args("restora-train-tunable --task denoise",
                        "Parametric multi-loss training of the tunable photo denoiser (Strength x Realism, and "
                        "with --jpeg-axis a JPEG axis) on restora-prep's clean crops.");
    args.option("--train", &train_list, "S[,S..]", "training shards (clean crops)")
        .option("--eval", &eval_path, "E", "held-out shard")
        .option("--out", &out_dir, "DIR", "checkpoint, optimizer state and log.csv")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "patches per step")
        .option("--patch", &patch, "P", "patch side, even")
        .option("--width", &width, "W", "channels of a fresh network")
        .option("--depth", &depth, "D", "convolutions of a fresh network")
        .option("--lr-rate", &lr0, "LR", "peak learning rate (cosine decay)")
        .option("--seed", &seed, "S", "random seed")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--threads", &threads, "T", "CPU threads (0: the default)")
        .option("--eval-every", &eval_every, "K", "steps between evaluations and checkpoints")
        .flag("--resume", &resume, "continue from DIR's checkpoint")
        .flag("--no-perception", &no_perception, "fidelity objectives only (R = 0)")
        .option(
            "--fidelity", [&](const std::string& v) { fidelity_mse = v == "mse"; }, "l1|mse",
            "the fidelity objectives' loss", "l1")
        .flag("--perception-only", &perception_only, "R = 1 always: only the perception corners learn")
        .option("--disc-warmup", &disc_warmup, "N", "steps that train only the discriminator")
        .option("--jpeg", &jpeg, "P", "share of crops JPEG-compressed after the noise")
        .option("--camera", &camera, "P", "share of crops with simulated camera noise (raw mosaic, demosaic)")
        .option("--distill", &teacher_path, "TEACHER", "JPEG robustness by self-distillation from TEACHER")
        .option("--warmup", &warmup, "N", "steps of linear warm-up of the rate")
        .option("--distill-amplitude", &distill_amplitude, "W", "weight of the luma amplitude spectrum in distillation")
        .flag("--jpeg-axis", &jpeg_axis, "grow the --init network along a JPEG axis (needs --distill)")
        .option(
            "--groups", [&](const std::string& v) { groups = std::max(1, training::parse_int(v)); }, "G",
            "groups of crops per step on the JPEG axis", std::to_string(groups))
        .option("--objectives", &objectives, "1|4|8",
                "1: pre-train a plain denoiser; 4: the tunable network; 8: with the JPEG axis")
        .option("--init", &init, "CKPT", "starting weights");
    if (const auto status = args.parse(argc, argv)) return *status;
    if (train_list.empty() || eval_path.empty() || (minutes <= 0 && steps <= 0)) {
        return args.fail("--train, --eval and --minutes or --steps are required");
    }
    try {
        configure_threads(threads);
        torch::manual_seed(seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const torch::Device dev = to_torch_device(parse_device(device));
        const Shard train = read_shards(train_list), eval = read_shards(eval_path);
        if (patch > train.h || patch % 2 != 0) throw Error(ErrorKind::Usage, "--patch must be even and fit the crops");
        fs::create_directories(out_dir);
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        const fs::path log_file = fs::path(out_dir) / "log.csv";
        const bool resuming = resume && fs::exists(ckpt);
        if (jpeg_axis) {
            if (teacher_path.empty() || init.empty())
                throw Error(ErrorKind::Usage, "--jpeg-axis needs --init and --distill");
        }
        if (groups > 1 && !jpeg_axis) throw Error(ErrorKind::Usage, "--groups is for --jpeg-axis");
        if (jpeg_axis) {
            objectives = 8;
        }
        if (objectives != 1 && objectives != 4 && objectives != 8)
            throw Error(ErrorKind::Usage, "--objectives is 1, 4 or 8");
        const WeightFileContents start = resuming ? load_weight_file(ckpt)
                                         : !init.empty()
                                             ? load_weight_file(init)
                                             : make_denoiser_graph(width, depth, static_cast<uint64_t>(seed));
        long step0 = resuming && start.meta.count("steps") ? std::stol(start.meta.at("steps")) : 0;
        TunableGraphNet net(start, objectives, ckpt.string());
        if (net->objectives() != objectives)
            throw Error(ErrorKind::Usage, "the starting weights have another number of objectives");
        net->to(dev);
        TunableGraphNet teacher{nullptr};
        if (!teacher_path.empty()) {
            if (objectives < 4) throw Error(ErrorKind::Usage, "--distill needs --objectives 4");
            teacher = TunableGraphNet(load_weight_file(teacher_path), 4, teacher_path);
            if (teacher->objectives() != 4)
                throw Error(ErrorKind::Usage, "the --distill teacher must have four objectives");
            teacher->to(dev);
            teacher->eval();
            for (auto& t : teacher->parameters()) t.set_requires_grad(false);
        }
        Discriminator disc;
        disc->to(dev);
        // "Linear" mode of the official code: the mixing maps stay the identity (alpha = p). With
        // learned maps, Adam shrinks every layer's map at once on a freshly initialised network and
        // the residual collapses to zero and the network stays at the identity (docs/TRAINING.md).
        for (auto& t : net->mixing_maps()) t.set_requires_grad(false);
        torch::optim::Adam gopt(net->kernel_parameters(), torch::optim::AdamOptions(lr0).betas({0.9, 0.99}));
        torch::optim::Adam dopt(disc->parameters(), torch::optim::AdamOptions(1e-4).betas({0.5, 0.99}));
        if (resuming) restore_state(out_dir, gopt, dopt, disc);
        // Fixed evaluation: the first 32 held-out crops with Gaussian noise sigma 25, seeded.
        std::vector<int> eidx;
        for (int i = 0; i < std::min(32, eval.n); ++i) eidx.push_back(i);
        const torch::Tensor eclean = training::shard_crops(eval, eidx).to(dev);
        torch::manual_seed(777);
        const torch::Tensor enoisy =
            ((eclean + torch::randn_like(eclean) * (25.0 / 255)).clamp(0, 1) * 255).round() / 255;
        // The same crops with light noise (sigma 10) and JPEG quality 50: the JPEG columns.
        torch::Tensor ejpeg = ((eclean + torch::randn_like(eclean) * (10.0 / 255)).clamp(0, 1) * 255).round() / 255;
        {
            std::vector<torch::Tensor> v;
            for (int64_t i = 0; i < ejpeg.size(0); ++i) v.push_back(jpeg_roundtrip(ejpeg[i], 50));
            ejpeg = torch::stack(v);
        }
        // The same crops through the simulated camera (seeded, ISO drawn per crop): the camera columns.
        torch::Tensor ecamera;
        {
            std::mt19937 crng(778);
            std::vector<torch::Tensor> v;
            for (int64_t i = 0; i < eclean.size(0); ++i)
                v.push_back(camera_roundtrip(eclean[i].cpu(), draw_camera(crng, 0.012F)));
            ecamera = torch::stack(v).to(dev);
        }
        torch::manual_seed(seed + step0);
        // One objective (pre-training): strong fidelity only, p = (1).
        auto point = [&](float s, float r, float j = 0) {
            return objectives == 1 ? torch::ones({1}) : (objectives == 8 ? corners(s, r, j) : corners(s, r));
        };
        const auto eval_j = static_cast<float>(jpeg_axis_of(50));
        auto evaluate = [&](float s, float r, bool on_jpeg = false, bool on_camera = false) {
            torch::NoGradGuard ng;
            const torch::Tensor& in = on_camera ? ecamera : (on_jpeg ? ejpeg : enoisy);
            const torch::Tensor y = net->forward(in, point(s, r, on_jpeg ? eval_j : 0.0F).to(dev)).clamp(0, 1);
            return std::pair<double, double>(psnr(y, eclean), gradient_energy(y) / gradient_energy(eclean));
        };
        std::ofstream log(log_file, std::ios::app);
        if (step0 == 0) {
            log << "step,seconds,s,r,l1_clean,adv,fm,d_loss_or_distill_mse,eval_noisy,eval_s1r0,eval_s1r1,eval_s0r0,"
                   "grad_s1r0,grad_s1r1,"
                   "eval_s1r025,eval_s1r05,jpeg_input,jpeg_s1r0,jpeg_s1r1,jpeg_grad_s1r1,camera_input,camera_s1r0,"
                   "camera_s05r0\n";
        }
        auto save = [&](long step) {
            const std::map<std::string, std::string> extra = {
                {"steps", std::to_string(step)},
                {"training", "parametric multi-loss"},
                {"objectives_meaning", "light+fidelity,strong+fidelity,light+perception,strong+perception"},
                {"light_keep", std::to_string(kLightKeep)}};
            save_state(net, extra, out_dir, gopt, dopt, disc);
        };
        const double noisy_psnr = psnr(enoisy, eclean), jpeg_psnr = psnr(ejpeg, eclean);
        const double camera_psnr = psnr(ecamera, eclean);
        const auto t0 = std::chrono::steady_clock::now();
        std::uniform_real_distribution<float> u(0.0F, 1.0F);
        auto draw = [&] {
            const float c = u(rng);
            return c < 0.2F ? 0.0F : (c < 0.4F ? 1.0F : u(rng));
        };
        // The camera columns: input, S=1 and S=0.5 at R=0, J=0.
        auto log_camera = [&] {
            const auto full = evaluate(1, 0, false, true), half = evaluate(0.5F, 0, false, true);
            log << "," << camera_psnr << "," << full.first << "," << half.first;
            std::printf("  camera noise: input %.2f dB, S=1 R=0 %.2f dB, S=0.5 R=0 %.2f dB\n", camera_psnr, full.first,
                        half.first);
        };
        // Ends a log row: every eval_every steps `eval` writes the evaluation columns and prints them,
        // and the checkpoint is saved; else the columns stay empty.
        auto end_row = [&](long step, const std::function<void()>& eval) {
            if (step % eval_every == 0) {
                eval();
                std::fflush(stdout);
                save(step);
            } else {
                log << ",,,,,,,,,,,,,,,";
            }
            log << "\n";
            log.flush();
        };
        long done = step0;
        for (long step = step0 + 1;; ++step) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if ((steps > 0 && step > steps) || (minutes > 0 && elapsed > minutes * 60)) break;
            const double frac = steps > 0 ? static_cast<double>(step) / steps : elapsed / (minutes * 60);
            const double ramp = warmup > 0 ? std::min(1.0, static_cast<double>(step - step0) / warmup) : 1.0;
            gopt.param_groups()[0].options().set_lr(ramp * lr0 * 0.5 *
                                                    (1 + std::cos(3.14159265 * std::min(1.0, frac))));
            const float s = objectives == 1 ? 1.0F : draw();
            const float r = perception_only ? 1.0F : (no_perception || objectives == 1 ? 0.0F : draw());
            const torch::Tensor clean = random_patches(train, batch, patch, rng).to(dev);
            // J: the JPEG axis's steps always compress; an eight-objective network trained without
            // the teacher sees uncompressed crops at J = 0 half the time.
            float j = 0.0F;
            if (jpeg_axis || (objectives == 8 && u(rng) < 0.5F)) j = u(rng) < 0.25F ? 1.0F : u(rng);
            torch::Tensor before_jpeg;
            const torch::Tensor noisy =
                objectives == 8 ? add_noise(clean, rng, j > 0 ? 1.0F : 0.0F, &before_jpeg, jpeg_quality_at(j), camera)
                                : add_noise(clean, rng, jpeg, &before_jpeg, 0, camera);
            // The light target keeps 40 % of the sensor noise, not of the JPEG artefacts.
            const torch::Tensor light = clean + kLightKeep * (before_jpeg - clean);
            const torch::Tensor out = net->forward(noisy, point(s, r, j).to(dev));
            const torch::Tensor l1_clean = (out - clean).abs().mean();
            if (teacher) {
                // The distillation loss of one group of crops at one operating point.
                auto distill = [&](const torch::Tensor& y, const torch::Tensor& before, float gs, float gr) {
                    torch::Tensor target;
                    {
                        torch::NoGradGuard ng;
                        target = teacher->forward(before, corners(gs, gr).to(dev));
                    }
                    torch::Tensor l = (1 - gr) * (y - target).pow(2).mean();
                    if (gr > 0) {
                        l = l + gr * (low_pass_l1(y, target) + 0.05 * (y - target).abs().mean() +
                                      distill_amplitude * amplitude_l1(luma(y), luma(target)));
                    }
                    return l;
                };
                torch::Tensor loss = distill(out, before_jpeg, s, r);
                // --groups G (JPEG axis): G - 1 more groups of crops, each at its own Strength,
                // Realism and J, so one step sees several qualities (a step at one quality made
                // the held-out JPEG score swing between evaluations; docs/TRAINING.md).
                for (int g = 1; g < groups; ++g) {
                    const float gs = draw(), gr = draw(), gj = u(rng) < 0.25F ? 1.0F : u(rng);
                    const torch::Tensor gclean = random_patches(train, batch, patch, rng).to(dev);
                    torch::Tensor gbefore;
                    const torch::Tensor gnoisy = add_noise(gclean, rng, 1.0F, &gbefore, jpeg_quality_at(gj));
                    loss = loss + distill(net->forward(gnoisy, point(gs, gr, gj).to(dev)), gbefore, gs, gr);
                }
                loss = loss / groups;
                gopt.zero_grad();
                loss.backward();
                if (jpeg_axis) {  // the J = 0 kernel sets stay the --init network's
                    for (auto& t : net->kernel_parameters()) {
                        if (t.grad().defined()) t.mutable_grad().narrow(0, 0, 4).zero_();
                    }
                }
                gopt.step();
                done = step;
                if (step % 10 == 0) {
                    log << step << "," << elapsed << "," << s << "," << r << "," << l1_clean.item<double>() << ",,,"
                        << loss.item<double>();
                    end_row(step, [&] {
                        const auto a = evaluate(1, 0), b = evaluate(1, 1), c = evaluate(0, 0);
                        const auto q = evaluate(1, 0.25F), h = evaluate(1, 0.5F);
                        const auto ja = evaluate(1, 0, true), jb = evaluate(1, 1, true);
                        log << "," << noisy_psnr << "," << a.first << "," << b.first << "," << c.first << ","
                            << a.second << "," << b.second << "," << q.first << "," << h.first << "," << jpeg_psnr
                            << "," << ja.first << "," << jb.first << "," << jb.second;
                        log_camera();
                        std::printf(
                            "step %ld (%.0f s): distill loss %.3g; sigma-25 S=1 R=0 %.2f, R=0.5 %.2f, R=1 %.2f, "
                            "S=0 R=0 %.2f, gradient ratio %.3f / %.3f; sigma-10+JPEG50 input %.2f, S=1 R=0 %.2f, "
                            "R=1 %.2f (gradient ratio %.3f)\n",
                            step, elapsed, loss.item<double>(), a.first, h.first, b.first, c.first, a.second, b.second,
                            jpeg_psnr, ja.first, jb.first, jb.second);
                    });
                }
                continue;
            }
            const torch::Tensor l1_light = (out - light).abs().mean();
            // Fidelity objectives weighted by their corners' total, likewise perception.
            const torch::Tensor fid_clean = fidelity_mse ? (out - clean).pow(2).mean() : l1_clean;
            const torch::Tensor fid_light = fidelity_mse ? (out - light).pow(2).mean() : l1_light;
            torch::Tensor loss = (1 - r) * ((1 - s) * fid_light + s * fid_clean);
            torch::Tensor adv = torch::zeros({}), fm = torch::zeros({});
            if (r > 0) {
                const AdversarialTerms at = adversarial_terms(disc, out, clean);
                adv = at.adv;
                fm = at.fm;
                // Low frequencies (4x4 means, colour included) stay faithful to the target; above
                // them the discriminator and the luma amplitude spectrum judge the texture.
                torch::Tensor perc = 0.01 * adv + 0.3 * fm;
                if (s < 1)
                    perc = perc + (1 - s) * (low_pass_l1(out, light) + 0.05 * l1_light +
                                             0.1 * amplitude_l1(luma(out), luma(light)));
                if (s > 0)
                    perc = perc +
                           s * (low_pass_l1(out, clean) + 0.05 * l1_clean + 0.1 * amplitude_l1(luma(out), luma(clean)));
                loss = loss + r * perc;
            }
            if (step - step0 > disc_warmup) {
                gopt.zero_grad();
                loss.backward();
                gopt.step();
            }
            torch::Tensor d_loss = torch::zeros({});
            if (objectives > 1 && !no_perception) {  // the discriminator serves the perception objectives only
                d_loss = discriminator_step(disc, dopt, clean, out);
            }
            done = step;
            if (step % 10 == 0) {
                log << step << "," << elapsed << "," << s << "," << r << "," << l1_clean.item<double>() << ","
                    << adv.item<double>() << "," << fm.item<double>() << "," << d_loss.item<double>();
                end_row(step, [&] {
                    const auto a = evaluate(1, 0), b = evaluate(1, 1), c = evaluate(0, 0);
                    // The Realism slider's first steps: PSNR must not rise along it.
                    const auto q = evaluate(1, 0.25F), h = evaluate(1, 0.5F);
                    log << "," << noisy_psnr << "," << a.first << "," << b.first << "," << c.first << "," << a.second
                        << "," << b.second << "," << q.first << "," << h.first << ",,,,";
                    log_camera();
                    std::printf(
                        "step %ld (%.0f s): sigma-25 eval PSNR noisy %.2f, S=1 R=0 %.2f, R=0.25 %.2f, R=0.5 %.2f, "
                        "R=1 %.2f, S=0 R=0 %.2f; gradient ratio %.3f / %.3f\n",
                        step, elapsed, noisy_psnr, a.first, q.first, h.first, b.first, c.first, a.second, b.second);
                });
            }
        }
        save(done);
        std::printf("saved %s\n", ckpt.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "restora-train-tunable --task denoise: %s\n", e.what());
        return 1;
    }
}
