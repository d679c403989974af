// The only place that knows Exiv2. One mutex guards every Exiv2 call: Exiv2 0.27's XMP toolkit
// and its image factory are not safe to use from several threads at once.
#include "restora/core/metadata.h"

#include <exiv2/exiv2.hpp>
#include <exiv2/webpimage.hpp>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "restora/core/safe_file.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

struct Metadata::Impl {
    Exiv2::ExifData exif;
    Exiv2::IptcData iptc;
    Exiv2::XmpData xmp;
    std::vector<uint8_t> icc;
    std::vector<std::string> warnings;
};

namespace {

std::mutex& exiv2_mutex() {
    static std::mutex m;
    return m;
}

const char* const kRestoraNs = "http://ns.restora.app/1.0/";
constexpr int kMaxXmpDepth = 1000;

void init_exiv2_locked() {
    static bool done = false;
    if (done) return;
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);  // algorithms never print; errors are typed
    Exiv2::XmpParser::initialize();
    Exiv2::XmpProperties::registerNs(kRestoraNs, "restora");
    done = true;
}

// Tags that describe how the pixels are stored in the source file. They are wrong for any other
// encoding, so they never travel; the writer of the new file sets its own.
const char* const kStructureTags[] = {"Exif.Image.ImageWidth",
                                      "Exif.Image.ImageLength",
                                      "Exif.Image.BitsPerSample",
                                      "Exif.Image.Compression",
                                      "Exif.Image.PhotometricInterpretation",
                                      "Exif.Image.StripOffsets",
                                      "Exif.Image.SamplesPerPixel",
                                      "Exif.Image.RowsPerStrip",
                                      "Exif.Image.StripByteCounts",
                                      "Exif.Image.PlanarConfiguration",
                                      "Exif.Image.TileWidth",
                                      "Exif.Image.TileLength",
                                      "Exif.Image.TileOffsets",
                                      "Exif.Image.TileByteCounts",
                                      "Exif.Image.SubIFDs",
                                      "Exif.Image.NewSubfileType",
                                      "Exif.Image.SubfileType",
                                      "Exif.Image.Predictor",
                                      "Exif.Image.ExtraSamples",
                                      "Exif.Image.SampleFormat",
                                      "Exif.Image.InterColorProfile",
                                      "Exif.Image.XMLPacket",
                                      "Exif.Image.IPTCNAA",
                                      "Exif.Image.ImageResources",
                                      "Exif.Image.JPEGInterchangeFormat",
                                      "Exif.Image.JPEGInterchangeFormatLength"};

void erase_key(Exiv2::ExifData& exif, const char* key) {
    auto it = exif.findKey(Exiv2::ExifKey(key));
    while (it != exif.end()) {
        exif.erase(it);
        it = exif.findKey(Exiv2::ExifKey(key));
    }
}

uint32_t be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Why an ICC profile cannot go with the RGB pixels Restora writes; empty when it can. Restora's
// pixels are always RGB (grey is expanded), so only an intact RGB profile describes them.
std::string icc_problem(const std::vector<uint8_t>& icc) {
    if (icc.size() < 132 || std::memcmp(&icc[36], "acsp", 4) != 0) return "is not a valid ICC profile";
    if (be32(icc.data()) > icc.size())
        return "is cut short (its header says " + std::to_string(be32(icc.data())) + " bytes)";
    std::string space(reinterpret_cast<const char*>(&icc[16]), 4);
    while (!space.empty() && space.back() == ' ') space.pop_back();
    if (space == "RGB") return "";
    for (char& c : space) c = (c >= 32 && c < 127) ? c : '?';
    return "describes " + space + " colours, not the RGB pixels Restora writes";
}

