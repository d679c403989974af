#include "qt_image.h"

#include <opencv2/imgproc.hpp>

namespace restora::ui {

QImage to_qimage(const cv::Mat& m) {
    if (m.empty()) return {};
    cv::Mat eight = m;
    if (m.depth() == CV_16U) m.convertTo(eight, CV_8U, 1.0 / 257.0);  // display only
    if (eight.channels() == 4) {
        // BGRA bytes are QImage's ARGB32 on little-endian machines.
        return QImage(eight.data, eight.cols, eight.rows, static_cast<qsizetype>(eight.step[0]), QImage::Format_ARGB32)
            .copy();
    }
    cv::Mat bgr = eight;
    if (eight.channels() == 1) cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR);
    return QImage(bgr.data, bgr.cols, bgr.rows, static_cast<qsizetype>(bgr.step[0]), QImage::Format_BGR888).copy();
}

}  // namespace restora::ui
