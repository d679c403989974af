// Metadata under hostile input (docs/RELIABILITY.md): unparseable XMP (malformed, a DOCTYPE,
// nesting beyond the limit), XMP too large for a JPEG once the history is added, an ICC profile
// that does not describe RGB pixels, a damaged EXIF block. Each is dropped with a `warning:` line
// naming it, the rest of the metadata is kept, the export never fails after the work, and the
// inputs are byte-identical afterwards. Fixtures: the exiv2 tool (an independent writer) and raw
// APP1 segments written here.
#include <gtest/gtest.h>

#include "reliability_util.h"
#include "restora/core/metadata.h"
#include "test_util.h"

using test::contains;
using test::quote;
using test::Reliability;
namespace fs = std::filesystem;

namespace {

test::Result cli(const std::string& args) { return test::reliability_cli(args); }

// A JPEG with EXIF and IPTC written by the exiv2 tool.
void write_jpeg_with_exif(const fs::path& p) {
    ASSERT_TRUE(cv::imwrite(p.string(), test::synthetic_photo(64, 48)));
    const auto r =
        test::sh("exiv2 -M'set Exif.Image.Artist Ada Lovelace' -M'set Iptc.Application2.Caption A photo' " + quote(p));
    ASSERT_EQ(r.code, 0) << r.output;
}

// Inserts an APP1 segment (signature + payload) right after the SOI marker.
void insert_app1(const fs::path& p, const std::string& signature, const std::string& payload) {
    std::vector<uint8_t> b = test::read_bytes(p);
    std::string seg = signature + payload;
    const size_t len = seg.size() + 2;
    ASSERT_LE(len, 65535U);
    std::vector<uint8_t> app = {0xFF, 0xE1, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len & 0xFF)};
    app.insert(app.end(), seg.begin(), seg.end());
    b.insert(b.begin() + 2, app.begin(), app.end());
    test::write_bytes(p, b);
}

const std::string kXmpSignature = std::string("http://ns.adobe.com/xap/1.0/") + '\0';

std::string xmp_packet(const std::string& body) {
    return "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
           "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">" +
           body + "</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
}

std::string exiv2_print(const fs::path& p) { return test::sh("exiv2 -pa " + quote(p) + " 2>/dev/null").output; }

bool has_warning_line(const std::string& output, const std::string& start) {
    return contains("\n" + output, "\nwarning: " + start);
}

TEST_F(Reliability, UnparseableXmpWarnsAndKeepsTheRest) {
    std::string deep;
    for (int i = 0; i < 1500; ++i) deep += "<rdf:Description>";
    for (int i = 0; i < 1500; ++i) deep += "</rdf:Description>";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"malformed", xmp_packet("<rdf:Description rdf:about=\"\"><dc:title>unclosed</rdf:Description>")},
        {"doctype", "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>" +
                        xmp_packet("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                                   "dc:format=\"&b;\"/>")},
        {"deep", xmp_packet(deep)},
    };
    for (const auto& [name, packet] : cases) {
        const fs::path in = dir / (name + ".jpg");
        write_jpeg_with_exif(in);
        insert_app1(in, kXmpSignature, packet);
    }
    snapshot();
    for (const auto& [name, packet] : cases) {
        const fs::path in = dir / (name + ".jpg");
        const fs::path out = dir / (name + "-out.jpg");
        const auto r = cli("run upscale " + quote(in) + " -o " + quote(out) + test::kUpscaleArgs);
        EXPECT_EQ(r.code, 0) << name << ": " << r.output;
        EXPECT_TRUE(has_warning_line(r.output, "XMP metadata of " + in.string())) << name << ": " << r.output;
        const std::string printed = exiv2_print(out);
        EXPECT_TRUE(contains(printed, "Ada Lovelace")) << name << ": EXIF lost";
        EXPECT_TRUE(contains(printed, "A photo")) << name << ": IPTC lost";
        EXPECT_TRUE(contains(printed, "Xmp.restora.History")) << name << ": no history";
        fs::remove(out);
        fs::remove_all(dir / (name + "-out.jpg.restora"));
    }
    expect_unchanged();
}

