// restora-train-damage: trains the old-photo damage detector (damage_net.h) on sets made by
// restora-prep-damage (each shard crop: damaged input / photo before the damage / mask, stacked).
// libtorch only. Loss: binary cross-entropy (damage pixels weighted by --pos-weight) + soft Dice.
// Adam with a cosine schedule over the time budget, random sub-crops, flips and quarter turns;
// every --eval-every steps pixel precision and recall at probability 0.5 with a 2-px tolerance on
// the held-out set; a CSV log, checkpoints (checkpoint.rsw + step.txt, best.rsw by F1) and --resume.
//   restora-train-damage --train T.shard[,T2...] --eval E.shard --out DIR (--minutes M | --steps N)
//                        [--batch 8] [--crop 64] [--base 16] [--lr 2e-3] [--pos-weight 3] [--seed 1]
//                        [--threads 1] [--device auto] [--eval-every 100] [--resume]
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "restora/models/damage_net.h"
#include "restora/models/engine.h"
#include "restora/models/torch_model.h"
#include "restora/training/args.h"
#include "restora/training/batches.h"
#include "restora/training/shard.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

struct Batch {
    torch::Tensor input, mask;  // [B,3,C,C], [B,1,C,C]
};

Batch make_batch(const Shard& s, const std::vector<int>& idx, int c, std::mt19937& rng, bool augment,
                 torch::Device dev) {
    const int side = s.w;
    std::vector<torch::Tensor> in, mk;
    for (int i : idx) {
        const torch::Tensor t = training::shard_crops(s, {i})[0];  // [3,3S,S]
        const int ox = c < side ? std::uniform_int_distribution<int>(0, side - c)(rng) : 0;
        const int oy = c < side ? std::uniform_int_distribution<int>(0, side - c)(rng) : 0;
        torch::Tensor x = t.narrow(1, oy, c).narrow(2, ox, c);
        torch::Tensor m = t.narrow(1, 2 * side + oy, c).narrow(2, ox, c).narrow(0, 0, 1).gt(0.5).to(torch::kFloat32);
        if (augment) {
            if (rng() & 1U) {
                x = x.flip({2});
                m = m.flip({2});
            }
            const int turns = static_cast<int>(rng() % 4U);
            if (turns > 0) {
                x = torch::rot90(x, turns, {1, 2});
                m = torch::rot90(m, turns, {1, 2});
            }
        }
        in.push_back(x);
        mk.push_back(m);
    }
    return {torch::stack(in).to(dev), torch::stack(mk).to(dev)};
}

torch::Tensor loss_of(const torch::Tensor& logits, const torch::Tensor& m, double pos_weight) {
    namespace F = torch::nn::functional;
    const torch::Tensor bce = F::binary_cross_entropy_with_logits(
        logits, m, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(torch::full({1}, pos_weight, m.options())));
    const torch::Tensor p = torch::sigmoid(logits);
    const torch::Tensor dice = 1 - (2 * (p * m).sum() + 1) / (p.sum() + m.sum() + 1);
    return bce + dice;
}

torch::Tensor grow2(const torch::Tensor& m) {
    return torch::nn::functional::max_pool2d(m, torch::nn::functional::MaxPool2dFuncOptions(5).stride(1).padding(2));
}

struct PR {
    double precision = 0, recall = 0, f1 = 0;
};

