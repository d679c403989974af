// Benchmarks and self-checks of the model layer, libtorch only (runs on a GPU machine that has
// nothing but a CUDA libtorch). Prints one line per measurement.
//   restora-bench-models [--device auto|cpu|cuda] [--check]
//   restora-bench-models --tunable FILE.rsw [--plain FILE.rsw] [--size N]   slider response
//   restora-bench-models --model FILE.rsw [--size N] [--tile T] [--input RGB.u8] [--repeat R]
//                        fp32 / fp16 (CUDA) or bf16 (CPU); R timed runs, their median printed
//                        --profile: per-operator times of imported graphs on stderr (GraphProfilePrinter)
//   RESTORA_CUDNN_BENCHMARK=1: with cuDNN's benchmark mode (configure_threads; off by default)
//   restora-bench-models --write-f16 IN.rsw OUT.rsw [KEY=VALUE...]   a half-size copy to carry
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "restora/models/engine.h"
#include "restora/models/graph_observer.h"
#include "restora/models/runtime_options.h"
#include "restora/models/torch_model.h"
#include "restora/models/weight_file.h"

using namespace restora;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

PixelView view_of(std::vector<float>& buf, int w, int h) {
    return PixelView{buf.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 3 * 4, PixelType::F32, false};
}

// Tiled output must equal one whole-image call with the same border policy.
bool check_tiled_equals_whole(DeviceKind dev) {
    torch::manual_seed(1);
    const torch::Device device = to_torch_device(dev);
    auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 3, 5).padding(2));
    conv->to(device);
    ModelTraits traits{"conv5", 1, 1, 8};
    FunctionModel model(traits, device, [&](const torch::Tensor& x) { return torch::sigmoid(conv->forward(x)); });
    const int w = 301;
    const int h = 187;
    std::vector<float> in(static_cast<size_t>(w) * h * 3);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>((i * 2654435761U) % 1000) / 999.0F;
    std::vector<float> a(in.size());
    std::vector<float> b(in.size());
    const PixelView vin = view_of(in, w, h);
    JobControl job;
    RunOptions whole;
    whole.tile = 100000;
    run_tiled(model, vin, view_of(a, w, h), whole, job);
    RunOptions tiled;
    tiled.tile = 64;
    run_tiled(model, vin, view_of(b, w, h), tiled, job);
    float max_diff = 0;
    for (size_t i = 0; i < a.size(); ++i) max_diff = std::max(max_diff, std::abs(a[i] - b[i]));
    std::printf("check tiled==whole on %s: max |diff| = %.3g\n", device.str().c_str(), max_diff);
    return max_diff <= 1e-4F;
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// Peak memory the runner adds beyond its input and output buffers (one measurement per process:
// the kernel's peak-RSS counter only grows).
void memory_probe(DeviceKind dev, int w, int h, int tile) {
    auto model = make_bicubic_upscaler(2, dev);
    std::vector<uint8_t> in(static_cast<size_t>(w) * h * 3, 0);
    std::vector<uint8_t> out(in.size() * 4, 0);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i * 7);
    for (size_t i = 0; i < out.size(); i += 4096) out[i] = 1;  // touch every page
    // Warm up libtorch's allocator and thread pool on a tiny image first.
    {
        std::vector<uint8_t> a(64 * 64 * 3, 1);
        std::vector<uint8_t> b(128 * 128 * 3);
        RunOptions o;
        o.tile = 32;
        run_tiled(*model, PixelView{a.data(), 64, 64, 3, 64 * 3, PixelType::U8, true},
                  PixelView{b.data(), 128, 128, 3, 128 * 3, PixelType::U8, true}, o, {});
    }
    const long before = peak_rss_kib();
    RunOptions o;
    o.tile = tile;
    run_tiled(*model, PixelView{in.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 3, PixelType::U8, true},
              PixelView{out.data(), 2 * w, 2 * h, 3, static_cast<std::ptrdiff_t>(w) * 6, PixelType::U8, true}, o, {});
    const long after = peak_rss_kib();
    std::printf("memory bicubic x2 %dx%d (%.1f MP) tile %d: buffers %.1f MiB, runner peak beyond them %.1f MiB\n", w, h,
                w * h / 1e6, tile, (in.size() + out.size()) / 1048576.0, (after - before) / 1024.0);
}

