// libFuzzer target: the image loader (read_header, then load_image) on arbitrary bytes, as a
// file (the loader reads paths). A refusal is restora::Error; anything else escaping (another
// exception type, a crash, a sanitizer report) is a finding. Inputs whose header claims more than
// 4 MP are stopped after the header check: the limits (250 MP) are tested elsewhere and would only
// spend the fuzzer's memory.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_file.h"
#include "restora/core/image_io.h"
#include "restora/models/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const fuzz::TempFile file(data, size);
    try {
        const restora::ImageHeader h = restora::read_header(file.path());
        if (static_cast<int64_t>(h.width) * h.height > (int64_t{1} << 22)) return 0;
        const restora::LoadedImage img = restora::load_image(file.path());
        if (img.pixels.empty()) __builtin_trap();  // the loader promises never to return an empty image
    } catch (const restora::Error&) {
    }
    return 0;
}
