// Loading and exporting photos: formats, bit depth, alpha, orientation, header limits, a corpus of
// bad inputs generated here, and safe exports (temp file + rename, originals untouched).
#include <gtest/gtest.h>

#include "restora/core/image_io.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

ErrorKind load_error_kind(const fs::path& p, std::string* message = nullptr) {
    try {
        load_image(p);
    } catch (const Error& e) {
        if (message != nullptr) *message = e.what();
        return e.kind();
    }
    return ErrorKind::Processing;  // "no error" is reported as a mismatch by the callers
}

std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& m, std::vector<int> params = {}) {
    std::vector<uint8_t> b;
    cv::imencode(ext, m, b, params);
    return b;
}

void expect_no_temp_files(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
        EXPECT_EQ(e.path().filename().string().find(".restora-"), std::string::npos) << e.path();
    }
}

}  // namespace

TEST(ImageIo, RoundTripsBitDepthAndAlphaForEveryWritableFormat) {
    TempDir dir;
    const cv::Mat rgb8 = test::synthetic_photo(64, 48, CV_8U);
    const cv::Mat rgb16 = test::synthetic_photo(64, 48, CV_16U);
    cv::Mat rgba16;
    cv::cvtColor(rgb16, rgba16, cv::COLOR_BGR2BGRA);
    rgba16.forEach<cv::Vec4w>([](cv::Vec4w& p, const int* pos) { p[3] = static_cast<uint16_t>(pos[1] * 1000); });
    ExportOptions o;
    for (const std::string ext : {".png", ".tif"}) {
        export_image(rgba16, Metadata(), {64, 48, {}, {}}, dir / ("a16" + ext), o);
        const LoadedImage back = load_image(dir / ("a16" + ext));
        EXPECT_EQ(back.pixels.type(), CV_16UC4) << ext;
        EXPECT_EQ(cv::norm(back.pixels, rgba16, cv::NORM_INF), 0) << ext;
    }
    export_image(rgb8, Metadata(), {64, 48, {}, {}}, dir / "a.jpg", o);
    const LoadedImage jpg = load_image(dir / "a.jpg");
    EXPECT_EQ(jpg.pixels.type(), CV_8UC3);
    EXPECT_GT(test::psnr(jpg.pixels, rgb8), 26.0);  // saturated synthetic edges vs 4:2:0 chroma
    o.webp_quality = 101;                           // lossless
    cv::Mat rgba8;
    cv::cvtColor(rgb8, rgba8, cv::COLOR_BGR2BGRA);
    export_image(rgba8, Metadata(), {64, 48, {}, {}}, dir / "a.webp", o);
    const LoadedImage webp = load_image(dir / "a.webp");
    EXPECT_EQ(webp.pixels.type(), CV_8UC4);
    EXPECT_EQ(cv::norm(webp.pixels, rgba8, cv::NORM_INF), 0);
    // BMP is read, and greyscale becomes three equal channels at the same depth.
    cv::Mat grey;
    cv::cvtColor(rgb8, grey, cv::COLOR_BGR2GRAY);
    test::write_bytes(dir / "g.bmp", encode(".bmp", grey));
    const LoadedImage bmp = load_image(dir / "g.bmp");
    EXPECT_EQ(bmp.format, ImageFormat::Bmp);
    EXPECT_EQ(bmp.pixels.type(), CV_8UC3);
    expect_no_temp_files(dir.path());
}

