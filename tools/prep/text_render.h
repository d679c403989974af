#pragma once
// Synthetic text for training and measuring the text eraser: strings (words, dates, numbers,
// captions, CJK) rendered through FreeType with Debian's fonts in a layer, warped (rotation +
// perspective), then composited onto a clean photo crop with colour, outline, drop shadow or
// watermark transparency. The ground truth is the clean crop; the mask is the text's coverage
// dilated by a few pixels, or (as the detector gives) whole boxes around the text lines.
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora::prep {

struct TextSample {
    cv::Mat input;  // CV_8UC3 RGB: the clean crop with text
    cv::Mat mask;   // CV_8U, 255 = text to erase
};

class TextRenderer {
  public:
    // Fonts: every .ttf/.otf under the given folders that FreeType opens (Latin fonts), and the
    // CJK-capable fonts found among `cjk_fonts` (used for CJK strings only).
    TextRenderer(const std::vector<std::filesystem::path>& font_dirs,
                 const std::vector<std::filesystem::path>& cjk_fonts);
    [[nodiscard]] size_t font_count() const { return latin_.size(); }
    [[nodiscard]] size_t cjk_font_count() const { return cjk_.size(); }

    // Writes text onto a copy of `clean` (CV_8UC3 RGB). Deterministic for a given rng state.
    TextSample render(const cv::Mat& clean, std::mt19937& rng) const;

  private:
    std::vector<std::string> latin_;
    std::vector<std::string> cjk_;
};

}  // namespace restora::prep
