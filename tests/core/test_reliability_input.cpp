// Inputs that are not what they claim, and valid files that must load (docs/RELIABILITY.md):
// corrupt JPEGs that still end with an end marker, real-world JPEG variants (progressive,
// restart markers, grey, CMYK), uncompressed tiled TIFFs, OS/2 bitmaps, symlink loops, and
// OpenCV's own log lines. The inputs are generated here.
// jpeglib.h needs FILE and size_t first.
#include <cstdio>

#include <jpeglib.h>
#include <tiffio.h>

#include <gtest/gtest.h>

#include "reliability_util.h"
#include "restora/core/image_io.h"
#include "restora/models/errors.h"
#include "test_util.h"

using test::contains;
using test::quote;
using test::Reliability;
namespace fs = std::filesystem;

namespace {

test::Result cli(const std::string& args) { return test::reliability_cli(args); }

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& img, const std::vector<int>& params = {}) {
    std::vector<uint8_t> b;
    EXPECT_TRUE(cv::imencode(ext, img, b, params));
    return b;
}

// Offset of the first byte of entropy-coded data (after the SOS segment).
size_t scan_start(const std::vector<uint8_t>& b) {
    for (size_t i = 2; i + 3 < b.size(); ++i) {
        if (b[i] == 0xFF && b[i + 1] == 0xDA) return i + 2 + ((size_t(b[i + 2]) << 8) | b[i + 3]);
    }
    return 0;
}

// A CMYK JPEG as Photoshop writes them: inverted inks, an Adobe marker (libjpeg's default for CMYK).
std::vector<uint8_t> cmyk_jpeg(const cv::Mat& cmyk) {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* out = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = static_cast<JDIMENSION>(cmyk.cols);
    c.image_height = static_cast<JDIMENSION>(cmyk.rows);
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 98, TRUE);
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < cmyk.rows; ++y) {
        JSAMPROW row = const_cast<uint8_t*>(cmyk.ptr<uint8_t>(y));
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    std::vector<uint8_t> bytes(out, out + size);
    std::free(out);
    return bytes;
}

// An uncompressed tiled TIFF written by libtiff (8 bits, `channels` 1 or 3).
void write_tiled_tiff(const fs::path& p, const cv::Mat& bgr_or_grey) {
    TIFF* t = TIFFOpen(p.c_str(), "w");
    ASSERT_NE(t, nullptr);
    const int ch = bgr_or_grey.channels();
    cv::Mat src;
    if (ch == 3) {
        cv::cvtColor(bgr_or_grey, src, cv::COLOR_BGR2RGB);
    } else {
        src = bgr_or_grey;
    }
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(src.cols));
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(src.rows));
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(ch));
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(8));
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, ch == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_TILEWIDTH, 16U);
    TIFFSetField(t, TIFFTAG_TILELENGTH, 16U);
    std::vector<uint8_t> tile(16 * 16 * static_cast<size_t>(ch));
    for (int ty = 0; ty < src.rows; ty += 16) {
        for (int tx = 0; tx < src.cols; tx += 16) {
            std::fill(tile.begin(), tile.end(), 0);
            for (int y = 0; y < 16 && ty + y < src.rows; ++y) {
                for (int x = 0; x < 16 && tx + x < src.cols; ++x) {
                    for (int c = 0; c < ch; ++c) {
                        tile[(static_cast<size_t>(y) * 16 + x) * ch + c] = src.ptr<uint8_t>(ty + y)[(tx + x) * ch + c];
                    }
                }
            }
            ASSERT_GE(TIFFWriteTile(t, tile.data(), static_cast<uint32_t>(tx), static_cast<uint32_t>(ty), 0, 0), 0);
        }
    }
    TIFFClose(t);
}

