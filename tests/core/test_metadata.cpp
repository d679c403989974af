// Metadata round trips: fixtures are written with the exiv2 command-line tool (an independent
// writer), edited through the pipeline, and read back both by Restora and by the exiv2 tool.
#include <gtest/gtest.h>

#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/pipeline.h"
#include "restora/core/sha256.h"
#include "test_util.h"

using namespace restora;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

// A JPEG with EXIF (orientation 6, thumbnail), IPTC, XMP and an ICC profile.
fs::path make_fixture(const TempDir& dir, const std::string& name, const std::string& ext = ".jpg") {
    const fs::path p = dir / (name + ext);
    const cv::Mat img = test::synthetic_photo(120, 80, ext == ".tif" ? CV_16U : CV_8U);
    EXPECT_TRUE(cv::imwrite(p.string(), img));
    const fs::path stem = dir / name;
    test::write_bytes(fs::path(stem.string() + ".icc"), test::tiny_icc_profile());
    cv::imwrite(stem.string() + "-thumb.jpg", test::synthetic_photo(40, 27));
    const std::string cmd =
        "exiv2 -M'set Exif.Image.Artist Ada Lovelace' -M'set Exif.Image.Copyright CC0 test fixture' "
        "-M'set Exif.Photo.DateTimeOriginal 2001:02:03 04:05:06' -M'set Exif.Image.Orientation Short 6' "
        "-M'set Iptc.Application2.Caption A family photo' -M'set Iptc.Application2.Keywords restoration' "
        "-M'set Xmp.dc.title lang=x-default Grandmother' -M'set Xmp.dc.creator Ada' " +
        test::quote(p) + " && exiv2 -iC " + test::quote(p) + (ext == ".jpg" ? " && exiv2 -it " + test::quote(p) : "");
    const test::Result r = test::sh(cmd);
    EXPECT_EQ(r.code, 0) << r.output;
    return p;
}

std::string exiv2_print(const fs::path& p) { return test::sh("exiv2 -pa " + test::quote(p)).output; }

}  // namespace

TEST(Metadata, ReadsWhatTheExiv2ToolWrote) {
    TempDir dir;
    const fs::path src = make_fixture(dir, "src");
    const Metadata md = Metadata::read_file(src);
    EXPECT_TRUE(md.has_exif());
    EXPECT_TRUE(md.has_iptc());
    EXPECT_TRUE(md.has_xmp());
    EXPECT_TRUE(md.has_icc());
    EXPECT_TRUE(md.has_thumbnail());
    EXPECT_EQ(md.orientation(), 6);
    EXPECT_EQ(md.icc_profile(), test::tiny_icc_profile());
    EXPECT_EQ(md.all_values().at("Exif.Image.Artist"), "Ada Lovelace");
}

TEST(Metadata, EveryExportFormatKeepsEverythingItCanHold) {
    TempDir dir;
    const fs::path src = make_fixture(dir, "src");
    const std::string src_hash = sha256_file(src);
    for (const std::string ext : {".jpg", ".png", ".tif", ".webp"}) {
        SCOPED_TRACE(ext);
        EditRequest r;
        r.op = "upscale";
        r.params = {{"scale", "2"}, {"model", "bicubic"}};
        r.input = src;
        r.output = dir / ("out" + ext);
        r.device = DeviceKind::Cpu;
        r.export_options.allow_loss = ext == ".webp";  // WebP cannot hold IPTC
        const EditOutcome out = run_edit(validate_edit(r), {});
        EXPECT_EQ(out.output_size, cv::Size(160, 240));  // 80x120 after orientation, x2

        const LoadedImage back = load_image(r.output);
        EXPECT_EQ(back.pixels.size(), cv::Size(160, 240));
        EXPECT_EQ(back.orientation, 1);
        const Metadata& md = back.metadata;
        const auto values = md.all_values();
        EXPECT_EQ(values.at("Exif.Image.Artist"), "Ada Lovelace");
        EXPECT_EQ(values.at("Exif.Image.Copyright"), "CC0 test fixture");
        EXPECT_EQ(values.at("Exif.Photo.DateTimeOriginal"), "2001:02:03 04:05:06");
        EXPECT_EQ(values.at("Exif.Photo.PixelXDimension"), "160");
        EXPECT_EQ(values.at("Exif.Photo.PixelYDimension"), "240");
        EXPECT_EQ(values.at("Xmp.dc.creator"), "Ada");
        EXPECT_NE(values.at("Xmp.dc.title").find("Grandmother"), std::string::npos);
        EXPECT_EQ(md.icc_profile(), test::tiny_icc_profile());
        if (ext != ".webp") {
            EXPECT_EQ(values.at("Iptc.Application2.Caption"), "A family photo");
            EXPECT_EQ(values.at("Iptc.Application2.Keywords"), "restoration");
        }
        // The thumbnail is regenerated where the format keeps one, removed elsewhere.
        EXPECT_EQ(md.has_thumbnail(), ext == ".jpg");
        const History h = History::from_json(md.history_json());
        ASSERT_EQ(h.entries.size(), 1U);
        EXPECT_EQ(h.entries[0].op, "upscale");
        EXPECT_EQ(h.entries[0].params.at("scale"), "2");
        EXPECT_EQ(h.source_sha256, src_hash);

        // The independent reader agrees.
        const std::string printed = exiv2_print(r.output);
        EXPECT_NE(printed.find("Ada Lovelace"), std::string::npos) << printed;
        EXPECT_NE(printed.find("Xmp.restora.History"), std::string::npos);
        EXPECT_EQ(test::sh("exiv2 -pC " + test::quote(r.output)).output.size(), test::tiny_icc_profile().size());
    }
    EXPECT_EQ(sha256_file(src), src_hash) << "the original was modified";
    const std::vector<uint8_t> thumb = Metadata::read_file(dir / "out.jpg").thumbnail_jpeg();
    ASSERT_FALSE(thumb.empty());
    const cv::Mat t = cv::imdecode(thumb, cv::IMREAD_COLOR);
    EXPECT_EQ(t.rows, 160);  // regenerated from the upright result, not the old thumbnail
    EXPECT_EQ(t.cols, 107);
}

