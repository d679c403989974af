#include "restora/core/image_io.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "jpeg_decode.h"
#include "restora/core/image.h"
#include "restora/core/safe_file.h"
#include "restora/models/errors.h"
#include "tiff_decode.h"

namespace restora {

namespace fs = std::filesystem;

std::string format_name(ImageFormat f) {
    switch (f) {
        case ImageFormat::Jpeg:
            return "JPEG";
        case ImageFormat::Png:
            return "PNG";
        case ImageFormat::Tiff:
            return "TIFF";
        case ImageFormat::Webp:
            return "WebP";
        case ImageFormat::Bmp:
            return "BMP";
        case ImageFormat::Unknown:
            break;
    }
    return "unknown";
}

ImageFormat format_from_extension(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".jpe") return ImageFormat::Jpeg;
    if (ext == ".png") return ImageFormat::Png;
    if (ext == ".tif" || ext == ".tiff") return ImageFormat::Tiff;
    if (ext == ".webp") return ImageFormat::Webp;
    if (ext == ".bmp") return ImageFormat::Bmp;
    return ImageFormat::Unknown;
}

bool format_is_writable(ImageFormat f) {
    return f == ImageFormat::Jpeg || f == ImageFormat::Png || f == ImageFormat::Tiff || f == ImageFormat::Webp;
}

int max_bit_depth(ImageFormat f) { return (f == ImageFormat::Png || f == ImageFormat::Tiff) ? 16 : 8; }

bool supports_alpha(ImageFormat f) { return f == ImageFormat::Png || f == ImageFormat::Tiff || f == ImageFormat::Webp; }

ImageFormat sniff_format(const uint8_t* d, size_t n) {
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return ImageFormat::Jpeg;
    if (n >= 8 && std::memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return ImageFormat::Png;
    if (n >= 4 && (std::memcmp(d, "II*\0", 4) == 0 || std::memcmp(d, "MM\0*", 4) == 0)) {
        return ImageFormat::Tiff;
    }
    if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0) {
        return ImageFormat::Webp;
    }
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return ImageFormat::Bmp;
    return ImageFormat::Unknown;
}

void check_pixel_limits(int width, int height, const std::string& what, ImageFormat format) {
    const int64_t pixels = static_cast<int64_t>(width) * height;
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    if (width <= 0 || height <= 0) throw Error(ErrorKind::Input, what + " has no pixels (" + size + ")");
    if (pixels > ImageLimits::max_pixels || width > ImageLimits::max_side || height > ImageLimits::max_side) {
        throw Error(ErrorKind::Input, what + " would be " + size + " (" + std::to_string(pixels / 1'000'000) +
                                          " MP), beyond Restora's limit of 250 MP and 65000 px a side");
    }
    if (format == ImageFormat::Webp && (width > 16383 || height > 16383)) {
        throw Error(ErrorKind::Input, what + " would be " + size +
                                          ", beyond WebP's limit of 16383 px a side; "
                                          "choose PNG or TIFF");
    }
}

std::vector<uint8_t> read_file_bytes(const fs::path& path) {
    // Any file Restora reads as a whole is an image or a small mask/history: 4 GiB is far beyond
    // both, and a regular file is required (devices and FIFOs never end).
    return read_regular_file(path, uint64_t(1) << 32, true);
}

