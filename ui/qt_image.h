#pragma once
// cv::Mat (BGR/BGRA, 8/16-bit) -> QImage for display, on the GUI thread only.
#include <QImage>

#include <opencv2/core.hpp>

namespace restora::ui {

QImage to_qimage(const cv::Mat& m);

}  // namespace restora::ui
