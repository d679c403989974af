#include "restora/core/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "restora/models/errors.h"

namespace restora {

namespace {

double cubic(double x) {  // Keys kernel with a = -0.5, as MATLAB's imresize
    const double ax = std::abs(x);
    if (ax <= 1) return 1.5 * ax * ax * ax - 2.5 * ax * ax + 1;
    if (ax <= 2) return -0.5 * ax * ax * ax + 2.5 * ax * ax - 4 * ax + 2;
    return 0;
}

struct Contribution {
    std::vector<int> index;
    std::vector<double> weight;
};

// Weights of each output sample along one axis (MATLAB's contributions()).
std::vector<Contribution> contributions(int in_len, int out_len, double scale) {
    const double kernel_width = 4.0 / scale;  // antialiasing widens the kernel when shrinking
    std::vector<Contribution> out(out_len);
    for (int i = 0; i < out_len; ++i) {
        const double u = (i + 1) / scale + 0.5 * (1 - 1 / scale);  // 1-based input coordinate
        const int left = static_cast<int>(std::floor(u - kernel_width / 2));
        const int taps = static_cast<int>(std::ceil(kernel_width)) + 2;
        double sum = 0;
        for (int j = 0; j < taps; ++j) {
            const int idx = left + j;  // 1-based
            const double w = scale * cubic(scale * (u - idx));
            out[i].index.push_back(idx - 1);
            out[i].weight.push_back(w);
            sum += w;
        }
        for (double& w : out[i].weight) w /= sum;
        // MATLAB pads symmetrically (the edge pixel repeats): reflect without repeating from -1.
        for (int& idx : out[i].index) {
            if (idx < 0) idx = -idx - 1;
            if (idx >= in_len) idx = 2 * in_len - idx - 1;
            idx = std::clamp(idx, 0, in_len - 1);
        }
    }
    return out;
}

}  // namespace

cv::Mat matlab_bicubic_downscale(const cv::Mat& image, int factor) {
    if (factor < 1) throw Error(ErrorKind::Usage, "downscale factor must be >= 1");
    cv::Mat f;
    image.convertTo(f, CV_64F);
    const int ch = f.channels();
    const double scale = 1.0 / factor;
    const int out_h = static_cast<int>(std::ceil(image.rows * scale));
    const int out_w = static_cast<int>(std::ceil(image.cols * scale));
    // Rows first (MATLAB resizes dimension 1 first when the scales are equal), then columns.
    const auto cy = contributions(image.rows, out_h, scale);
    cv::Mat tmp(out_h, image.cols, CV_64FC(ch), cv::Scalar::all(0));
    for (int y = 0; y < out_h; ++y) {
        auto* dst = tmp.ptr<double>(y);
        for (size_t k = 0; k < cy[y].index.size(); ++k) {
            const auto* src = f.ptr<double>(cy[y].index[k]);
            const double w = cy[y].weight[k];
            for (int x = 0; x < image.cols * ch; ++x) dst[x] += w * src[x];
        }
    }
    const auto cx = contributions(image.cols, out_w, scale);
    cv::Mat out(out_h, out_w, CV_64FC(ch), cv::Scalar::all(0));
    for (int y = 0; y < out_h; ++y) {
        const auto* src = tmp.ptr<double>(y);
        auto* dst = out.ptr<double>(y);
        for (int x = 0; x < out_w; ++x) {
            for (size_t k = 0; k < cx[x].index.size(); ++k) {
                const double w = cx[x].weight[k];
                for (int c = 0; c < ch; ++c) dst[x * ch + c] += w * src[cx[x].index[k] * ch + c];
            }
        }
    }
    cv::Mat result;
    out.convertTo(result, image.depth());  // rounds and saturates, as MATLAB's uint8 output
    return result;
}

}  // namespace restora