namespace {

uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
uint32_t le16(const uint8_t* p) { return (uint32_t(p[1]) << 8) | p[0]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le32(const uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }

[[noreturn]] void damaged(const fs::path& path, const std::string& why) {
    throw Error(ErrorKind::Input, path.string() + ": " + why +
                                      "; the file is damaged or truncated (try re-exporting it "
                                      "from its original source)");
}

ImageHeader parse_jpeg(const fs::path& path, const std::vector<uint8_t>& b) {
    size_t i = 2;
    while (i + 4 <= b.size()) {
        if (b[i] != 0xFF) damaged(path, "JPEG marker expected");
        const uint8_t m = b[i + 1];
        if (m == 0xFF) {
            ++i;
            continue;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        const size_t len = be16(&b[i + 2]);
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (i + 9 > b.size()) damaged(path, "JPEG frame header cut short");
            return {ImageFormat::Jpeg, static_cast<int>(be16(&b[i + 7])), static_cast<int>(be16(&b[i + 5]))};
        }
        if (m == 0xDA || m == 0xD9) break;  // scan data before any frame header
        i += 2 + len;
    }
    damaged(path, "no JPEG frame header found");
}

// A complete JPEG ends its last scan with an EOI marker; libjpeg only warns about a missing one
// and fills the rest with grey, so check it here.
bool jpeg_is_complete(const std::vector<uint8_t>& b) {
    size_t i = 2;
    while (i + 1 < b.size()) {
        if (b[i] != 0xFF) return false;
        const uint8_t m = b[i + 1];
        if (m == 0xFF) {
            ++i;
            continue;
        }
        if (m == 0xD9) return true;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        if (i + 4 > b.size()) return false;
        i += 2 + be16(&b[i + 2]);
        if (m == 0xDA) {  // entropy-coded data runs to the next marker that is not a stuffing/RST
            while (i + 1 < b.size()) {
                if (b[i] == 0xFF && b[i + 1] != 0x00 && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)) {
                    break;
                }
                ++i;
            }
        }
    }
    return false;
}

}  // namespace