TEST(ImageIo, AppliesExifOrientation) {
    TempDir dir;
    cv::Mat img(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
    img(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(255, 255, 255));  // marker top-left
    test::write_bytes(dir / "o.jpg", encode(".jpg", img, {cv::IMWRITE_JPEG_QUALITY, 100}));
    const std::map<int, cv::Point> marker = {{1, {5, 5}}, {3, {34, 14}}, {6, {14, 5}}, {8, {5, 34}}};
    for (const auto& [o, at] : marker) {
        const fs::path p = dir / std::string("o").append(std::to_string(o)).append(".jpg");
        fs::copy_file(dir / "o.jpg", p);
        ASSERT_EQ(
            test::sh("exiv2 -M'set Exif.Image.Orientation Short " + std::to_string(o) + "' " + test::quote(p)).code, 0);
        const LoadedImage l = load_image(p);
        EXPECT_EQ(l.orientation, o);
        const bool swapped = o >= 5;
        EXPECT_EQ(l.pixels.cols, swapped ? 20 : 40) << o;
        EXPECT_GT(l.pixels.at<cv::Vec3b>(at)[0], 200) << "orientation " << o;
    }
}

TEST(ImageIo, HeaderReportsSizeWithoutDecoding) {
    TempDir dir;
    const cv::Mat img = test::synthetic_photo(37, 23);
    for (const std::string ext : {".jpg", ".png", ".tif", ".webp", ".bmp"}) {
        test::write_bytes(dir / ("h" + ext), encode(ext, img));
        const ImageHeader h = read_header(dir / ("h" + ext));
        EXPECT_EQ(h.width, 37) << ext;
        EXPECT_EQ(h.height, 23) << ext;
    }
    cv::Mat rgba;
    cv::cvtColor(img, rgba, cv::COLOR_BGR2BGRA);
    test::write_bytes(dir / "lossless.webp", encode(".webp", rgba, {cv::IMWRITE_WEBP_QUALITY, 101}));
    EXPECT_EQ(read_header(dir / "lossless.webp").width, 37);
}

TEST(ImageIo, BadInputCorpusGivesTypedErrorsAndNeverCrashes) {
    TempDir dir;
    const cv::Mat img = test::synthetic_photo(200, 150);
    std::map<std::string, std::vector<uint8_t>> corpus;
    corpus["empty.jpg"] = {};
    for (const std::string ext : {".jpg", ".png", ".tif", ".webp"}) {
        std::vector<uint8_t> full = encode(ext, img);
        corpus["truncated" + ext] =
            std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(full.size() / 2));
        corpus["header-only" + ext] = std::vector<uint8_t>(full.begin(), full.begin() + 40);
        std::vector<uint8_t> corrupt = full;
        for (size_t i = full.size() / 3; i < full.size(); i += 7) corrupt[i] = static_cast<uint8_t>(i * 131);
        corpus["corrupt" + ext] = corrupt;
    }
    const std::string text = "this is not an image\n";
    corpus["text.jpg"] = std::vector<uint8_t>(text.begin(), text.end());
    corpus["gif.gif"] = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
    // A PNG header claiming 70000 x 70000: refused from the header, nothing decoded.
    std::vector<uint8_t> huge = encode(".png", img);
    const uint32_t side = 70000;
    for (int k = 0; k < 4; ++k) {
        huge[16 + k] = static_cast<uint8_t>(side >> (24 - 8 * k));
        huge[20 + k] = static_cast<uint8_t>(side >> (24 - 8 * k));
    }
    corpus["huge.png"] = huge;
    for (const auto& [name, bytes] : corpus) {
        test::write_bytes(dir / name, bytes);
        std::string msg;
        const ErrorKind kind = load_error_kind(dir / name, &msg);
        // Corrupted entropy data may still decode (JPEG, WebP are robust); what matters is a typed
        // error or a real image, never a crash or an exception of another type.
        if (name.rfind("corrupt", 0) == 0 && kind == ErrorKind::Processing) continue;
        EXPECT_EQ(kind, ErrorKind::Input) << name;
        EXPECT_NE(msg.find(name), std::string::npos) << "the message names the file: " << msg;
    }
    std::string msg;
    EXPECT_EQ(load_error_kind(dir / "huge.png", &msg), ErrorKind::Input);
    EXPECT_NE(msg.find("250 MP"), std::string::npos) << msg;
    EXPECT_EQ(load_error_kind(dir / "missing.png", &msg), ErrorKind::Input);
    EXPECT_EQ(load_error_kind(dir.path(), &msg), ErrorKind::Input);
}

TEST(ImageIo, ContentDecidesNotTheExtension) {
    TempDir dir;
    const cv::Mat img = test::synthetic_photo(30, 20);
    test::write_bytes(dir / "really-a-png.jpg", encode(".png", img));
    const LoadedImage l = load_image(dir / "really-a-png.jpg");
    EXPECT_EQ(l.format, ImageFormat::Png);
    EXPECT_EQ(cv::norm(l.pixels, img, cv::NORM_INF), 0);
}

TEST(ImageIo, NonAsciiPathsWork) {
    TempDir dir;
    const fs::path folder = dir / "Fotos – Großmutter 写真";
    fs::create_directories(folder);
    const cv::Mat img = test::synthetic_photo(30, 20);
    export_image(img, Metadata(), {30, 20, {}, {}}, folder / "Porträt é.png", {});
    const LoadedImage l = load_image(folder / "Porträt é.png");
    EXPECT_EQ(cv::norm(l.pixels, img, cv::NORM_INF), 0);
}

TEST(ImageIo, ExportRefusesLossOverwriteAndUnwritableFolders) {
    TempDir dir;
    const cv::Mat img16 = test::synthetic_photo(30, 20, CV_16U);
    ExportOptions o;
    try {
        export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "x.jpg", o);
        FAIL() << "16-bit to JPEG must need --allow-loss";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Usage);
        EXPECT_NE(std::string(e.what()).find("16-bit"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(dir / "x.jpg"));
    o.allow_loss = true;
    export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "x.jpg", o);
    EXPECT_EQ(load_image(dir / "x.jpg").pixels.depth(), CV_8U);

    // Existing outputs are replaced only on request, and atomically.
    const std::string before = sha256_file(dir / "x.jpg");
    EXPECT_THROW(export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "x.jpg", o), Error);
    EXPECT_EQ(sha256_file(dir / "x.jpg"), before);
    o.overwrite = true;
    export_image(test::synthetic_photo(30, 20, CV_16U, 9), Metadata(), {30, 20, {}, {}}, dir / "x.jpg", o);
    EXPECT_NE(sha256_file(dir / "x.jpg"), before);

    // A folder that cannot hold files: a path below a regular file.
    try {
        export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "x.jpg" / "y.png", o);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Processing);
    }
    if (::geteuid() != 0) {  // root ignores permission bits
        fs::create_directories(dir / "ro");
        fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
        EXPECT_THROW(export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "ro" / "y.png", o), Error);
        fs::permissions(dir / "ro", fs::perms::owner_all);
    }
    EXPECT_THROW(export_image(img16, Metadata(), {30, 20, {}, {}}, dir / "y.gif", o), Error);
    expect_no_temp_files(dir.path());
}