// An OS/2 1.x bitmap (BMP version 2): a 12-byte BITMAPCOREHEADER with 16-bit sizes, 24 bits a pixel.
std::vector<uint8_t> os2_bitmap(const cv::Mat& bgr) {
    const int row = (bgr.cols * 3 + 3) / 4 * 4;
    const uint32_t size = 14 + 12 + static_cast<uint32_t>(row * bgr.rows);
    std::vector<uint8_t> b = {'B', 'M'};
    auto put = [&](uint32_t v, int n) {
        for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    put(size, 4);
    put(0, 4);
    put(26, 4);  // pixel data offset
    put(12, 4);  // header size: OS/2 1.x
    put(static_cast<uint32_t>(bgr.cols), 2);
    put(static_cast<uint32_t>(bgr.rows), 2);
    put(1, 2);                                 // planes
    put(24, 2);                                // bits a pixel
    for (int y = bgr.rows - 1; y >= 0; --y) {  // bottom-up
        const uint8_t* p = bgr.ptr<uint8_t>(y);
        b.insert(b.end(), p, p + bgr.cols * 3);
        b.resize(b.size() + static_cast<size_t>(row - bgr.cols * 3), 0);
    }
    return b;
}

// ---- corrupt JPEGs that still end with an end marker ----

TEST_F(Reliability, CorruptJpegsAreRefusedNotGrey) {
    const cv::Mat img = test::add_noise(test::synthetic_photo(128, 96), 20);
    const std::vector<uint8_t> good = encode(".jpg", img, {cv::IMWRITE_JPEG_QUALITY, 90});
    const size_t scan = scan_start(good);
    ASSERT_GT(scan, 0U);
    // Cut in the middle of the scan, an end marker appended: libjpeg fills the rest with grey.
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(scan + (good.size() - scan) / 3));
    cut.push_back(0xFF);
    cut.push_back(0xD9);
    // A run of the scan overwritten with one-bits (0xFF stuffed as FF 00): the all-ones code is
    // no Huffman code.
    std::vector<uint8_t> garbled = good;
    for (size_t i = scan + 100; i < scan + 400; i += 2) {
        garbled[i] = 0xFF;
        garbled[i + 1] = 0x00;
    }
    // A restart marker where none belongs in a file written without restart intervals.
    std::vector<uint8_t> marker = good;
    marker[scan + 200] = 0xFF;
    marker[scan + 201] = 0xD3;
    test::write_bytes(dir / "cut.jpg", cut);
    test::write_bytes(dir / "garbled.jpg", garbled);
    test::write_bytes(dir / "marker.jpg", marker);
    snapshot();
    for (const std::string name : {"cut.jpg", "garbled.jpg", "marker.jpg"}) {
        const fs::path in = dir / name;
        const auto info = cli("info " + quote(in));
        EXPECT_EQ(info.code, 3) << name << ": " << info.output;
        const auto r = cli("run upscale " + quote(in) + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
        EXPECT_EQ(r.code, 3) << name << ": " << r.output;
        EXPECT_TRUE(contains(r.output, in.string()) && contains(r.output, "JPEG data is corrupt")) << r.output;
        EXPECT_THROW(restora::load_image(in), restora::Error) << name;
    }
    expect_unchanged();
}

// Valid JPEGs in the forms cameras and editors write decode exactly as OpenCV decodes them.
TEST_F(Reliability, RealWorldJpegVariantsLoad) {
    const cv::Mat img = test::add_noise(test::synthetic_photo(97, 61), 6);
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    const std::vector<std::pair<std::string, std::vector<uint8_t>>> files = {
        {"baseline.jpg", encode(".jpg", img)},
        {"progressive.jpg", encode(".jpg", img, {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
        {"restart.jpg", encode(".jpg", img, {cv::IMWRITE_JPEG_RST_INTERVAL, 2})},
        {"optimized.jpg", encode(".jpg", img, {cv::IMWRITE_JPEG_OPTIMIZE, 1, cv::IMWRITE_JPEG_QUALITY, 60})},
        {"grey.jpg", encode(".jpg", grey)},
    };
    for (const auto& [name, bytes] : files) {
        test::write_bytes(dir / name, bytes);
        const restora::LoadedImage loaded = restora::load_image(dir / name);
        cv::Mat expected = cv::imdecode(bytes, cv::IMREAD_COLOR);
        ASSERT_EQ(loaded.pixels.size(), expected.size()) << name;
        EXPECT_EQ(cv::norm(loaded.pixels, expected, cv::NORM_INF), 0.0) << name;
        EXPECT_EQ(cli("info " + quote(dir / name)).code, 0) << name;
    }
}

TEST_F(Reliability, CmykJpegsLoad) {
    // Inverted inks (Adobe): 255 = no ink. Pure cyan on the left half, black ink on the right.
    cv::Mat cmyk(32, 48, CV_8UC4, cv::Scalar(255, 255, 255, 255));
    cmyk(cv::Rect(0, 0, 24, 32)).setTo(cv::Scalar(0, 255, 255, 255));
    cmyk(cv::Rect(24, 0, 24, 32)).setTo(cv::Scalar(255, 255, 255, 64));
    const fs::path in = dir / "cmyk.jpg";
    test::write_bytes(in, cmyk_jpeg(cmyk));
    snapshot();
    const restora::LoadedImage loaded = restora::load_image(in);
    ASSERT_EQ(loaded.pixels.type(), CV_8UC3);
    const cv::Vec3b cyan = loaded.pixels.at<cv::Vec3b>(16, 8);  // BGR
    const cv::Vec3b dark = loaded.pixels.at<cv::Vec3b>(16, 40);
    EXPECT_GT(cyan[0], 240);
    EXPECT_GT(cyan[1], 240);
    EXPECT_LT(cyan[2], 15);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(dark[c], 64, 4);
    const auto r = cli("run upscale " + quote(in) + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(test::read_bytes(in), before[in]);
}

// ---- valid files OpenCV refuses or misreads ----

TEST_F(Reliability, UncompressedTiledTiffsLoad) {
    const cv::Mat img = test::synthetic_photo(100, 70);  // not a multiple of the 16-px tiles
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    write_tiled_tiff(dir / "tiled.tif", img);
    write_tiled_tiff(dir / "tiled-grey.tif", grey);
    snapshot();
    const restora::LoadedImage rgb = restora::load_image(dir / "tiled.tif");
    EXPECT_EQ(cv::norm(rgb.pixels, img, cv::NORM_INF), 0.0);
    cv::Mat grey3;
    cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
    EXPECT_EQ(cv::norm(restora::load_image(dir / "tiled-grey.tif").pixels, grey3, cv::NORM_INF), 0.0);
    const auto r =
        cli("run upscale " + quote(dir / "tiled.tif") + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_FALSE(contains(r.output, "WARN")) << r.output;
    EXPECT_EQ(test::read_bytes(dir / "tiled.tif"), before[dir / "tiled.tif"]);
}

TEST_F(Reliability, Os2BitmapsLoad) {
    const cv::Mat img = test::synthetic_photo(50, 30);
    test::write_bytes(dir / "os2.bmp", os2_bitmap(img));
    const restora::ImageHeader h = restora::read_header(dir / "os2.bmp");
    EXPECT_EQ(h.width, 50);
    EXPECT_EQ(h.height, 30);
    const restora::LoadedImage loaded = restora::load_image(dir / "os2.bmp");
    EXPECT_EQ(cv::norm(loaded.pixels, img, cv::NORM_INF), 0.0);
    const auto r = cli("info " + quote(dir / "os2.bmp"));
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "50x30")) << r.output;
}

// A damaged TIFF: one clear error line, none of OpenCV's or libtiff's own log lines.
TEST_F(Reliability, DecoderLogLinesDoNotLeak) {
    write_tiled_tiff(dir / "tiled.tif", test::synthetic_photo(100, 70));
    std::vector<uint8_t> b = test::read_bytes(dir / "tiled.tif");
    b.resize(b.size() / 2);
    test::write_bytes(dir / "half.tif", b);
    fs::remove(dir / "tiled.tif");
    snapshot();
    const auto r = cli("run upscale " + quote(dir / "half.tif") + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_TRUE(contains(r.output, "half.tif")) << r.output;
    EXPECT_FALSE(contains(r.output, "[ WARN") || contains(r.output, "imdecode_") || contains(r.output, "TIFFRead"))
        << r.output;
    expect_unchanged();
}

// ---- symlink loops are input errors (exit 3), wherever the path is given ----

TEST_F(Reliability, SymlinkLoopsAreInputErrors) {
    fs::create_symlink(dir / "loop-b.png", dir / "loop-a.png");
    fs::create_symlink(dir / "loop-a.png", dir / "loop-b.png");
    snapshot();
    const std::string loop = quote(dir / "loop-a.png");
    const std::vector<std::string> cases = {
        "info " + loop,
        "run upscale " + loop + " -o " + quote(dir / "out.png") + test::kUpscaleArgs,
        "run inpaint " + quote(photo) + " --mask " + loop + " -o " + quote(dir / "out.png"),
        "compare " + loop + " " + quote(photo) + " -o " + quote(dir / "out.png"),
        "replay " + loop + " " + quote(photo) + " -o " + quote(dir / "out.png"),
    };
    for (const auto& c : cases) {
        const auto r = cli(c);
        EXPECT_EQ(r.code, 3) << c << ": " << r.output;
        EXPECT_TRUE(contains(r.output, "loop-a.png") && contains(r.output, "link loop")) << c << ": " << r.output;
    }
    expect_unchanged();
}

}  // namespace