int jpeg_quality_estimate(const std::vector<uint8_t>& b) {
    // libjpeg's standard luma table (Annex K), row by row; a DQT segment stores tables in zigzag order.
    static constexpr int kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
    static constexpr int kStd[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                                     14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                                     18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                                     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
    if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return 0;
    size_t i = 2;
    while (i + 4 <= b.size() && b[i] == 0xFF) {
        const uint8_t m = b[i + 1];
        if (m == 0xDA || m == 0xD9) break;  // the image data: every table came before it
        const size_t len = be16(&b[i + 2]);
        const size_t end = std::min(b.size(), i + 2 + len);
        if (m == 0xDB) {  // DQT: one or more tables, each Pq|Tq then 64 entries of 8 or 16 bits
            size_t t = i + 4;
            while (t < end) {
                const int precision = b[t] >> 4;
                const int id = b[t] & 15;
                const size_t n = precision != 0 ? 128 : 64;
                if (t + 1 + n > end) return 0;
                if (id == 0) {
                    double sum = 0;
                    double std_sum = 0;
                    for (size_t k = 0; k < 64; ++k) {
                        const int v = precision != 0 ? static_cast<int>(be16(&b[t + 1 + 2 * k])) : b[t + 1 + k];
                        if (v >= 255 && precision == 0) continue;  // clamped by baseline JPEG: says nothing
                        sum += v;
                        std_sum += kStd[kZigzag[k]];
                    }
                    if (std_sum == 0) return 1;  // every entry clamped: the coarsest quality
                    // libjpeg: entry = (std * scale + 50) / 100, scale = 5000 / q below 50, else 200 - 2q.
                    const double scale = 100.0 * sum / std_sum;
                    const double q = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
                    return static_cast<int>(std::clamp(std::lround(q), 1L, 100L));
                }
                t += 1 + n;
            }
        }
        i += 2 + len;
    }
    return 0;
}

int jpeg_quality_of_file(const fs::path& path) {
    try {
        return jpeg_quality_estimate(read_regular_file(path, 1 << 20, false));
    } catch (const Error&) {
        return 0;  // not readable as a file: the load reports it
    }
}

namespace {

ImageHeader parse_tiff(const fs::path& path, const std::vector<uint8_t>& b) {
    const bool le = b[0] == 'I';
    auto u16 = [&](size_t o) { return le ? le16(&b[o]) : be16(&b[o]); };
    auto u32 = [&](size_t o) { return le ? le32(&b[o]) : be32(&b[o]); };
    const size_t ifd = u32(4);
    if (ifd + 2 > b.size()) damaged(path, "TIFF directory missing");
    const size_t count = u16(ifd);
    ImageHeader h{ImageFormat::Tiff, 0, 0};
    for (size_t k = 0; k < count; ++k) {
        const size_t e = ifd + 2 + k * 12;
        if (e + 12 > b.size()) damaged(path, "TIFF directory cut short");
        const uint32_t tag = u16(e);
        const uint32_t type = u16(e + 2);
        const uint32_t value = type == 3 ? u16(e + 8) : u32(e + 8);
        if (tag == 256) h.width = static_cast<int>(value);
        if (tag == 257) h.height = static_cast<int>(value);
    }
    if (h.width <= 0 || h.height <= 0) damaged(path, "TIFF without image size");
    return h;
}

ImageHeader parse_webp(const fs::path& path, const std::vector<uint8_t>& b) {
    if (b.size() < 30) damaged(path, "WebP header cut short");
    const std::string chunk(reinterpret_cast<const char*>(&b[12]), 4);
    if (chunk == "VP8X") {
        return {ImageFormat::Webp, static_cast<int>((b[24] | (b[25] << 8) | (b[26] << 16)) + 1),
                static_cast<int>((b[27] | (b[28] << 8) | (b[29] << 16)) + 1)};
    }
    if (chunk == "VP8 ") {
        if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a) damaged(path, "bad VP8 start code");
        return {ImageFormat::Webp, static_cast<int>(le16(&b[26]) & 0x3FFF), static_cast<int>(le16(&b[28]) & 0x3FFF)};
    }
    if (chunk == "VP8L") {
        if (b[20] != 0x2f) damaged(path, "bad VP8L signature");
        const uint32_t bits = le32(&b[21]);
        return {ImageFormat::Webp, static_cast<int>((bits & 0x3FFF) + 1),
                static_cast<int>(((bits >> 14) & 0x3FFF) + 1)};
    }
    damaged(path, "unknown WebP chunk");
}

ImageHeader parse_header(const fs::path& path, const std::vector<uint8_t>& b) {
    if (b.empty()) {
        throw Error(ErrorKind::Input, path.string() + " is empty (0 bytes); it holds no image");
    }
    const ImageFormat f = sniff_format(b.data(), b.size());
    switch (f) {
        case ImageFormat::Jpeg:
            return parse_jpeg(path, b);
        case ImageFormat::Png: {
            if (b.size() < 33 || std::memcmp(&b[12], "IHDR", 4) != 0) damaged(path, "PNG header cut short");
            return {f, static_cast<int>(be32(&b[16])), static_cast<int>(be32(&b[20]))};
        }
        case ImageFormat::Tiff:
            if (b.size() < 8) damaged(path, "TIFF header cut short");
            return parse_tiff(path, b);
        case ImageFormat::Webp:
            return parse_webp(path, b);
        case ImageFormat::Bmp: {
            if (b.size() < 26) damaged(path, "BMP header cut short");
            if (le32(&b[14]) == 12) {  // OS/2 1.x (BMP version 2): BITMAPCOREHEADER, 16-bit sizes
                return {f, static_cast<int>(le16(&b[18])), static_cast<int>(le16(&b[20]))};
            }
            const auto h = static_cast<int32_t>(le32(&b[22]));
            return {f, static_cast<int>(static_cast<int32_t>(le32(&b[18]))), h < 0 ? -h : h};
        }
        case ImageFormat::Unknown:
            break;
    }
    throw Error(ErrorKind::Input, path.string() +
                                      " is not an image Restora reads (JPEG, PNG, TIFF, WebP or "
                                      "BMP), whatever its extension says");
}

// OS/2 1.x bitmaps (BMP version 2, a 12-byte BITMAPCOREHEADER): OpenCV 4.6 misreads them, so
// they are decoded here. 1, 4, 8 bits with a palette of 3-byte entries, or 24 bits; bottom-up
// rows padded to 4 bytes. The size has been checked against the limits.
cv::Mat decode_os2_bitmap(const fs::path& path, const std::vector<uint8_t>& b) {
    const int w = static_cast<int>(le16(&b[18]));
    const int h = static_cast<int>(le16(&b[20]));
    const int bpp = static_cast<int>(le16(&b[24]));
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 24) {
        damaged(path, "an OS/2 bitmap with " + std::to_string(bpp) + " bits a pixel");
    }
    const size_t offset = le32(&b[10]);
    const size_t palette = 26;
    const size_t colours = bpp == 24 ? 0 : size_t(1) << bpp;
    const size_t row = (static_cast<size_t>(w) * bpp + 31) / 32 * 4;
    if (palette + colours * 3 > b.size() || offset > b.size() || row * static_cast<size_t>(h) > b.size() - offset) {
        damaged(path, "the OS/2 bitmap's pixel data is cut short");
    }
    cv::Mat out(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
        const uint8_t* src = &b[offset + row * static_cast<size_t>(h - 1 - y)];
        auto* dst = out.ptr<uint8_t>(y);
        for (int x = 0; x < w; ++x, dst += 3) {
            if (bpp == 24) {
                std::memcpy(dst, src + 3 * x, 3);  // stored as B, G, R
                continue;
            }
            const int bit = x * bpp;
            const unsigned index = (src[bit / 8] >> (8 - bpp - bit % 8)) & ((1U << bpp) - 1);
            std::memcpy(dst, &b[palette + 3 * index], 3);
        }
    }
    return out;
}

