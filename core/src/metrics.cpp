#include "restora/core/metrics.h"

#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

#include "restora/models/errors.h"

namespace restora {

namespace {

// Colour channels as float in [0,1].
cv::Mat unit_bgr(const cv::Mat& m) {
    cv::Mat bgr = m;
    if (m.channels() == 4) cv::cvtColor(m, bgr, cv::COLOR_BGRA2BGR);
    if (m.channels() == 1) cv::cvtColor(m, bgr, cv::COLOR_GRAY2BGR);
    cv::Mat f;
    bgr.convertTo(f, CV_32F, m.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    return f;
}

void check_pair(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.empty()) {
        throw Error(ErrorKind::Input, "images to compare differ in size (" + std::to_string(a.cols) + "x" +
                                          std::to_string(a.rows) + " vs " + std::to_string(b.cols) + "x" +
                                          std::to_string(b.rows) + ")");
    }
}

double psnr_from_mse(double mse) {
    return mse <= 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(1.0 / mse);
}

}  // namespace

double psnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
    check_pair(a, b);
    cv::Mat d = unit_bgr(a) - unit_bgr(b);
    d = d.mul(d);
    if (mask.empty()) return psnr_from_mse(cv::mean(d)[0] / 3 + cv::mean(d)[1] / 3 + cv::mean(d)[2] / 3);
    const int n = cv::countNonZero(mask);
    if (n == 0) return std::numeric_limits<double>::infinity();
    cv::Scalar total = cv::mean(d, mask);
    return psnr_from_mse((total[0] + total[1] + total[2]) / 3.0);
}

double psnr_y(const cv::Mat& a, const cv::Mat& b, int border) {
    check_pair(a, b);
    auto luma = [border](const cv::Mat& m) {
        std::vector<cv::Mat> c;
        cv::split(unit_bgr(m), c);  // B, G, R
        cv::Mat y = (16.0 + 65.481 * c[2] + 128.553 * c[1] + 24.966 * c[0]) / 255.0;
        const cv::Rect inner(border, border, m.cols - 2 * border, m.rows - 2 * border);
        return cv::Mat(y(inner));
    };
    cv::Mat d = luma(a) - luma(b);
    return psnr_from_mse(cv::mean(d.mul(d))[0]);
}

double ssim(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
    check_pair(a, b);
    if (!mask.empty() && cv::countNonZero(mask) == 0) return 1.0;
    const double c1 = 0.01 * 0.01;
    const double c2 = 0.03 * 0.03;
    std::vector<cv::Mat> ca;
    std::vector<cv::Mat> cb;
    cv::split(unit_bgr(a), ca);
    cv::split(unit_bgr(b), cb);
    double total = 0;
    for (int k = 0; k < 3; ++k) {
        cv::Mat x;
        cv::Mat y;
        ca[k].convertTo(x, CV_64F);
        cb[k].convertTo(y, CV_64F);
        auto blur = [](const cv::Mat& m) {
            cv::Mat o;
            cv::GaussianBlur(m, o, {11, 11}, 1.5, 1.5, cv::BORDER_REFLECT);
            return o;
        };
        const cv::Mat mx = blur(x);
        const cv::Mat my = blur(y);
        const cv::Mat sxx = blur(x.mul(x)) - mx.mul(mx);
        const cv::Mat syy = blur(y.mul(y)) - my.mul(my);
        const cv::Mat sxy = blur(x.mul(y)) - mx.mul(my);
        cv::Mat num = (2 * mx.mul(my) + c1).mul(2 * sxy + c2);
        cv::Mat den = (mx.mul(mx) + my.mul(my) + c1).mul(sxx + syy + c2);
        cv::Mat map;
        cv::divide(num, den, map);
        total += mask.empty() ? cv::mean(map)[0] : cv::mean(map, mask)[0];
    }
    return total / 3.0;
}

double mean_abs_error(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
    check_pair(a, b);
    cv::Mat d = cv::abs(unit_bgr(a) - unit_bgr(b));
    const cv::Scalar m = mask.empty() ? cv::mean(d) : cv::mean(d, mask);
    return (m[0] + m[1] + m[2]) / 3.0;
}

double gradient_energy(const cv::Mat& img, const cv::Mat& mask) {
    cv::Mat grey;
    cv::cvtColor(img, grey, img.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    grey.convertTo(grey, CV_32F, img.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
    cv::Mat gx;
    cv::Mat gy;
    cv::Sobel(grey, gx, CV_32F, 1, 0);
    cv::Sobel(grey, gy, CV_32F, 0, 1);
    cv::Mat mag;
    cv::magnitude(gx, gy, mag);
    return cv::mean(mag, mask)[0];
}

}  // namespace restora
