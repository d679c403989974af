#include "restora/core/mask.h"

#include <opencv2/imgproc.hpp>

#include "restora/core/image_io.h"
#include "restora/models/errors.h"

namespace restora {

cv::Mat binarize_mask(const cv::Mat& pixels) {
    const double half = pixels.depth() == CV_16U ? 32767.5 : 127.5;
    cv::Mat grey;
    cv::Mat alpha;
    if (pixels.channels() == 4) {
        cv::extractChannel(pixels, alpha, 3);
        cv::cvtColor(pixels, grey, cv::COLOR_BGRA2GRAY);
    } else if (pixels.channels() == 3) {
        cv::cvtColor(pixels, grey, cv::COLOR_BGR2GRAY);
    } else {
        grey = pixels;
    }
    double lo = 0;
    double hi = 0;
    cv::minMaxLoc(grey, &lo, &hi);
    const cv::Mat& source = (!alpha.empty() && lo == hi) ? alpha : grey;
    cv::Mat out;
    cv::compare(source, half, out, cv::CMP_GT);  // 0 or 255, CV_8U
    return out;
}

cv::Mat load_mask(const std::filesystem::path& path, cv::Size expected) {
    LoadedImage img = load_image(path);
    if (img.pixels.size() != expected) {
        throw Error(ErrorKind::Input, "mask " + path.string() + " is " + std::to_string(img.pixels.cols) + "x" +
                                          std::to_string(img.pixels.rows) + " but the image is " +
                                          std::to_string(expected.width) + "x" + std::to_string(expected.height) +
                                          " (after EXIF orientation); masks must match the image size");
    }
    return binarize_mask(img.pixels);
}

}  // namespace restora