TEST(Metadata, SixteenBitTiffSourceKeepsMetadataAndDepth) {
    TempDir dir;
    const fs::path src = make_fixture(dir, "src16", ".tif");
    EditRequest r;
    r.op = "denoise";
    r.input = src;
    r.output = dir / "out16.png";
    r.device = DeviceKind::Cpu;
    run_edit(validate_edit(r), {});
    const LoadedImage back = load_image(r.output);
    EXPECT_EQ(back.pixels.depth(), CV_16U);
    EXPECT_EQ(back.metadata.all_values().at("Exif.Image.Artist"), "Ada Lovelace");
    EXPECT_EQ(back.metadata.all_values().at("Iptc.Application2.Caption"), "A family photo");
    EXPECT_EQ(back.metadata.icc_profile(), test::tiny_icc_profile());
}

TEST(Metadata, HistoryAppendsAcrossEditsAndStaysSmall) {
    TempDir dir;
    const fs::path src = make_fixture(dir, "src");
    fs::path current = src;
    for (int i = 0; i < 3; ++i) {
        EditRequest r;
        r.op = "denoise";
        r.params = {{"strength", std::to_string(0.1 * (i + 1))}};
        r.input = current;
        r.output = dir / ("step" + std::to_string(i) + ".png");
        run_edit(validate_edit(r), {});
        current = r.output;
    }
    const History h = History::from_json(Metadata::read_file(current).history_json());
    ASSERT_EQ(h.entries.size(), 3U);
    EXPECT_EQ(h.entries[2].params.at("strength"), "0.3");
    EXPECT_EQ(h.source_sha256, sha256_file(src));

    History big;
    for (int i = 0; i < 2000; ++i) {
        HistoryEntry e;
        e.op = "denoise";
        e.params = {{"strength", "0.5"}};
        e.mask_sha256 = std::string(64, 'a');
        big.entries.push_back(e);
    }
    const std::string json = big.to_json();
    EXPECT_LE(json.size(), History::kMaxJsonBytes);
    const History back = History::from_json(json);
    EXPECT_GT(back.dropped, 0);
    EXPECT_EQ(back.dropped + static_cast<int>(back.entries.size()), 2000);
}

TEST(Metadata, HistoryKeepsTheTileAndReadsOlderEntriesWithout) {
    History h;
    h.source_sha256 = std::string(64, 'b');
    HistoryEntry whole;
    whole.op = "retouch";
    whole.model = "maxim-retouching";
    whole.model_sha256 = std::string(64, 'c');
    whole.tile = 0;
    HistoryEntry tiled = whole;
    tiled.tile = 1024;
    HistoryEntry unknown = whole;
    unknown.tile = -1;
    h.entries = {whole, tiled, unknown};
    const History back = History::from_json(h.to_json());
    ASSERT_EQ(back.entries.size(), 3U);
    EXPECT_EQ(back.entries[0].tile, 0);
    EXPECT_EQ(back.entries[1].tile, 1024);
    EXPECT_EQ(back.entries[2].tile, -1);
    EXPECT_EQ(back.entries, h.entries);
    // Histories written before the tile was recorded.
    const History old =
        History::from_json(R"({"format":1,"source_sha256":"","entries":[{"op":"deblur","version":1,"params":{}}]})");
    ASSERT_EQ(old.entries.size(), 1U);
    EXPECT_EQ(old.entries[0].tile, -1);
}
