// The only place that knows Exiv2. One mutex guards every Exiv2 call: Exiv2 0.27's XMP toolkit
// and its image factory are not safe to use from several threads at once.
#include "restora/core/metadata.h"

#include <exiv2/exiv2.hpp>
#include <exiv2/webpimage.hpp>

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

void fill_from(Metadata::Impl& impl, Exiv2::Image& image) {
    image.readMetadata();
    impl.exif = image.exifData();
    impl.iptc = image.iptcData();
    impl.xmp = image.xmpData();
    if (image.iccProfileDefined()) {
        const Exiv2::DataBuf* buf = image.iccProfile();
        impl.icc.assign(buf->pData_, buf->pData_ + buf->size_);
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
        if (image.get() != nullptr) fill_from(*md.impl_, *image);
    } catch (const Exiv2::AnyError& e) {
        md.impl_ = std::make_shared<Impl>();
        md.impl_->warnings.push_back("metadata of " + path.string() + " could not be read and is dropped: " + e.what());
    } catch (const std::exception& e) {
        md.impl_ = std::make_shared<Impl>();
        md.impl_->warnings.push_back("metadata of " + path.string() + " could not be read and is dropped: " + e.what());
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

}  // namespace

// In memory: the file on disk is written once, by the caller, through a checked temp file.
std::vector<uint8_t> Metadata::write_into_bytes(const std::vector<uint8_t>& encoded, const MetadataEdits& edits,
                                                const std::string& name) const {
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

}  // namespace restora