PR evaluate(DamageUNet& net, const Shard& eval, torch::Device dev) {
    torch::NoGradGuard ng;
    net->eval();
    std::mt19937 rng(1);
    double tp_p = 0, np = 0, tp_r = 0, nr = 0;
    const int side = eval.w / 8 * 8;
    for (int start = 0; start < eval.n; start += 16) {
        const Batch b =
            make_batch(eval, training::index_range(start, std::min(eval.n, start + 16)), side, rng, false, dev);
        const torch::Tensor pred = torch::sigmoid(net->forward(b.input)).gt(0.5).to(torch::kFloat32);
        np += pred.sum().item<double>();
        tp_p += (pred * grow2(b.mask)).sum().item<double>();
        nr += b.mask.sum().item<double>();
        tp_r += (b.mask * grow2(pred)).sum().item<double>();
    }
    net->train();
    PR r;
    r.precision = np > 0 ? tp_p / np : 1;
    r.recall = nr > 0 ? tp_r / nr : 1;
    r.f1 = 2 * r.precision * r.recall / std::max(1e-9, r.precision + r.recall);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    std::string train_path, eval_path, out_dir = "train-damage-out", device = "auto";
    double minutes = 0, lr0 = 2e-3, pos_weight = 3;
    long steps = 0;
    int batch = 8, crop = 64, base = 16, seed = 1, eval_every = 100, threads = 1;
    bool resume = false;
    training::Args args("restora-train-damage", "Trains the old-photo damage detector on restora-prep-damage sets.");
    args.option("--train", &train_path, "T[,T..]", "training sets")
        .option("--eval", &eval_path, "E", "held-out set")
        .option("--out", &out_dir, "DIR", "checkpoint.rsw, best.rsw, step.txt and log.csv")
        .option("--minutes", &minutes, "M", "time budget (or --steps)")
        .option("--steps", &steps, "N", "step budget (or --minutes)")
        .option("--batch", &batch, "B", "crops per step")
        .option("--crop", &crop, "C", "training crop side (multiple of 8)")
        .option("--base", &base, "W", "channels of the first level (a new run)")
        .option("--lr", &lr0, "LR", "peak learning rate (cosine decay)")
        .option("--pos-weight", &pos_weight, "P", "weight of damage pixels in the cross-entropy")
        .option("--seed", &seed, "S", "random seed")
        .option("--threads", &threads, "T", "CPU threads")
        .option("--device", &device, "D", "auto, cpu or cuda")
        .option("--eval-every", &eval_every, "N", "steps between evaluations")
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
        if (train.h != 3 * train.w || eval.h != 3 * eval.w) throw std::runtime_error("not a restora-prep-damage set");
        crop = std::min(crop, train.w) / 8 * 8;
        fs::create_directories(out_dir);
        const fs::path ckpt = fs::path(out_dir) / "checkpoint.rsw";
        long step = 0;
        DamageUNet net(base);
        if (resume && fs::exists(ckpt)) {
            net = load_damage_net(ckpt, torch::kCPU);
            std::ifstream(fs::path(out_dir) / "step.txt") >> step;
            std::printf("resumed at step %ld\n", step);
        }
        net->to(dev);
        net->train();
        int64_t params = 0;
        for (const auto& p : net->parameters()) params += p.numel();
        std::printf(
            "damage-unet: %lld parameters (base %d), %d training crops of %d (trained at %d), %d held out, "
            "device %s, %d threads\n",
            static_cast<long long>(params), net->base, train.n, train.w, crop, eval.n, dev.str().c_str(),
            torch::get_num_threads());
        torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr0));
        const fs::path log_path = fs::path(out_dir) / "log.csv";
        const bool new_log = !fs::exists(log_path);
        std::ofstream log(log_path, std::ios::app);
        if (new_log) log << "step,seconds,lr,loss,eval_precision,eval_recall,eval_f1\n";
        double best = -1;
        if (fs::exists(fs::path(out_dir) / "best.txt")) std::ifstream(fs::path(out_dir) / "best.txt") >> best;
        const auto t0 = std::chrono::steady_clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        auto report = [&](double lr, double loss) {
            const PR r = evaluate(net, eval, dev);
            log << step << "," << elapsed() << "," << lr << "," << loss << "," << r.precision << "," << r.recall << ","
                << r.f1 << "\n";
            log.flush();
            std::printf("step %ld  %.0f s  loss %.4f  held-out precision %.3f recall %.3f F1 %.3f\n", step, elapsed(),
                        loss, r.precision, r.recall, r.f1);
            std::fflush(stdout);
            const std::map<std::string, std::string> meta = {{"steps", std::to_string(step)},
                                                             {"crop", std::to_string(crop)}};
            save_damage_net(net, ckpt, meta);
            std::ofstream(fs::path(out_dir) / "step.txt") << step;
            if (r.f1 > best) {
                best = r.f1;
                save_damage_net(net, fs::path(out_dir) / "best.rsw", meta);
                std::ofstream(fs::path(out_dir) / "best.txt") << best << " " << step;
            }
        };
        const long first = step;
        double loss_v = 0, lr = lr0;
        while (true) {
            const double progress = minutes > 0 ? elapsed() / (minutes * 60) : double(step - first) / steps;
            if (progress >= 1.0) break;
            const double warm = std::min(1.0, static_cast<double>(step - first + 1) / 50);
            lr = warm * lr0 * (0.05 + 0.95 * 0.5 * (1 + std::cos(3.14159265 * progress)));
            training::set_learning_rate(opt, lr);
            const Batch b = make_batch(train, training::random_indices(train, batch, rng), crop, rng, true, dev);
            const torch::Tensor loss = loss_of(net->forward(b.input), b.mask, pos_weight);
            opt.zero_grad();
            loss.backward();
            torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
            opt.step();
            ++step;
            loss_v = loss.item<double>();
            if (step % 20 == 0) {
                std::printf("  step %ld  %.2f s/step  loss %.4f\n", step, elapsed() / (step - first), loss_v);
                std::fflush(stdout);
            }
            if (step % eval_every == 0) report(lr, loss_v);
        }
        if (step % eval_every != 0) report(lr, loss_v);
        std::printf("done: %ld steps in %.0f s (%.2f s/step) -> %s\n", step - first, elapsed(),
                    elapsed() / std::max(1L, step - first), ckpt.c_str());
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "restora-train-damage: %s\n", ex.what());
        return 1;
    }
    return 0;
}