TEST(ImageIo, LimitsAreCheckedForOutputsToo) {
    EXPECT_NO_THROW(check_pixel_limits(20000, 12000, "out", ImageFormat::Png));
    EXPECT_THROW(check_pixel_limits(20000, 13000, "out", ImageFormat::Png), Error);
    EXPECT_THROW(check_pixel_limits(70000, 10, "out", ImageFormat::Png), Error);
    EXPECT_THROW(check_pixel_limits(16384, 100, "out", ImageFormat::Webp), Error);
    EXPECT_NO_THROW(check_pixel_limits(16383, 100, "out", ImageFormat::Webp));
}

TEST(ImageIo, LossesAreNamed) {
    const cv::Mat rgba16(4, 4, CV_16UC4, cv::Scalar::all(1000));
    const auto lost = export_losses(rgba16, Metadata(), ImageFormat::Jpeg);
    ASSERT_EQ(lost.size(), 2U);
    EXPECT_TRUE(export_losses(rgba16, Metadata(), ImageFormat::Png).empty());
    EXPECT_TRUE(export_losses(rgba16, Metadata(), ImageFormat::Tiff).empty());
    EXPECT_EQ(export_losses(rgba16, Metadata(), ImageFormat::Webp).size(), 1U);
}

// The JPEG quality estimate (the denoiser's JPEG slider starts from it): libjpeg's own files at
// every quality, the bundled sample (saved by PIL at 92), and 0 for other formats.
TEST(ImageIo, EstimatesAJpegsQualityFromItsTables) {
    cv::Mat img(64, 64, CV_8UC3);
    cv::randu(img, 0, 255);
    for (int q : {10, 30, 50, 75, 90, 95, 100}) {
        std::vector<uchar> buf;
        cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, q});
        EXPECT_NEAR(jpeg_quality_estimate({buf.begin(), buf.end()}), q, 1) << "quality " << q;
    }
    EXPECT_EQ(jpeg_quality_of_file(fs::path(test::source_dir()) / "resources/sample/chelsea-noisy.jpg"), 92);
    std::vector<uchar> png;
    cv::imencode(".png", img, png);
    EXPECT_EQ(jpeg_quality_estimate({png.begin(), png.end()}), 0);
    EXPECT_EQ(jpeg_quality_estimate({0xFF, 0xD8, 0xFF, 0xDB, 0x00}), 0) << "a truncated table";
    EXPECT_EQ(jpeg_quality_of_file("/nonexistent/photo.jpg"), 0);
}

// A PNG chunk that claims more bytes than the file holds is refused before the decoder, which
// would allocate what the chunk claims (found by fuzzing: a 65 KB file made libpng ask for 781 MB).
TEST(ImageIo, PngChunksThatClaimMoreThanTheFileAreDamage) {
    test::TempDir dir;
    std::vector<uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", test::synthetic_photo(32, 24), png));
    const auto ok = dir.path() / "ok.png";
    test::write_bytes(ok, png);
    EXPECT_EQ(restora::load_image(ok).pixels.size(), cv::Size(32, 24));
    // Before IEND (the last 12 bytes): a tEXt chunk claiming 781,349,760 bytes, 16 present.
    std::vector<uint8_t> bad(png.begin(), png.end() - 12);
    const uint8_t chunk[] = {0x2E, 0x92, 0x50, 0x80, 't', 'E', 'X', 't'};
    bad.insert(bad.end(), chunk, chunk + 8);
    bad.insert(bad.end(), 16, uint8_t{'a'});
    bad.insert(bad.end(), png.end() - 12, png.end());
    const auto lying = dir.path() / "lying.png";
    test::write_bytes(lying, bad);
    try {
        (void)restora::load_image(lying);
        FAIL() << "a chunk longer than the file was decoded";
    } catch (const restora::Error& e) {
        EXPECT_EQ(e.kind(), restora::ErrorKind::Input);
        EXPECT_NE(std::string(e.what()).find("tEXt"), std::string::npos) << e.what();
    }
    // Cut short before IEND: damage too.
    const auto cut = dir.path() / "cut.png";
    test::write_bytes(cut, std::vector<uint8_t>(png.begin(), png.end() - 12));
    EXPECT_THROW((void)restora::load_image(cut), restora::Error);
}
