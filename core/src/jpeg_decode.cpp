#include "jpeg_decode.h"

// jpeglib.h needs FILE and size_t first, and jerror.h comes after it.
#include <cstdio>

#include <jpeglib.h>

#include <jerror.h>

#include <csetjmp>
#include <cstring>

#include "restora/models/errors.h"

namespace restora {

namespace {

// libjpeg reports errors through callbacks in C: error_exit must not return, and a C++ exception
// must not cross libjpeg's C frames, so it jumps back to a setjmp in a function whose locals are
// all trivially destructible. Everything with a destructor lives in the caller.
struct Decoder {
    jpeg_decompress_struct info{};
    jpeg_error_mgr err{};
    std::jmp_buf jump{};
    char message[JMSG_LENGTH_MAX] = {};
    bool corrupt = false;  // a warning that means invented pixels
    bool created = false;
    bool in_scans = false;  // past the header: reading entropy-coded data
};

extern "C" void on_error_exit(j_common_ptr cinfo) {
    auto* d = reinterpret_cast<Decoder*>(cinfo->client_data);
    (*cinfo->err->format_message)(cinfo, d->message);
    std::longjmp(d->jump, 1);
}

// Some encoders leave a few stray bytes before a marker (a known quirk, every pixel decoded);
// more than this after a scan means the data did not decode to the image.
constexpr int kStrayBytes = 16;

bool corrupts_pixels(const Decoder& d, const jpeg_error_mgr& err) {
    const int code = err.msg_code;
    if (code == JWRN_EXTRANEOUS_DATA) return d.in_scans && err.msg_parm.i[0] > kStrayBytes;
    switch (code) {
        case JWRN_ARITH_BAD_CODE:
        case JWRN_BOGUS_PROGRESSION:
        case JWRN_HIT_MARKER:
        case JWRN_HUFF_BAD_CODE:
        case JWRN_JPEG_EOF:
        case JWRN_MUST_RESYNC:
        case JWRN_NOT_SEQUENTIAL:
            return true;
        default:
            return false;  // JWRN_ADOBE_XFORM, JWRN_JFIF_MAJOR, JWRN_BOGUS_ICC, ...
    }
}

extern "C" void on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    auto* d = reinterpret_cast<Decoder*>(cinfo->client_data);
    if (d->corrupt || !corrupts_pixels(*d, *cinfo->err)) return;
    d->corrupt = true;
    (*cinfo->err->format_message)(cinfo, d->message);
    // Stop at the first corruption: the rest would be decoded from data already known bad.
    std::longjmp(d->jump, 1);
}

// Stage 1: the header. Returns false after an error (d->message says which).
bool read_header(Decoder* d, const uint8_t* data, size_t size) {
    if (setjmp(d->jump) != 0) return false;
    d->info.err = jpeg_std_error(&d->err);
    d->err.error_exit = on_error_exit;
    d->err.emit_message = on_message;
    d->info.client_data = d;
    jpeg_create_decompress(&d->info);
    d->created = true;
    jpeg_mem_src(&d->info, data, static_cast<unsigned long>(size));
    jpeg_read_header(&d->info, TRUE);
    d->in_scans = true;
    const J_COLOR_SPACE in = d->info.jpeg_color_space;
    if (in == JCS_CMYK || in == JCS_YCCK) {
        d->info.out_color_space = JCS_CMYK;
    } else if (in == JCS_GRAYSCALE) {
        d->info.out_color_space = JCS_GRAYSCALE;
    } else {
        d->info.out_color_space = JCS_EXT_BGR;
    }
    jpeg_start_decompress(&d->info);
    return true;
}

// Stage 2: the scanlines into `rows` (one pointer a row, allocated by the caller).
bool read_pixels(Decoder* d, JSAMPROW* rows) {
    if (setjmp(d->jump) != 0) return false;
    while (d->info.output_scanline < d->info.output_height) {
        jpeg_read_scanlines(&d->info, rows + d->info.output_scanline, d->info.output_height - d->info.output_scanline);
    }
    jpeg_finish_decompress(&d->info);
    return true;
}

void cmyk_to_bgr(const cv::Mat& cmyk, cv::Mat& bgr, bool adobe_inverted) {
    bgr.create(cmyk.size(), CV_8UC3);
    for (int y = 0; y < cmyk.rows; ++y) {
        const uint8_t* s = cmyk.ptr<uint8_t>(y);
        uint8_t* o = bgr.ptr<uint8_t>(y);
        for (int x = 0; x < cmyk.cols; ++x, s += 4, o += 3) {
            // Adobe's CMYK JPEGs (Photoshop's, nearly all of them) store the inks inverted.
            const int c = adobe_inverted ? s[0] : 255 - s[0];
            const int m = adobe_inverted ? s[1] : 255 - s[1];
            const int ye = adobe_inverted ? s[2] : 255 - s[2];
            const int k = adobe_inverted ? s[3] : 255 - s[3];
            o[0] = static_cast<uint8_t>((ye * k + 127) / 255);
            o[1] = static_cast<uint8_t>((m * k + 127) / 255);
            o[2] = static_cast<uint8_t>((c * k + 127) / 255);
        }
    }
}

}  // namespace

cv::Mat decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name) {
    Decoder d;
    struct Cleanup {
        Decoder& d;
        ~Cleanup() {
            if (d.created) jpeg_destroy_decompress(&d.info);
        }
    } cleanup{d};
    auto fail = [&](const char* stage) -> Error {
        const std::string what = d.corrupt ? "the JPEG data is corrupt (libjpeg: " + std::string(d.message) + ")"
                                           : std::string(stage) + " failed (libjpeg: " + d.message + ")";
        return Error(ErrorKind::Input, name + ": " + what +
                                           "; the file is damaged or truncated (try re-exporting it from its "
                                           "original source)");
    };
    if (!read_header(&d, bytes.data(), bytes.size())) throw fail("reading the JPEG header");
    const auto w = static_cast<int>(d.info.output_width);
    const auto h = static_cast<int>(d.info.output_height);
    const int channels = d.info.output_components;
    if (channels != 1 && channels != 3 && channels != 4) {
        throw Error(ErrorKind::Input, name + ": a JPEG with " + std::to_string(channels) + " channels");
    }
    cv::Mat out(h, w, CV_8UC(channels));
    std::vector<JSAMPROW> rows(static_cast<size_t>(h));
    for (int y = 0; y < h; ++y) rows[static_cast<size_t>(y)] = out.ptr<uint8_t>(y);
    if (!read_pixels(&d, rows.data())) throw fail("decoding the JPEG");
    if (channels == 4) {
        cv::Mat bgr;
        cmyk_to_bgr(out, bgr, d.info.saw_Adobe_marker != 0);
        return bgr;
    }
    return out;
}

}  // namespace restora
