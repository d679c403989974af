#include "restora/core/tone_transfer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace restora {

namespace {

// Three float64 channels in [0,1].
std::vector<cv::Mat> unit_channels(const cv::Mat& m) {
    const double scale = m.depth() == CV_16U ? 1.0 / 65535 : m.depth() == CV_8U ? 1.0 / 255 : 1.0;
    std::vector<cv::Mat> c;
    cv::split(m, c);
    c.resize(3);
    for (cv::Mat& x : c) x.convertTo(x, CV_64F, scale);
    return c;
}

cv::Mat box(const cv::Mat& m, int r) {
    cv::Mat out;
    cv::boxFilter(m, out, CV_64F, cv::Size(2 * r + 1, 2 * r + 1), cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    return out;
}

// Bilinear sample positions along one axis, as cv::resize's INTER_LINEAR places them.
struct Axis {
    std::vector<int> i0, i1;
    std::vector<float> w;
};

Axis axis_for(int first, int count, int full, int small) {
    Axis a;
    a.i0.resize(count);
    a.i1.resize(count);
    a.w.resize(count);
    const double ratio = static_cast<double>(small) / full;
    for (int k = 0; k < count; ++k) {
        const double u = std::clamp((first + k + 0.5) * ratio - 0.5, 0.0, small - 1.0);
        const int u0 = static_cast<int>(std::floor(u));
        a.i0[k] = u0;
        a.i1[k] = std::min(u0 + 1, small - 1);
        a.w[k] = static_cast<float>(u - u0);
    }
    return a;
}

template <typename T>
void apply_rows(const ToneModel& m, const cv::Mat& image, const cv::Rect& region, cv::Mat& out, const JobControl& job) {
    const int small_w = m.maps[0].cols;
    const int small_h = m.maps[0].rows;
    const Axis ax = axis_for(region.x, region.width, m.full.width, small_w);
    const Axis ay = axis_for(region.y, region.height, m.full.height, small_h);
    const double maxval = image.depth() == CV_16U ? 65535.0 : 255.0;
    const int ch = image.channels();
    std::array<std::vector<float>, 12> row;
    for (auto& r : row) r.resize(small_w);
    for (int y = 0; y < region.height; ++y) {
        if (y % 64 == 0) job.cancel.throw_if_requested();
        const float wy = ay.w[y];
        for (int k = 0; k < 12; ++k) {
            const float* r0 = m.maps[k].ptr<float>(ay.i0[y]);
            const float* r1 = m.maps[k].ptr<float>(ay.i1[y]);
            for (int x = 0; x < small_w; ++x) row[k][x] = r0[x] + wy * (r1[x] - r0[x]);
        }
        const T* src = image.ptr<T>(region.y + y) + static_cast<size_t>(region.x) * ch;
        T* dst = out.ptr<T>(y);
        for (int x = 0; x < region.width; ++x) {
            const int x0 = ax.i0[x];
            const int x1 = ax.i1[x];
            const float wx = ax.w[x];
            float coef[12];
            for (int k = 0; k < 12; ++k) coef[k] = row[k][x0] + wx * (row[k][x1] - row[k][x0]);
            const float in[3] = {static_cast<float>(src[0] / maxval), static_cast<float>(src[1] / maxval),
                                 static_cast<float>(src[2] / maxval)};
            for (int c = 0; c < 3; ++c) {
                const float v = coef[3 * c] * in[0] + coef[3 * c + 1] * in[1] + coef[3 * c + 2] * in[2] + coef[9 + c];
                dst[c] = static_cast<T>(std::lround(std::clamp(static_cast<double>(v), 0.0, 1.0) * maxval));
            }
            if (ch == 4) dst[3] = src[3];
            src += ch;
            dst += ch;
        }
    }
}

}  // namespace

cv::Size tone_pass_size(cv::Size photo, int tile) {
    const int longer = std::max(photo.width, photo.height);
    if (tile <= 0 || longer <= tile) return photo;
    const double s = static_cast<double>(tile) / longer;
    return {std::max(1, static_cast<int>(std::lround(photo.width * s))),
            std::max(1, static_cast<int>(std::lround(photo.height * s)))};
}

ToneModel fit_tone_model(const cv::Mat& small_in, const cv::Mat& small_out, cv::Size full, int radius, double eps) {
    if (small_in.size() != small_out.size() || small_in.empty()) {
        throw std::invalid_argument("tone model: the small input and output differ in size");
    }
    const std::vector<cv::Mat> I = unit_channels(small_in);
    const std::vector<cv::Mat> P = unit_channels(small_out);
    std::array<cv::Mat, 3> mean_i, mean_p;
    for (int c = 0; c < 3; ++c) {
        mean_i[c] = box(I[c], radius);
        mean_p[c] = box(P[c], radius);
    }
    std::array<std::array<cv::Mat, 3>, 3> cov_ii, cov_ip;  // cov_ip[k][i]: output k with input i
    for (int i = 0; i < 3; ++i) {
        for (int j = i; j < 3; ++j)
            cov_ii[i][j] = cov_ii[j][i] = box(I[i].mul(I[j]), radius) - mean_i[i].mul(mean_i[j]);
    }
    for (int k = 0; k < 3; ++k) {
        for (int i = 0; i < 3; ++i) cov_ip[k][i] = box(I[i].mul(P[k]), radius) - mean_i[i].mul(mean_p[k]);
    }
    const cv::Size s = small_in.size();
    std::vector<cv::Mat> coef(12);
    for (cv::Mat& c : coef) c = cv::Mat(s, CV_64F);
    for (int y = 0; y < s.height; ++y) {
        for (int x = 0; x < s.width; ++x) {
            cv::Matx33d S;
            for (int i = 0; i < 3; ++i) {
                for (int j = 0; j < 3; ++j) S(i, j) = cov_ii[i][j].at<double>(y, x) + (i == j ? eps : 0.0);
            }
            const cv::Matx33d inv = S.inv(cv::DECOMP_CHOLESKY);
            for (int k = 0; k < 3; ++k) {
                const cv::Vec3d a = inv * cv::Vec3d(cov_ip[k][0].at<double>(y, x), cov_ip[k][1].at<double>(y, x),
                                                    cov_ip[k][2].at<double>(y, x));
                double b = mean_p[k].at<double>(y, x);
                for (int i = 0; i < 3; ++i) {
                    coef[3 * k + i].at<double>(y, x) = a[i];
                    b -= a[i] * mean_i[i].at<double>(y, x);
                }
                coef[9 + k].at<double>(y, x) = b;
            }
        }
    }
    ToneModel m;
    m.full = full;
    for (const cv::Mat& c : coef) {
        cv::Mat f;
        box(c, radius).convertTo(f, CV_32F);
        m.maps.push_back(f);
    }
    return m;
}

cv::Mat apply_tone_model(const ToneModel& model, const cv::Mat& image, const cv::Rect& region, const JobControl& job) {
    if (image.size() != model.full || model.maps.size() != 12) {
        throw std::invalid_argument("tone model: fitted for another photo size");
    }
    if ((region & cv::Rect(0, 0, image.cols, image.rows)) != region || region.empty()) {
        throw std::invalid_argument("tone model: the region lies outside the photo");
    }
    if (image.channels() < 3 || (image.depth() != CV_8U && image.depth() != CV_16U)) {
        throw std::invalid_argument("tone model: 8/16-bit colour images only");
    }
    cv::Mat out(region.size(), image.type());
    if (image.depth() == CV_16U) {
        apply_rows<uint16_t>(model, image, region, out, job);
    } else {
        apply_rows<uint8_t>(model, image, region, out, job);
    }
    return out;
}

}  // namespace restora
