#pragma once
// Reading and writing photos: header checks before decoding, EXIF orientation, bit depth and
// alpha kept, and exports that go to a temp file in the target folder and are renamed into place.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/metadata.h"

namespace restora {

enum class ImageFormat { Unknown, Jpeg, Png, Tiff, Webp, Bmp };

std::string format_name(ImageFormat f);
// From the file name's extension (for outputs); Unknown when not one we write or read.
ImageFormat format_from_extension(const std::filesystem::path& p);
// From the first bytes of a file (for inputs: the content decides, not the name).
ImageFormat sniff_format(const uint8_t* data, size_t size);
bool format_is_writable(ImageFormat f);
int max_bit_depth(ImageFormat f);
bool supports_alpha(ImageFormat f);

// Documented limits (README): decoding and outputs beyond them are refused before any work.
struct ImageLimits {
    static constexpr int64_t max_pixels = 250'000'000;  // 250 megapixels
    static constexpr int max_side = 65'000;
};
// Throws Error(kind) naming the size when w x h is beyond the limits or the format's own limit.
void check_pixel_limits(int width, int height, const std::string& what, ImageFormat format);

struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    int width = 0;
    int height = 0;
};
// Parses only the header. Throws Error(Input) for missing, empty, unsupported or damaged files.
ImageHeader read_header(const std::filesystem::path& path);

struct LoadedImage {
    cv::Mat pixels;  // BGR/BGRA, CV_8U or CV_16U, orientation applied
    Metadata metadata;
    ImageFormat format = ImageFormat::Unknown;
    int orientation = 1;   // the EXIF orientation that was applied
    int jpeg_quality = 0;  // a JPEG's estimated quality (jpeg_quality_estimate); 0 for other formats
};

// The IJG quality (1..100) that a JPEG's luma quantisation table corresponds to: the table's sum
// against the standard table's, inverted through libjpeg's quality scaling. 0 when the bytes hold
// no luma table (not a JPEG). Encoders with tables of their own (cameras, Photoshop) get the
// IJG quality of the same overall coarseness.
int jpeg_quality_estimate(const std::vector<uint8_t>& bytes);
// The same from the first megabyte of a file (the tables come before the image data); 0 when it
// cannot be read or is not a JPEG.
int jpeg_quality_of_file(const std::filesystem::path& path);
// Throws Error(Input) with a message a person can act on; never returns an empty image.
LoadedImage load_image(const std::filesystem::path& path);

// Applies an EXIF orientation (1..8) so the pixels appear upright.
cv::Mat apply_orientation(const cv::Mat& m, int orientation);

struct ExportOptions {
    int jpeg_quality = 95;
    int webp_quality = 95;  // 101 = lossless
    bool allow_loss = false;
    bool overwrite = false;
    // The command's inputs: never written over, whatever `overwrite` says (checked by device and
    // inode, so other spellings, hard links and symlinks count).
    std::vector<std::filesystem::path> protect;
};

// What exporting these pixels and this metadata to `format` would drop (empty: nothing).
std::vector<std::string> export_losses(const cv::Mat& pixels, const Metadata& metadata, ImageFormat format);

// Encodes to a temp file next to `out`, writes the metadata, then renames it onto `out`.
// Refuses (Usage) an existing `out` without overwrite and any loss without allow_loss. Returns
// warnings about metadata dropped while writing (Metadata::write_into_bytes).
std::vector<std::string> export_image(const cv::Mat& pixels, const Metadata& metadata, const MetadataEdits& edits,
                                      const std::filesystem::path& out, const ExportOptions& options);

// Throws Error(Processing) when no file can be created in `dir`.
void check_folder_writable(const std::filesystem::path& dir);

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);
// Writes bytes through an exclusive temp file, fsync and a rename, replacing `path`.
void write_file_atomic(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

}  // namespace restora
