#pragma once
// The independent text set: text laid over whole real photos by code written apart from the
// training generator (tools/prep/text_render.cpp), with other fonts (Debian's fonts-freefont-ttf,
// fonts-lato, fonts-open-sans, fonts-cantarell, fonts-comic-neue, fonts-linuxlibertine: none of
// them in the training set's font folders), other strings and other styles: captions with "©",
// date stamps, prices and lines ending in digits, signs, watermarks; solid, outlined, shadowed,
// semi-transparent, italic (sheared), rotated, and text running off the photo's border.
// The truth is the photo before the text and the glyph mask: every pixel the text changed by more
// than kVisible levels in some channel (outlines and shadows included).
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora::textset {

inline constexpr int kVisible = 24;  // 8-bit levels: a pixel the text changed by more is a glyph pixel

struct TextItem {
    std::string text;
    std::string font;
    std::string style;  // "solid", "outline", "shadow", "transparent"
    int height = 0;     // cap height in pixels, roughly
    double angle = 0;   // degrees
    double shear = 0;   // italic slant
};

struct TextScene {
    cv::Mat input;   // CV_8UC3 BGR: the photo with text
    cv::Mat clean;   // the photo as it was
    cv::Mat glyphs;  // CV_8U 0/255: pixels the text visibly changed
    std::vector<TextItem> items;
};

class IndependentText {
  public:
    // Fonts: the .ttf/.otf files of the packages above that FreeType opens. Throws when none is found.
    IndependentText();
    [[nodiscard]] size_t font_count() const { return fonts_.size(); }
    // One to three text items over `photo` (CV_8UC3 BGR), deterministic for a given rng state.
    [[nodiscard]] TextScene compose(const cv::Mat& photo, std::mt19937& rng) const;

  private:
    std::vector<std::string> fonts_;
};

}  // namespace restora::textset