// Baseline in the same process: one torch interpolate call on the whole image, already a float
// tensor (no conversion, no tiling).
double raw_interpolate_seconds(DeviceKind dev, int w, int h) {
    const torch::Device device = to_torch_device(dev);
    torch::NoGradGuard ng;
    torch::Tensor x = torch::rand({1, 3, h, w}).to(device);
    namespace F = torch::nn::functional;
    auto opts =
        F::InterpolateFuncOptions().size(std::vector<int64_t>{2 * h, 2 * w}).mode(torch::kBicubic).align_corners(false);
    torch::Tensor y = F::interpolate(x, opts);  // warm-up
    if (device.is_cuda()) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    const int reps = 3;
    for (int r = 0; r < reps; ++r) y = F::interpolate(x, opts).cpu();
    return seconds_since(t0) / reps;
}

double matmul_gflops(DeviceKind dev) {
    const torch::Device device = to_torch_device(dev);
    torch::NoGradGuard ng;
    const int64_t n = 2048;
    torch::Tensor a = torch::rand({n, n}).to(device);
    torch::Tensor b = torch::rand({n, n}).to(device);
    torch::Tensor c = torch::mm(a, b);
    if (device.is_cuda()) torch::cuda::synchronize();
    const int reps = device.is_cuda() ? 50 : 5;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) c = torch::mm(a, b);
    if (device.is_cuda()) torch::cuda::synchronize();
    return 2.0 * n * n * n * reps / seconds_since(t0) / 1e9;
}

// Times an imported model (Restora weight file) on a W x H 8-bit image at the given tile, in
// fp32 and in the device's fast precision (CUDA: fp16; the CPU: bf16); prints MP/s, achieved
// GFLOP/s and the second pass's difference from fp32. On the CPU, RESTORA_CPU_FLOAT16=1 runs the
// second pass as the executor's emulation of the GPU's fp16 (tf_graph.cpp): its difference is a
// check, its time is not a speed.
void bench_model(const std::string& file, DeviceKind dev, int w, int h, int tile, const std::string& input,
                 int repeat) {
    const auto file_meta = read_weight_meta(file);
    const double gflops_per_mp = file_meta.count("gflops_per_mp") ? std::stod(file_meta.at("gflops_per_mp")) : 0.0;
    auto model = load_graph_model(file, dev);
    const int s = model->traits().scale;
    std::vector<uint8_t> in(static_cast<size_t>(w) * h * 3);
    if (input.empty()) {
        for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>((i * 2654435761U) >> 24);
    } else {  // raw 8-bit RGB of w x h (a photo: the fp16 difference on real content)
        std::ifstream f(input, std::ios::binary);
        if (!f.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(in.size()))) {
            throw std::runtime_error(input + " holds fewer than " + std::to_string(in.size()) + " bytes");
        }
    }
    std::vector<float> out32(static_cast<size_t>(w) * h * 3 * s * s);
    std::vector<float> out16(out32.size());
    const PixelView vin{in.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 3, PixelType::U8, true};
    auto vout = [&](std::vector<float>& o) {
        return PixelView{o.data(), w * s, h * s, 3, static_cast<std::ptrdiff_t>(w) * s * 12, PixelType::F32, false};
    };
    RunOptions o;
    o.tile = tile;
    const double mm = matmul_gflops(dev);
    const double cv = measure_conv_gflops(dev);
    const double peak = std::max(mm, cv);
    std::printf("measured peaks on %s: fp32 matmul 2048^3 %.0f GFLOP/s, conv 3x3 64->64 %.0f GFLOP/s\n",
                model->device_name().c_str(), mm, cv);
    bool ran_half = false;
    const bool cpu = model->device_name().rfind("cuda", 0) != 0;
    const Precision fast = cpu && !runtime_options().cpu_float16 ? Precision::BF16 : Precision::F16;
    const std::string fast_name = precision_name(fast);
    for (int pass = 0; pass < 2; ++pass) {
        const bool half = pass == 1;
        if (half && !set_precision(*model, fast)) break;
        ran_half = half;
        std::vector<float>& out = half ? out16 : out32;
        const auto t_first = std::chrono::steady_clock::now();
        run_tiled(*model, vin, vout(out), o, {});  // warm-up
        const double first = seconds_since(t_first);
        std::vector<double> times;
        for (int r = 0; r < std::max(1, repeat); ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            run_tiled(*model, vin, vout(out), o, {});
            times.push_back(seconds_since(t0));
        }
        std::sort(times.begin(), times.end());
        const double secs = times[times.size() / 2];
        const double mp = w * h / 1e6;
        char spread[128] = "";
        if (times.size() > 1) {
            std::snprintf(spread, sizeof spread, "; median of %zu, %.3f-%.3f s; first call %.3f s", times.size(),
                          times.front(), times.back(), first);
        }
        std::printf(
            "%s %s %dx%d tile %d on %s: %.3f s, %.3f MP/s, %.1f GFLOP/MP, %.1f GFLOP/s "
            "(%.0f%% of the measured fp32 peak %.0f GFLOP/s%s)\n",
            model->traits().id.c_str(), half ? fast_name.c_str() : "fp32", w, h, tile, model->device_name().c_str(),
            secs, mp / secs, gflops_per_mp, gflops_per_mp * mp / secs, 100.0 * gflops_per_mp * mp / secs / peak, peak,
            spread);
    }
    if (ran_half) {
        double se = 0;
        size_t bad = 0;
        for (float v : out16) bad += std::isfinite(v) ? 0 : 1;
        if (bad > 0) {
            std::printf("%s %s: %zu of %zu output values are not finite\n", model->traits().id.c_str(),
                        fast_name.c_str(), bad, out16.size());
        }
        for (size_t i = 0; i < out32.size(); ++i) se += (out32[i] - out16[i]) * (out32[i] - out16[i]);
        double peak = 0;
        for (float v : out32) peak = std::max(peak, static_cast<double>(std::abs(v)));
        std::printf("%s %s vs fp32: PSNR %.2f dB (output peak %.3f, %s input%s)\n", model->traits().id.c_str(),
                    fast_name.c_str(), 10 * std::log10(out32.size() / std::max(se, 1e-20)), peak,
                    input.empty() ? "hash-noise" : "photo",
                    fast == Precision::F16 && cpu ? ", CPU float16 emulation" : "");
    }
}