bool is_os2_bitmap(const std::vector<uint8_t>& b) {
    return b.size() >= 26 && sniff_format(b.data(), b.size()) == ImageFormat::Bmp && le32(&b[14]) == 12;
}

}  // namespace

ImageHeader read_header(const fs::path& path) {
    return parse_header(path, read_regular_file(path, 1 << 20, false));  // headers sit at the start
}

cv::Mat apply_orientation(const cv::Mat& m, int orientation) {
    cv::Mat out;
    switch (orientation) {
        case 2:
            cv::flip(m, out, 1);
            return out;
        case 3:
            cv::rotate(m, out, cv::ROTATE_180);
            return out;
        case 4:
            cv::flip(m, out, 0);
            return out;
        case 5:
            cv::transpose(m, out);
            return out;
        case 6:
            cv::rotate(m, out, cv::ROTATE_90_CLOCKWISE);
            return out;
        case 7:
            cv::transpose(m, out);
            cv::flip(out, out, -1);
            return out;
        case 8:
            cv::rotate(m, out, cv::ROTATE_90_COUNTERCLOCKWISE);
            return out;
        default:
            return m;
    }
}

// A PNG's chunks, walked before the decoder sees them: a chunk that claims more bytes than the
// file has left is damage, and libpng would allocate what it claims (hundreds of MB for a few
// bytes of file) before it found out.
void check_png_chunks(const fs::path& path, const std::vector<uint8_t>& b) {
    size_t at = 8;
    while (at + 12 <= b.size()) {
        const uint32_t length = be32(&b[at]);
        const std::string type(reinterpret_cast<const char*>(&b[at + 4]), 4);
        const size_t left = b.size() - at - 12;
        if (length > 0x7fffffffU || length > left) {
            damaged(path, "PNG chunk '" + type + "' claims " + std::to_string(length) + " bytes but only " +
                              std::to_string(left) + " remain");
        }
        if (type == "IEND") return;
        at += 12 + static_cast<size_t>(length);
    }
    damaged(path, "the PNG data ends before its IEND chunk");
}

