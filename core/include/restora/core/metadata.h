#pragma once
// Photo metadata (EXIF, IPTC, XMP, ICC) behind one class. Exiv2 stays inside metadata.cpp: this
// header shows project types only. Every Exiv2 call runs under one mutex and turns Exiv2's
// exceptions into restora::Error or warnings.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace restora {

struct MetadataEdits {
    int width = 0;  // pixel size of the exported image (after orientation)
    int height = 0;
    std::vector<uint8_t> thumbnail_jpeg;  // empty: the EXIF thumbnail is removed
    std::string history_json;             // written to Xmp.restora.History when not empty
};

// What a target file format can hold, as Exiv2 0.27 writes it.
struct MetadataCapabilities {
    bool exif = false;
    bool iptc = false;
    bool xmp = false;
    bool icc = false;
};

class Metadata {
  public:
    Metadata();
    ~Metadata();
    Metadata(const Metadata&);
    Metadata& operator=(const Metadata&);
    Metadata(Metadata&&) noexcept;
    Metadata& operator=(Metadata&&) noexcept;

    // Reads all metadata of an image file. Damaged metadata in a decodable image is not fatal:
    // it is dropped and reported in warnings().
    static Metadata read_file(const std::filesystem::path& path);

    [[nodiscard]] bool has_exif() const;
    [[nodiscard]] bool has_iptc() const;
    [[nodiscard]] bool has_xmp() const;
    [[nodiscard]] bool has_icc() const;
    [[nodiscard]] bool has_thumbnail() const;
    [[nodiscard]] int orientation() const;           // EXIF orientation 1..8 (1 when absent)
    [[nodiscard]] std::string history_json() const;  // Xmp.restora.History, empty when absent
    [[nodiscard]] std::vector<std::string> warnings() const;
    // key -> value for every EXIF, IPTC and XMP datum (for tests and `restora-cli info`).
    [[nodiscard]] std::map<std::string, std::string> all_values() const;
    [[nodiscard]] std::vector<uint8_t> icc_profile() const;
    [[nodiscard]] std::vector<uint8_t> thumbnail_jpeg() const;  // empty when there is none

    // The XMP packet's size as Exiv2 writes it (compact RDF); 0 without XMP.
    [[nodiscard]] size_t xmp_packet_bytes() const;
    // A JPEG holds XMP in one APP1 segment: 65535 bytes less the length and the XMP signature.
    static constexpr size_t kJpegXmpBytes = 65535 - 2 - 29;

    // This metadata, with the edits applied, written into an encoded image held in memory;
    // `name` (the output) is for messages. XMP too large for a JPEG segment is dropped rather
    // than failing the export (the photo's own XMP first, the history only if it alone is too
    // large), with a line in `warnings` naming XMP; export_losses reports it beforehand.
    [[nodiscard]] std::vector<uint8_t> write_into_bytes(const std::vector<uint8_t>& encoded, const MetadataEdits& edits,
                                                        const std::string& name,
                                                        std::vector<std::string>* warnings = nullptr) const;
    // The same for an encoded image file, replaced through a temp file.
    void write_into(const std::filesystem::path& encoded_file, const MetadataEdits& edits) const;

    static MetadataCapabilities capabilities(const std::string& format_name);

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

// The metadata library's version ("0.27.6"), for About boxes and bug reports.
std::string metadata_library_version();

}  // namespace restora