// 64 KB of XMP fits a JPEG, but not with the history added: refused before any work without
// --allow-loss; with it, the photo's XMP is dropped with a warning and the history kept.
TEST_F(Reliability, LargeXmpOnJpegIsCheckedBeforeTheWork) {
    const fs::path in = dir / "big-xmp.jpg";
    write_jpeg_with_exif(in);
    insert_app1(in, kXmpSignature,
                xmp_packet("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                           "<dc:description>" +
                           std::string(64700, 'x') + "</dc:description></rdf:Description>"));
    snapshot();
    const fs::path out = dir / "out.jpg";
    const auto refused = cli("run upscale " + quote(in) + " -o " + quote(out) + test::kUpscaleArgs);
    EXPECT_EQ(refused.code, 2) << refused.output;
    EXPECT_TRUE(contains(refused.output, "XMP") && contains(refused.output, "--allow-loss")) << refused.output;
    expect_unchanged();

    const auto r = cli("run upscale " + quote(in) + " -o " + quote(out) + " --allow-loss" + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "warning: ") && contains(r.output, "XMP")) << r.output;
    const std::string printed = exiv2_print(out);
    EXPECT_TRUE(contains(printed, "Ada Lovelace"));
    EXPECT_TRUE(contains(printed, "Xmp.restora.History"));
    EXPECT_FALSE(contains(printed, "Xmp.dc.description"));
    EXPECT_EQ(test::read_bytes(in), before[in]);
    // PNG holds it all.
    const auto png = cli("run upscale " + quote(in) + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
    EXPECT_EQ(png.code, 0) << png.output;
    EXPECT_TRUE(contains(exiv2_print(dir / "out.png"), "Xmp.dc.description"));
}

// Restora's pixels are RGB: a CMYK (or grey, or Lab) profile never goes with them.
TEST_F(Reliability, NonRgbIccProfilesAreNotAttached) {
    for (const std::string space : {"CMYK", "GRAY"}) {
        std::vector<uint8_t> icc = test::tiny_icc_profile();
        std::copy(space.begin(), space.end(), icc.begin() + 16);
        const fs::path in = dir / (space + ".jpg");
        write_jpeg_with_exif(in);
        test::write_bytes(dir / (space + ".icc"), icc);
        const auto w = test::sh("exiv2 -iC " + quote(in));
        ASSERT_EQ(w.code, 0) << w.output;
        ASSERT_TRUE(restora::Metadata::read_file(in).warnings().size() == 1);
    }
    snapshot();
    for (const std::string space : {"CMYK", "GRAY"}) {
        const fs::path in = dir / (space + ".jpg");
        const fs::path out = dir / (space + "-out.png");
        const auto r = cli("run upscale " + quote(in) + " -o " + quote(out) + test::kUpscaleArgs);
        EXPECT_EQ(r.code, 0) << r.output;
        EXPECT_TRUE(has_warning_line(r.output, "ICC profile of " + in.string()) && contains(r.output, space))
            << r.output;
        EXPECT_FALSE(restora::Metadata::read_file(out).has_icc()) << space;
        EXPECT_TRUE(contains(exiv2_print(out), "Ada Lovelace"));
        EXPECT_EQ(test::read_bytes(in), before[in]);
    }
}

// A damaged EXIF block: the warning names EXIF; the pixels still load and export.
TEST_F(Reliability, DamagedExifWarns) {
    const fs::path in = dir / "bad-exif.jpg";
    ASSERT_TRUE(cv::imwrite(in.string(), test::synthetic_photo(64, 48)));
    // A TIFF header whose first directory lies far beyond the segment.
    insert_app1(in, std::string("Exif\0\0", 6), std::string("II*\0\xff\xff\xff\x7f", 8) + std::string(64, '\x01'));
    snapshot();
    const auto r = cli("run upscale " + quote(in) + " -o " + quote(dir / "out.png") + test::kUpscaleArgs);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "warning: ") && contains(r.output, "EXIF")) << r.output;
    EXPECT_EQ(test::read_bytes(in), before[in]);
}

}  // namespace