// Why an XMP packet is refused; empty when it parses. Entity declarations are never expanded
// (a DOCTYPE is how an XML bomb is built) and nesting is limited before the parser recurses.
std::string xmp_problem(const std::string& packet) {
    if (packet.find("<!DOCTYPE") != std::string::npos || packet.find("<!ENTITY") != std::string::npos) {
        return "it declares a DOCTYPE or entities, which XMP does not allow";
    }
    int depth = 0;
    int deepest = 0;
    for (size_t i = 0; i + 1 < packet.size(); ++i) {
        if (packet[i] != '<') continue;
        const char next = packet[i + 1];
        if (next == '/') {
            --depth;
        } else if (next != '?' && next != '!') {
            size_t end = i + 1;  // the tag's '>', skipping quoted attribute values
            for (char quote = 0; end < packet.size() && (quote != 0 || packet[end] != '>'); ++end) {
                if (quote == 0 && (packet[end] == '"' || packet[end] == '\'')) {
                    quote = packet[end];
                } else if (packet[end] == quote) {
                    quote = 0;
                }
            }
            if (end >= packet.size()) break;
            if (packet[end - 1] != '/') deepest = std::max(deepest, ++depth);
            i = end;
        }
    }
    if (deepest > kMaxXmpDepth) {
        return "its elements nest " + std::to_string(deepest) + " deep, beyond Restora's limit of " +
               std::to_string(kMaxXmpDepth);
    }
    Exiv2::XmpData parsed;
    if (Exiv2::XmpParser::decode(parsed, packet) != 0) return "it is not well-formed XMP";
    return "";
}

void fill_from(Metadata::Impl& impl, Exiv2::Image& image, const std::string& name) {
    image.readMetadata();
    impl.exif = image.exifData();
    impl.iptc = image.iptcData();
    impl.xmp = image.xmpData();
    const std::string packet = image.xmpPacket();
    if (!packet.empty()) {
        const std::string why = xmp_problem(packet);
        if (!why.empty()) {
            impl.xmp.clear();
            impl.warnings.push_back("XMP metadata of " + name + " cannot be read (" + why +
                                    ") and is dropped; its EXIF, IPTC and ICC metadata are kept");
        }
    }
    if (image.iccProfileDefined()) {
        const Exiv2::DataBuf* buf = image.iccProfile();
        impl.icc.assign(buf->pData_, buf->pData_ + buf->size_);
        const std::string why = icc_problem(impl.icc);
        if (!why.empty()) {
            impl.icc.clear();
            impl.warnings.push_back("ICC profile of " + name + " " + why +
                                    "; it is dropped (a profile that does not describe the pixels would "
                                    "show wrong colours)");
        }
    }
}

}  // namespace

Metadata::Metadata() : impl_(std::make_shared<Impl>()) {}
Metadata::~Metadata() = default;
Metadata::Metadata(const Metadata& o) : impl_(std::make_shared<Impl>(*o.impl_)) {}
Metadata& Metadata::operator=(const Metadata& o) {
    if (this != &o) impl_ = std::make_shared<Impl>(*o.impl_);
    return *this;
}
Metadata::Metadata(Metadata&&) noexcept = default;
Metadata& Metadata::operator=(Metadata&&) noexcept = default;

Metadata Metadata::read_file(const fs::path& path) {
    Metadata md;
    std::lock_guard lock(exiv2_mutex());
    init_exiv2_locked();
    try {
        auto image = Exiv2::ImageFactory::open(path.string());
        if (image.get() != nullptr) fill_from(*md.impl_, *image, path.string());
    } catch (const std::exception& e) {  // Exiv2::AnyError included
        md.impl_ = std::make_shared<Impl>();
        md.impl_->warnings.push_back("EXIF, IPTC, XMP and ICC metadata of " + path.string() + " could not be read (" +
                                     e.what() + ") and are dropped");
    }
    return md;
}

bool Metadata::has_exif() const { return !impl_->exif.empty(); }
bool Metadata::has_iptc() const { return !impl_->iptc.empty(); }
bool Metadata::has_icc() const { return !impl_->icc.empty(); }
std::vector<uint8_t> Metadata::icc_profile() const { return impl_->icc; }
std::vector<std::string> Metadata::warnings() const { return impl_->warnings; }

bool Metadata::has_xmp() const {
    // Restora's own history alone does not make a photo "have XMP" worth warning about.
    for (const auto& d : impl_->xmp) {
        if (d.groupName() != "restora") return true;
    }
    return false;
}

bool Metadata::has_thumbnail() const {
    std::lock_guard lock(exiv2_mutex());
    Exiv2::ExifThumbC thumb(impl_->exif);
    const char* mime = thumb.mimeType();
    return mime != nullptr && *mime != 0;
}

