#pragma once
// Image quality metrics for evaluation and benchmarks. Inputs: same size and type, BGR(A),
// 8 or 16 bit; alpha is ignored.
#include <opencv2/core.hpp>

namespace restora {

// PSNR over the colour channels (infinity for identical images). `mask` (CV_8U) limits it.
double psnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask = cv::Mat());
// PSNR of the luma channel (ITU-R BT.601, as MATLAB's rgb2ycbcr), ignoring `border` pixels on
// each side: the usual super-resolution protocol.
double psnr_y(const cv::Mat& a, const cv::Mat& b, int border);
// Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5) averaged over colour channels;
// `mask` (CV_8U) limits the mean of the SSIM map to its pixels (the windows still see around them).
double ssim(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask = cv::Mat());
// Mean absolute error in [0,1] units inside `mask` (whole image when empty).
double mean_abs_error(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask = cv::Mat());
// Mean gradient magnitude (Sobel on grey, in 8-bit levels) inside the mask: how much texture an
// area has (the benchmarks' texture ratios). BGR or BGRA, 8 or 16 bit.
double gradient_energy(const cv::Mat& img, const cv::Mat& mask = cv::Mat());

}  // namespace restora
