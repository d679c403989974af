#include "restora/core/image.h"

#include <opencv2/imgproc.hpp>

namespace restora {

PixelView pixel_view(const cv::Mat& m) {
    PixelView v;
    v.data = const_cast<uchar*>(m.data);  // the runner only writes through views of outputs
    v.width = m.cols;
    v.height = m.rows;
    v.channels = m.channels();
    v.row_stride = static_cast<std::ptrdiff_t>(m.step[0]);
    v.type = m.depth() == CV_16U ? PixelType::U16 : (m.depth() == CV_32F ? PixelType::F32 : PixelType::U8);
    v.bgr = true;
    return v;
}

void carry_alpha(const cv::Mat& src, cv::Mat& dst) {
    if (src.channels() != 4 || dst.channels() != 4) return;
    cv::Mat alpha;
    cv::extractChannel(src, alpha, 3);
    if (alpha.size() != dst.size()) {
        cv::Mat resized;
        cv::resize(alpha, resized, dst.size(), 0, 0, cv::INTER_CUBIC);  // saturates to the depth
        alpha = resized;
    }
    cv::insertChannel(alpha, dst, 3);
}

}  // namespace restora
