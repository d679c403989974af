#pragma once
// The environment switches of the models layer, all read here (runtime_options.cpp). They are for
// comparisons and checks, not for users; each is off unless set.
//   RESTORA_CPU_FLOAT16=1      float16 on the CPU: emulates a GPU's float16 run (imported graphs)
//   RESTORA_NO_FUSION=1        imported graphs keep jax2tf's operator chains (no load-time fusion)
//   RESTORA_NO_RESIZE_TAPS=1   imported graphs compute their resizes as matrix products
//   RESTORA_SYSTEM_MALLOC=1    glibc's allocator defaults (keep_freed_memory_for_reuse does nothing)
//   RESTORA_CUDNN_BENCHMARK=1  cuDNN's benchmark mode (configure_threads)

namespace restora {

struct RuntimeOptions {
    bool cpu_float16 = false;
    bool no_fusion = false;
    bool no_resize_taps = false;
    bool system_malloc = false;
    bool cudnn_benchmark = false;
};

// The switches as the environment has them now: read at each call, so a caller that sets one
// (a test) sees it at the next model load or precision change.
RuntimeOptions runtime_options();

}  // namespace restora