LoadedImage load_image(const fs::path& path) {
    // Header first: the size limits are checked before the file is read, and the read is capped
    // at what the header can account for (16 bytes a pixel is more than any format stores
    // uncompressed; 64 MiB more for metadata and previews).
    const ImageHeader h = read_header(path);
    check_pixel_limits(h.width, h.height, path.string(), ImageFormat::Unknown);
    const uint64_t cap = (uint64_t(64) << 20) + uint64_t(h.width) * uint64_t(h.height) * 16;
    const std::vector<uint8_t> bytes = read_regular_file(path, cap, true);
    if (h.format == ImageFormat::Jpeg && !jpeg_is_complete(bytes)) {
        damaged(path, "the JPEG data ends before its end marker");
    }
    if (h.format == ImageFormat::Png) check_png_chunks(path, bytes);
    cv::Mat decoded;
    try {
        // JPEG through libjpeg directly: its corruption warnings are errors (jpeg_decode.h).
        if (h.format == ImageFormat::Jpeg) {
            decoded = decode_jpeg(bytes, path.string());
        } else if (is_os2_bitmap(bytes)) {
            decoded = decode_os2_bitmap(path, bytes);
        } else {
            // OpenCV's imdecode prints a failed decode to std::cerr itself; the typed error below
            // says it instead.
            struct QuietCerr {
                std::streambuf* saved = std::cerr.rdbuf(nullptr);
                ~QuietCerr() {
                    std::cerr.rdbuf(saved);
                    std::cerr.clear();
                }
            } quiet;
            decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        }
    } catch (const cv::Exception& e) {
        if (h.format != ImageFormat::Tiff) damaged(path, std::string("the decoder failed (") + e.err + ")");
    }
    // OpenCV 4.6 refuses some valid TIFFs (8-bit uncompressed tiled ones): libtiff's RGBA reader.
    if (decoded.empty() && h.format == ImageFormat::Tiff) decoded = decode_tiff_rgba(bytes, path.string());
    if (decoded.empty()) damaged(path, "the " + format_name(h.format) + " decoder could not read the pixels");
    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U) {
        throw Error(ErrorKind::Input, path.string() +
                                          ": only 8- and 16-bit integer images are supported "
                                          "(this one is floating point or signed)");
    }
    cv::Mat pixels;
    switch (decoded.channels()) {
        case 1:
            cv::cvtColor(decoded, pixels, cv::COLOR_GRAY2BGR);
            break;
        case 2: {
            std::vector<cv::Mat> ga;
            cv::split(decoded, ga);
            std::vector<cv::Mat> bgra = {ga[0], ga[0], ga[0], ga[1]};
            cv::merge(bgra, pixels);
            break;
        }
        case 3:
        case 4:
            pixels = decoded;
            break;
        default:
            throw Error(ErrorKind::Input, path.string() + ": images with " + std::to_string(decoded.channels()) +
                                              " channels are not supported");
    }
    LoadedImage out;
    out.format = h.format;
    out.metadata = Metadata::read_file(path);
    // OpenCV's imdecode with IMREAD_UNCHANGED ignores orientation: apply it once, here.
    out.orientation = out.metadata.orientation();
    out.pixels = apply_orientation(pixels, out.orientation);
    if (h.format == ImageFormat::Jpeg) out.jpeg_quality = jpeg_quality_estimate(bytes);
    return out;
}

std::vector<std::string> export_losses(const cv::Mat& pixels, const Metadata& md, ImageFormat f) {
    std::vector<std::string> lost;
    if (bit_depth(pixels) > max_bit_depth(f)) {
        lost.push_back("16-bit depth (" + format_name(f) + " stores 8 bits per channel)");
    }
    if (pixels.channels() == 4 && !supports_alpha(f)) {
        lost.push_back("the alpha channel (" + format_name(f) + " has no transparency)");
    }
    const MetadataCapabilities caps = Metadata::capabilities(format_name(f));
    if (md.has_exif() && !caps.exif) lost.push_back("EXIF metadata");
    if (md.has_iptc() && !caps.iptc) lost.push_back("IPTC metadata (" + format_name(f) + " cannot hold it)");
    if (md.has_xmp() && !caps.xmp) lost.push_back("XMP metadata");
    // Checked before any work: a JPEG holds 64 KB of XMP, and the history adds to it (2 KB is
    // more than one step's entry; a longer history drops its oldest steps).
    const size_t xmp = md.xmp_packet_bytes();
    if (f == ImageFormat::Jpeg && md.has_xmp() && xmp + 2048 > Metadata::kJpegXmpBytes) {
        lost.push_back("the photo's XMP metadata (" + std::to_string(xmp / 1024) +
                       " KB, more than a JPEG's 64 KB XMP segment holds)");
    }
    if (md.has_icc() && !caps.icc) lost.push_back("the ICC colour profile");
    return lost;
}