std::vector<uint8_t> Metadata::thumbnail_jpeg() const {
    std::lock_guard lock(exiv2_mutex());
    Exiv2::ExifThumbC thumb(impl_->exif);
    const Exiv2::DataBuf buf = thumb.copy();
    if (buf.size_ <= 0) return {};
    return {buf.pData_, buf.pData_ + buf.size_};
}

int Metadata::orientation() const {
    std::lock_guard lock(exiv2_mutex());
    auto it = impl_->exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
    if (it == impl_->exif.end() || it->count() == 0) return 1;
    const long v = it->toLong();
    return (v >= 1 && v <= 8) ? static_cast<int>(v) : 1;
}

std::string Metadata::history_json() const {
    std::lock_guard lock(exiv2_mutex());
    init_exiv2_locked();
    auto it = impl_->xmp.findKey(Exiv2::XmpKey("Xmp.restora.History"));
    return it == impl_->xmp.end() ? std::string() : it->toString();
}

std::map<std::string, std::string> Metadata::all_values() const {
    std::lock_guard lock(exiv2_mutex());
    std::map<std::string, std::string> out;
    for (const auto& d : impl_->exif) {
        if (d.size() <= 4096) out[d.key()] = d.toString();
    }
    for (const auto& d : impl_->iptc) out[d.key()] = d.toString();
    for (const auto& d : impl_->xmp) out[d.key()] = d.toString();
    return out;
}

MetadataCapabilities Metadata::capabilities(const std::string& format) {
    if (format == "JPEG" || format == "PNG" || format == "TIFF") return {true, true, true, true};
    if (format == "WebP") return {true, false, true, true};
    return {};
}

namespace {

std::vector<uint8_t> io_bytes(Exiv2::Image& image) {
    Exiv2::BasicIo& io = image.io();
    io.open();
    io.seek(0, Exiv2::BasicIo::beg);
    const long size = io.size();
    Exiv2::DataBuf buf = io.read(size);
    io.close();
    if (buf.size_ != size) throw Error(ErrorKind::Processing, "reading back the encoded image failed");
    return {buf.pData_, buf.pData_ + buf.size_};
}

Exiv2::Image::AutoPtr open_bytes(const std::vector<uint8_t>& b) {
    return Exiv2::ImageFactory::open(b.data(), static_cast<long>(b.size()));
}

size_t encoded_xmp_bytes(const Exiv2::XmpData& xmp) {
    std::string packet;
    if (xmp.empty() || Exiv2::XmpParser::encode(packet, xmp, Exiv2::XmpParser::useCompactFormat) != 0) return 0;
    return packet.size();
}

// A JPEG's XMP segment holds 64 KB: beyond that, the photo's own XMP goes first (Restora's
// history stays, replay needs it), then the history, each with a warning; never a failed export.
void fit_xmp_into_jpeg(Exiv2::XmpData& xmp, const std::string& name, std::vector<std::string>* warnings) {
    const size_t bytes = encoded_xmp_bytes(xmp);
    if (bytes <= Metadata::kJpegXmpBytes) return;
    Exiv2::XmpData own;
    for (const auto& d : xmp) {
        if (d.groupName() == "restora") own.add(d);
    }
    std::string what =
        "XMP metadata (" + std::to_string(bytes / 1024) + " KB) is too large for a JPEG's 64 KB XMP segment; ";
    if (encoded_xmp_bytes(own) <= Metadata::kJpegXmpBytes) {
        what +=
            "the photo's XMP is dropped from " + name + " (Restora's history is kept); save as PNG or TIFF to keep it";
        xmp = own;
    } else {
        what += "it is dropped from " + name + ", Restora's history included; save as PNG or TIFF to keep it";
        xmp.clear();
    }
    if (warnings != nullptr) warnings->push_back(what);
}

}  // namespace

// In memory: the file on disk is written once, by the caller, through a checked temp file.
size_t Metadata::xmp_packet_bytes() const {
    std::lock_guard lock(exiv2_mutex());
    init_exiv2_locked();
    return encoded_xmp_bytes(impl_->xmp);
}