void bench_bicubic(DeviceKind dev, int w, int h, int tile) {
    auto model = make_bicubic_upscaler(2, dev);
    std::vector<uint8_t> in(static_cast<size_t>(w) * h * 3, 128);
    std::vector<uint8_t> out(in.size() * 4);
    PixelView vin{in.data(), w, h, 3, static_cast<std::ptrdiff_t>(w) * 3, PixelType::U8, true};
    PixelView vout{out.data(), 2 * w, 2 * h, 3, static_cast<std::ptrdiff_t>(w) * 6, PixelType::U8, true};
    RunOptions o;
    o.tile = tile;
    JobControl job;
    run_tiled(*model, vin, vout, o, job);  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    const int reps = 3;
    for (int r = 0; r < reps; ++r) run_tiled(*model, vin, vout, o, job);
    const double s = seconds_since(t0) / reps;
    const double raw = raw_interpolate_seconds(dev, w, h);
    std::printf(
        "bicubic x2 %dx%d tile %d on %s: %.3f s, %.1f MP/s (input); raw whole-tensor "
        "interpolate %.3f s; runner/raw = %.2f\n",
        w, h, tile, model->device_name().c_str(), s, w * h / 1e6 / s, raw, s / raw);
}

// A tunable network's slider response: fold for a new operating point, then the preview of a
// visible region (side x side input pixels), folded vs the unfolded tunable forward (kernels mixed
// inside every layer) vs `plain` (the same graph with one kernel set, e.g. the imported model).
void bench_tunable(const std::string& file, const std::string& plain, DeviceKind dev, int side) {
    const TunableNetwork net(file, dev);
    const int p = net.objectives();
    auto sync = [&] {
        if (to_torch_device(dev).is_cuda()) torch::cuda::synchronize();
    };
    std::vector<float> in(static_cast<size_t>(side) * side * 3, 0.5F);
    for (size_t k = 0; k < in.size(); ++k) in[k] = static_cast<float>((k * 7919 % 255) / 255.0);
    std::unique_ptr<ImageModel> first = net.fold(std::vector<double>(p, 1.0 / p));
    const int scale = first->traits().scale;
    std::vector<float> out(in.size() * scale * scale);
    RunOptions o;
    o.tile = 0;
    auto t_first = std::chrono::steady_clock::now();
    run_tiled(*first, view_of(in, side, side), view_of(out, side * scale, side * scale), o, JobControl{});  // warm-up
    const double first_ms = seconds_since(t_first) * 1e3;
    std::vector<double> fold_ms, run_ms;
    for (int i = 0; i < 6; ++i) {
        std::vector<double> point(p, 0.0);
        point[i % p] = 0.5;
        point[(i + 1) % p] += 0.5;
        auto t0 = std::chrono::steady_clock::now();
        auto folded = net.fold(point);
        sync();
        fold_ms.push_back(seconds_since(t0) * 1e3);
        t0 = std::chrono::steady_clock::now();
        run_tiled(*folded, view_of(in, side, side), view_of(out, side * scale, side * scale), o, JobControl{});
        sync();
        run_ms.push_back(seconds_since(t0) * 1e3);
    }
    std::sort(fold_ms.begin(), fold_ms.end());
    std::sort(run_ms.begin(), run_ms.end());
    std::printf(
        "tunable %s on %s: %dx%d -> %dx%d, fold %.2f ms, folded run %.1f ms, slider move %.1f ms (medians of 6; "
        "first call %.1f ms)\n",
        file.c_str(), first->device_name().c_str(), side, side, side * scale, side * scale, fold_ms[3], run_ms[3],
        fold_ms[3] + run_ms[3], first_ms);
    // The slider move in the device's fast precision (as the app's --precision auto: fp16 on CUDA,
    // bf16 on a CPU), the weights converted after each fold, and its difference from fp32.
    const Precision fast = to_torch_device(dev).is_cuda() ? Precision::F16 : Precision::BF16;
    const std::vector<double> middle(p, 1.0 / p);
    std::vector<float> ref(out.size());
    run_tiled(*net.fold(middle), view_of(in, side, side), view_of(ref, side * scale, side * scale), o, JobControl{});
    std::vector<double> fast_ms;
    for (int i = 0; i < 7; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto folded = net.fold(middle);
        if (!set_precision(*folded, fast)) break;
        run_tiled(*folded, view_of(in, side, side), view_of(out, side * scale, side * scale), o, JobControl{});
        sync();
        if (i > 0) fast_ms.push_back(seconds_since(t0) * 1e3);  // the first is the new precision's warm-up
    }
    if (fast_ms.size() == 6) {
        std::sort(fast_ms.begin(), fast_ms.end());
        double se = 0;
        for (size_t k = 0; k < out.size(); ++k) se += (out[k] - ref[k]) * (out[k] - ref[k]);
        std::printf("tunable %s in %s: slider move %.1f ms (median of 6), %.2f dB from fp32\n", file.c_str(),
                    precision_name(fast).c_str(), fast_ms[3], 10 * std::log10(out.size() / std::max(se, 1e-20)));
    }
    if (!plain.empty()) {
        auto model = load_graph_model(plain, dev);
        run_tiled(*model, view_of(in, side, side), view_of(out, side * scale, side * scale), o, JobControl{});
        std::vector<double> ms;
        for (int i = 0; i < 6; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            run_tiled(*model, view_of(in, side, side), view_of(out, side * scale, side * scale), o, JobControl{});
            sync();
            ms.push_back(seconds_since(t0) * 1e3);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("plain %s: %.1f ms; folded / plain = %.3f\n", plain.c_str(), ms[3], run_ms[3] / ms[3]);
    }
}

// A copy of a weight file with float16 storage (half the size, so a MAXIM model travels to a GPU
// machine). Integer constants of TF.js graphs must survive exactly; values beyond float16's range
// are refused.
int write_f16(const std::string& in, const std::string& out, const std::vector<std::string>& extra) {
    WeightFileContents c = load_weight_file(in);
    std::set<std::string> ints;
    for (const std::string& line : c.graph) {
        if (line.find(" dtype=int") == std::string::npos) continue;
        const auto t = line.find(" tensor=");
        if (t != std::string::npos) ints.insert(line.substr(t + 8, line.find(' ', t + 8) - t - 8));
    }
    size_t changed_ints = 0;
    float worst = 0;
    for (const RawTensor& t : c.tensors) {
        for (float v : t.values) {
            if (std::abs(v) > 65504.0F && std::isfinite(v)) {
                std::fprintf(stderr, "%s: %s holds %g, beyond float16\n", in.c_str(), t.name.c_str(), v);
                return 1;
            }
            if (ints.count(t.name) != 0 && static_cast<float>(c10::Half(v)) != v) ++changed_ints;
            worst = std::max(worst, std::abs(v));
        }
    }
    if (changed_ints > 0) {
        std::fprintf(stderr, "%s: %zu integer constants would change in float16\n", in.c_str(), changed_ints);
        return 1;
    }
    c.meta["storage"] = "f16";
    for (const std::string& kv : extra) {
        const auto eq = kv.find('=');
        if (eq != std::string::npos) c.meta[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    save_weight_file(out, c);
    std::printf("%s -> %s: %zu tensors (%zu integer), largest |value| %g, float16 storage\n", in.c_str(), out.c_str(),
                c.tensors.size(), ints.size(), worst);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string device = "auto";
    bool check = false;
    bool peaks = false;
    std::vector<std::string> model_files;
    int size = 1000;
    int mem_w = 0;
    int mem_h = 0;
    int mem_tile = 512;
    std::string tunable;
    std::string plain;
    std::string input;
    int repeat = 1;
    if (argc >= 4 && std::strcmp(argv[1], "--write-f16") == 0) {
        try {
            return write_f16(argv[2], argv[3], std::vector<std::string>(argv + 4, argv + argc));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
            return 1;
        }
    }
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device = argv[++i];
        } else if (std::strcmp(argv[i], "--memory") == 0 && i + 3 < argc) {
            mem_w = std::atoi(argv[++i]);
            mem_h = std::atoi(argv[++i]);
            mem_tile = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            model_files.emplace_back(argv[++i]);
        } else if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--tunable") == 0 && i + 1 < argc) {
            tunable = argv[++i];
        } else if (std::strcmp(argv[i], "--plain") == 0 && i + 1 < argc) {
            plain = argv[++i];
        } else if (std::strcmp(argv[i], "--tile") == 0 && i + 1 < argc) {
            mem_tile = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
            input = argv[++i];
        } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--peaks") == 0) {
            peaks = true;
        } else if (std::strcmp(argv[i], "--check") == 0) {
            check = true;
        } else if (std::strcmp(argv[i], "--profile") == 0) {
            static GraphProfilePrinter profile;
            set_graph_observer(&profile);
        } else {
            std::fprintf(stderr,
                         "usage: restora-bench-models [--device auto|cpu|cuda] [--check | --peaks | --memory W H TILE "
                         "| --model FILE.rsw... [--size N] [--tile T] [--input RGB.u8] [--repeat R] [--profile] | "
                         "--write-f16 IN OUT [K=V...] | --tunable FILE.rsw [--plain FILE.rsw] [--size N]]\n");
            return 2;
        }
    }
    try {
        configure_threads();
        const DeviceKind dev = parse_device(device);
        std::printf("libtorch %s, device %s, threads %d%s\n", torch_version().c_str(), resolve_device_name(dev).c_str(),
                    torch::get_num_threads(), at::globalContext().benchmarkCuDNN() ? ", cuDNN benchmark mode" : "");
        if (check) return check_tiled_equals_whole(dev) ? 0 : 1;
        if (peaks) {
            std::printf("fp32 matmul 2048^3: %.1f GFLOP/s; conv 3x3 64->64 on 256x256: %.1f GFLOP/s\n",
                        matmul_gflops(dev), measure_conv_gflops(dev));
            return 0;
        }
        if (!tunable.empty()) {
            bench_tunable(tunable, plain, dev, size == 1000 ? 128 : size);
            return 0;
        }
        if (!model_files.empty()) {
            for (const auto& f : model_files) bench_model(f, dev, size, size, mem_tile, input, repeat);
            return 0;
        }
        if (mem_w > 0) {
            memory_probe(dev, mem_w, mem_h, mem_tile);
            return 0;
        }
        bench_bicubic(dev, 1000, 1000, 512);
        bench_bicubic(dev, 3000, 2000, 512);
        bench_bicubic(dev, 3000, 2000, 0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
