#include "tiff_decode.h"

#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <opencv2/imgproc.hpp>

#include "restora/models/errors.h"

namespace restora {

namespace {

// libtiff reads through these callbacks from the bytes in memory; it never writes.
struct Source {
    const std::vector<uint8_t>* bytes = nullptr;
    uint64_t pos = 0;
    std::string message;  // libtiff's first error
};

extern "C" tmsize_t mem_read(thandle_t h, void* buf, tmsize_t n) {
    auto* s = static_cast<Source*>(h);
    const uint64_t size = s->bytes->size();
    const uint64_t left = s->pos < size ? size - s->pos : 0;
    const auto k = static_cast<uint64_t>(std::min<uint64_t>(left, static_cast<uint64_t>(std::max<tmsize_t>(n, 0))));
    if (k > 0) std::memcpy(buf, s->bytes->data() + s->pos, k);
    s->pos += k;
    return static_cast<tmsize_t>(k);
}

extern "C" tmsize_t mem_write(thandle_t /*h*/, void* /*buf*/, tmsize_t /*n*/) { return -1; }

extern "C" toff_t mem_seek(thandle_t h, toff_t off, int whence) {
    auto* s = static_cast<Source*>(h);
    const auto size = static_cast<int64_t>(s->bytes->size());
    int64_t base = 0;
    if (whence == SEEK_CUR) base = static_cast<int64_t>(s->pos);
    if (whence == SEEK_END) base = size;
    const int64_t to = base + static_cast<int64_t>(off);
    if (to < 0) return static_cast<toff_t>(-1);
    s->pos = static_cast<uint64_t>(to);
    return s->pos;
}

extern "C" int mem_close(thandle_t /*h*/) { return 0; }
extern "C" toff_t mem_size(thandle_t h) { return static_cast<Source*>(h)->bytes->size(); }
// Mapped: libtiff reads tiles and strips straight from the bytes (its unmapped path refuses
// uncompressed tiles whose byte count differs from what it expects to read).
extern "C" int mem_map(thandle_t h, void** base, toff_t* size) {
    auto* s = static_cast<Source*>(h);
    *base = const_cast<uint8_t*>(s->bytes->data());
    *size = s->bytes->size();
    return 1;
}
extern "C" void mem_unmap(thandle_t /*h*/, void* /*base*/, toff_t /*size*/) {}

extern "C" int on_error(TIFF* /*tif*/, void* user, const char* module, const char* fmt, va_list ap) {
    auto* s = static_cast<Source*>(user);
    if (s->message.empty()) {
        char buf[512];
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        s->message = std::string(module != nullptr ? module : "libtiff") + ": " + buf;
    }
    return 1;  // handled: nothing goes to stderr
}

extern "C" int on_warning(TIFF* /*tif*/, void* /*user*/, const char* /*module*/, const char* /*fmt*/, va_list /*ap*/) {
    return 1;  // unknown tags and the like: not the user's concern
}

}  // namespace

cv::Mat decode_tiff_rgba(const std::vector<uint8_t>& bytes, const std::string& name) {
    Source src;
    src.bytes = &bytes;
    TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &src);
    TIFF* tif = TIFFClientOpenExt(name.c_str(), "r", &src, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map,
                                  mem_unmap, opts);
    TIFFOpenOptionsFree(opts);
    auto fail = [&](const std::string& what) {
        return Error(ErrorKind::Input, name + ": " + what + (src.message.empty() ? "" : " (" + src.message + ")") +
                                           "; the file is damaged or in a TIFF variant Restora cannot read");
    };
    if (tif == nullptr) throw fail("the TIFF cannot be opened");
    uint32_t w = 0;
    uint32_t h = 0;
    uint16_t extra = 0;
    uint16_t* extra_types = nullptr;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    const bool alpha = TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra, &extra_types) == 1 && extra > 0;
    char why[1024] = {};
    if (w == 0 || h == 0 || TIFFRGBAImageOK(tif, why) == 0) {
        TIFFClose(tif);
        throw fail(std::string("the TIFF's pixels cannot be read") + (why[0] != 0 ? ": " + std::string(why) : ""));
    }
    // The caller has checked the size against Restora's limits (header first).
    cv::Mat rgba(static_cast<int>(h), static_cast<int>(w), CV_8UC4);
    const int ok = TIFFReadRGBAImageOriented(tif, w, h, rgba.ptr<uint32_t>(), ORIENTATION_TOPLEFT, 0);
    TIFFClose(tif);
    if (ok == 0) throw fail("the TIFF's pixels cannot be decoded");
    // TIFFRGBA packs R, G, B, A from the lowest byte: in memory (little endian) that is RGBA order.
    cv::Mat out;
    cv::cvtColor(rgba, out, alpha ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGBA2BGR);
    return out;
}

}  // namespace restora
