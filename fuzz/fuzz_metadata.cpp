// libFuzzer target: the metadata reader (Exiv2 behind Metadata::read_file, with Restora's own
// checks of XMP and ICC) and what the export reads back from it. A refusal is restora::Error;
// damaged metadata must come back as warnings, anything else escaping is a finding.
#include <cstdint>

#include "fuzz_file.h"
#include "restora/core/metadata.h"
#include "restora/models/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const fuzz::TempFile file(data, size);
    try {
        const restora::Metadata md = restora::Metadata::read_file(file.path());
        (void)md.all_values();
        (void)md.history_json();
        (void)md.orientation();
        (void)md.icc_profile();
        (void)md.thumbnail_jpeg();
        (void)md.xmp_packet_bytes();
        (void)md.warnings();
    } catch (const restora::Error&) {
    }
    return 0;
}
