#include "restora/models/runtime_options.h"

#include <cstdlib>
#include <cstring>

namespace restora {

namespace {

bool set(const char* name) { return std::getenv(name) != nullptr; }

}  // namespace

RuntimeOptions runtime_options() {
    RuntimeOptions o;
    o.cpu_float16 = set("RESTORA_CPU_FLOAT16");
    o.no_fusion = set("RESTORA_NO_FUSION");
    o.no_resize_taps = set("RESTORA_NO_RESIZE_TAPS");
    o.system_malloc = set("RESTORA_SYSTEM_MALLOC");
    const char* v = std::getenv("RESTORA_CUDNN_BENCHMARK");
    o.cudnn_benchmark = v != nullptr && std::strcmp(v, "1") == 0;
    return o;
}

}  // namespace restora
