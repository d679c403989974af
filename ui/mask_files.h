#pragma once
// A mask as a file: imported from any image the app reads (white = selected), exported as a
// grayscale PNG.
#include <QString>

#include <opencv2/core.hpp>

namespace restora::ui {

// The mask in `path` as CV_8U 0/255. One of another size but the photo's shape (e.g. exported
// before an upscale) is returned as it is, for MaskLayer's import to resample; another shape
// throws, naming both sizes.
cv::Mat load_mask_file(const QString& path, cv::Size photo);
// Writes `coverage` (CV_8U) as a PNG, never half-written; returns an error message or empty.
QString save_mask_file(const cv::Mat& coverage, const QString& path);

}  // namespace restora::ui