std::vector<uint8_t> Metadata::write_into_bytes(const std::vector<uint8_t>& encoded, const MetadataEdits& edits,
                                                const std::string& name, std::vector<std::string>* warnings) const {
    std::lock_guard lock(exiv2_mutex());
    init_exiv2_locked();
    try {
        auto image = open_bytes(encoded);
        if (image.get() == nullptr) throw Error(ErrorKind::Processing, "cannot open the encoded " + name);
        const bool jpeg = image->imageType() == Exiv2::ImageType::jpeg;
        const bool webp = image->imageType() == Exiv2::ImageType::webp;

        Exiv2::ExifData exif = impl_->exif;
        for (const char* key : kStructureTags) erase_key(exif, key);
        if (!exif.empty()) {
            auto orient = exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
            if (orient != exif.end()) exif["Exif.Image.Orientation"] = static_cast<uint16_t>(1);
            exif["Exif.Photo.PixelXDimension"] = static_cast<uint32_t>(edits.width);
            exif["Exif.Photo.PixelYDimension"] = static_cast<uint32_t>(edits.height);
            Exiv2::ExifThumb thumb(exif);
            thumb.erase();
            if (jpeg && !edits.thumbnail_jpeg.empty()) {
                thumb.setJpegThumbnail(edits.thumbnail_jpeg.data(), static_cast<long>(edits.thumbnail_jpeg.size()));
            }
        }
        Exiv2::XmpData xmp = impl_->xmp;
        if (xmp.findKey(Exiv2::XmpKey("Xmp.tiff.Orientation")) != xmp.end()) xmp["Xmp.tiff.Orientation"] = "1";
        if (xmp.findKey(Exiv2::XmpKey("Xmp.exif.PixelXDimension")) != xmp.end()) {
            xmp["Xmp.exif.PixelXDimension"] = std::to_string(edits.width);
            xmp["Xmp.exif.PixelYDimension"] = std::to_string(edits.height);
        }
        for (const char* key : {"Xmp.tiff.ImageWidth", "Xmp.tiff.ImageLength"}) {
            auto it = xmp.findKey(Exiv2::XmpKey(key));
            if (it != xmp.end()) xmp.erase(it);
        }
        if (!edits.history_json.empty()) xmp["Xmp.restora.History"] = edits.history_json;

        image->setExifData(exif);
        if (!webp) image->setIptcData(impl_->iptc);
        if (jpeg) fit_xmp_into_jpeg(xmp, name, warnings);
        image->setXmpData(xmp);
        // Exiv2 0.27 writes an ICC profile into a simple (VP8-only) WebP under a wrong chunk
        // name; once a first pass has added the VP8X header, a second pass writes it correctly.
        const bool icc_second_pass = webp && !impl_->icc.empty();
        if (!impl_->icc.empty() && !icc_second_pass) {
            Exiv2::DataBuf icc(impl_->icc.data(), static_cast<long>(impl_->icc.size()));
            image->setIccProfile(icc, false);
        }
        image->writeMetadata();
        std::vector<uint8_t> out = io_bytes(*image);
        if (icc_second_pass) {
            auto again = open_bytes(out);
            again->readMetadata();
            Exiv2::DataBuf icc(impl_->icc.data(), static_cast<long>(impl_->icc.size()));
            again->setIccProfile(icc, false);
            again->writeMetadata();
            out = io_bytes(*again);
            auto check = open_bytes(out);
            check->readMetadata();
            if (!check->iccProfileDefined()) {
                throw Error(ErrorKind::Processing, "the ICC profile could not be embedded in " + name);
            }
        }
        return out;
    } catch (const Exiv2::AnyError& e) {
        throw Error(ErrorKind::Processing, "writing metadata into " + name + " failed: " + e.what());
    }
}

void Metadata::write_into(const fs::path& file, const MetadataEdits& edits) const {
    const std::vector<uint8_t> encoded = read_regular_file(file, uint64_t(1) << 33, true);
    write_file_safely(file, write_into_bytes(encoded, edits, file.string()), IfExists::Replace);
}

std::string metadata_library_version() { return Exiv2::versionString(); }

}  // namespace restora