void check_folder_writable(const fs::path& dir) {
    const fs::path d = dir.empty() ? fs::path(".") : dir;
    std::error_code ec;
    if (!fs::is_directory(d, ec)) {
        throw Error(ErrorKind::Processing, "output folder " + d.string() + " does not exist");
    }
    if (::access(d.c_str(), W_OK) != 0) {
        throw Error(ErrorKind::Processing, "cannot write to folder " + d.string() + " (" + std::strerror(errno) +
                                               "); choose another output folder");
    }
}

namespace {

// Exiv2 0.27 adds a VP8X header to a lossless WebP without its alpha flag, and decoders then drop
// the alpha channel: set the flag again when the pixels have alpha.
void fix_webp_alpha_flag(std::vector<uint8_t>& b) {
    if (b.size() >= 21 && std::memcmp(b.data() + 12, "VP8X", 4) == 0) b[20] |= 0x10;
}

}  // namespace

void write_file_atomic(const fs::path& path, const std::vector<uint8_t>& bytes) {
    write_file_safely(path, bytes, IfExists::Replace);
}

std::vector<std::string> export_image(const cv::Mat& pixels, const Metadata& metadata, const MetadataEdits& edits,
                                      const fs::path& out, const ExportOptions& options) {
    const ImageFormat f = format_from_extension(out);
    if (!format_is_writable(f)) {
        throw Error(ErrorKind::Usage, out.string() + ": choose an output ending in .jpg, .png, .tif or .webp");
    }
    check_not_an_input(out, options.protect);
    if (!options.overwrite && fs::exists(out)) {
        throw Error(ErrorKind::Usage, out.string() + " exists; pass --overwrite to replace it");
    }
    const std::vector<std::string> lost = export_losses(pixels, metadata, f);
    if (!lost.empty() && !options.allow_loss) {
        std::string what;
        for (const auto& l : lost) what += (what.empty() ? "" : ", ") + l;
        throw Error(ErrorKind::Usage, "saving as " + format_name(f) + " would lose " + what +
                                          "; choose PNG or TIFF, or pass --allow-loss");
    }
    check_pixel_limits(pixels.cols, pixels.rows, out.string(), f);
    check_folder_writable(out.parent_path());

    cv::Mat enc = pixels;
    if (enc.depth() == CV_16U && max_bit_depth(f) == 8) enc.convertTo(enc, CV_8U, 1.0 / 257.0);
    if (enc.channels() == 4 && !supports_alpha(f)) cv::cvtColor(enc, enc, cv::COLOR_BGRA2BGR);
    std::vector<int> params;
    if (f == ImageFormat::Jpeg) params = {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
    if (f == ImageFormat::Webp) params = {cv::IMWRITE_WEBP_QUALITY, options.webp_quality};
    if (f == ImageFormat::Tiff) params = {cv::IMWRITE_TIFF_COMPRESSION, 5 /* LZW */};
    std::vector<uint8_t> bytes;
    const std::string ext = f == ImageFormat::Jpeg
                                ? ".jpg"
                                : (f == ImageFormat::Png ? ".png" : (f == ImageFormat::Tiff ? ".tif" : ".webp"));
    bool ok = false;
    try {
        ok = cv::imencode(ext, enc, bytes, params);
    } catch (const cv::Exception& e) {
        throw Error(ErrorKind::Processing, "encoding " + out.string() + " failed: " + e.err);
    }
    if (!ok) throw Error(ErrorKind::Processing, "encoding " + out.string() + " failed");

    std::vector<std::string> warnings;
    bytes = metadata.write_into_bytes(bytes, edits, out.string(), &warnings);
    if (f == ImageFormat::Webp && enc.channels() == 4) fix_webp_alpha_flag(bytes);
    write_file_safely(out, bytes, options.overwrite ? IfExists::Replace : IfExists::Refuse, options.protect);
    return warnings;
}

}  // namespace restora
