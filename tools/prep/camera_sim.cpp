#include "camera_sim.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace restora::camera_sim {

namespace {

double srgb_to_linear(double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); }
double linear_to_srgb(double v) { return v <= 0.0031308 ? 12.92 * v : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055; }

// Linear sRGB (D65) to XYZ.
const cv::Matx33d kRgbToXyz(0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.0721750, 0.0193339, 0.1191920,
                            0.9503041);

// Malvar, He and Cutler's gradient-corrected bilinear demosaic (ICASSP 2004; what MATLAB's
// demosaic does) of an RGGB mosaic in [0,1]: four 5x5 filters, each site picks its two. Reflected
// borders keep the CFA's parity.
cv::Mat demosaic_mhc(const cv::Mat& mosaic) {
    const float g_at_rb[25] = {0, 0, -1, 0, 0, 0, 0, 2, 0, 0, -1, 2, 4, 2, -1, 0, 0, 2, 0, 0, 0, 0, -1, 0, 0};
    // At a green site: the colour whose samples are its left and right neighbours.
    const float row_nb[25] = {0, 0, 0.5F, 0, 0, 0, -1, 0, -1, 0, -1, 4, 5, 4, -1, 0, -1, 0, -1, 0, 0, 0, 0.5F, 0, 0};
    // At a green site: the colour whose samples are above and below it.
    const float col_nb[25] = {0, 0, -1, 0, 0, 0, -1, 4, -1, 0, 0.5F, 0, 5, 0, 0.5F, 0, -1, 4, -1, 0, 0, 0, -1, 0, 0};
    // Red at a blue site and blue at a red one.
    const float diag[25] = {0, 0, -1.5F, 0, 0, 0, 2, 0, 2, 0, -1.5F, 0, 6, 0, -1.5F, 0, 2, 0, 2, 0, 0, 0, -1.5F, 0, 0};
    auto filter = [&](const float* k) {
        cv::Mat out;
        cv::filter2D(mosaic, out, CV_32F, cv::Mat(5, 5, CV_32F, const_cast<float*>(k)) / 8.0, {-1, -1}, 0,
                     cv::BORDER_REFLECT_101);
        return out;
    };
    const cv::Mat g = filter(g_at_rb), r = filter(row_nb), c = filter(col_nb), d = filter(diag);
    cv::Mat rgb(mosaic.size(), CV_32FC3);
    for (int y = 0; y < mosaic.rows; ++y) {
        for (int x = 0; x < mosaic.cols; ++x) {
            const float m = mosaic.at<float>(y, x);
            cv::Vec3f& o = rgb.at<cv::Vec3f>(y, x);
            if (y % 2 == 0 && x % 2 == 0) {  // red site
                o = {m, g.at<float>(y, x), d.at<float>(y, x)};
            } else if (y % 2 == 1 && x % 2 == 1) {  // blue site
                o = {d.at<float>(y, x), g.at<float>(y, x), m};
            } else if (y % 2 == 0) {  // green in a red row: red left and right, blue above and below
                o = {r.at<float>(y, x), m, c.at<float>(y, x)};
            } else {  // green in a blue row
                o = {c.at<float>(y, x), m, r.at<float>(y, x)};
            }
        }
    }
    return rgb;
}

}  // namespace

const std::vector<Camera>& cameras() {
    // XYZ -> camera matrices (x 10000) in the form dcraw tabulates them for DSLR sensors.
    static const std::vector<Camera> list = {
        {"camera A", {0.4716, 0.0603, -0.0830, -0.7798, 1.5474, 0.2480, -0.1496, 0.1937, 0.6651}},
        {"camera B", {0.8139, -0.2171, -0.0663, -0.8747, 1.6541, 0.2295, -0.1925, 0.2008, 0.8093}},
        {"camera C", {0.5271, -0.0712, -0.0347, -0.6153, 1.3653, 0.2763, -0.1601, 0.2366, 0.7242}},
    };
    return list;
}

cv::Mat simulate(const cv::Mat& clean_bgr, const Camera& camera, const Shot& shot, bool noise, int bayer_code) {
    if (clean_bgr.type() != CV_8UC3 || clean_bgr.cols % 2 != 0 || clean_bgr.rows % 2 != 0)
        throw std::invalid_argument("camera_sim: needs an 8-bit BGR image of even size");
    // sRGB (linear) -> camera RGB, each row scaled so that the brightest channel of white is 1:
    // white balance then multiplies the other two up, as a camera's gains do.
    const cv::Matx33d xyz_to_cam(camera.xyz_to_camera);
    const cv::Matx33d rgb_to_cam = xyz_to_cam * kRgbToXyz;
    double row_sum[3], max_sum = 0;
    for (int r = 0; r < 3; ++r) {
        row_sum[r] = rgb_to_cam(r, 0) + rgb_to_cam(r, 1) + rgb_to_cam(r, 2);
        max_sum = std::max(max_sum, row_sum[r]);
    }
    cv::Matx33d balanced;  // rgb -> white-balanced camera RGB (rows sum to 1)
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) balanced(r, c) = rgb_to_cam(r, c) / row_sum[r];
    const cv::Matx33d cam_to_rgb = balanced.inv();
    double lut[256];
    for (int i = 0; i < 256; ++i) lut[i] = srgb_to_linear(i / 255.0);

    const int h = clean_bgr.rows, w = clean_bgr.cols;
    const double electrons_full = kFullWellAtIso100 * 100.0 / shot.iso;  // photo-electrons at white
    const double adc_per_electron = (kWhiteLevel - kBlackLevel) / electrons_full;
    std::mt19937_64 rng(shot.seed);
    std::normal_distribution<double> gauss(0.0, 1.0);
    cv::Mat mosaic(h, w, CV_32FC1);
    for (int y = 0; y < h; ++y) {
        const cv::Vec3b* in = clean_bgr.ptr<cv::Vec3b>(y);
        float* out = mosaic.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            // RGGB: red at (even, even), blue at (odd, odd), green elsewhere.
            const int ch = (y % 2 == 0) ? (x % 2 == 0 ? 0 : 1) : (x % 2 == 0 ? 1 : 2);
            const cv::Vec3d lin(lut[in[x][2]], lut[in[x][1]], lut[in[x][0]]);
            const double v = std::clamp(
                (rgb_to_cam(ch, 0) * lin[0] + rgb_to_cam(ch, 1) * lin[1] + rgb_to_cam(ch, 2) * lin[2]) / max_sum, 0.0,
                1.0);
            double adc;
            if (noise) {
                std::poisson_distribution<long> shot_noise(v * electrons_full);
                const double e = static_cast<double>(shot_noise(rng)) + kReadElectrons * gauss(rng);
                adc = kBlackLevel + e * adc_per_electron + kReadAdc * gauss(rng);
            } else {
                adc = kBlackLevel + v * (kWhiteLevel - kBlackLevel);
            }
            adc = std::clamp(std::round(adc), 0.0, kWhiteLevel);
            // Black subtracted (clipping the negative read noise) and white-balanced before the
            // demosaic, as raw converters do (dcraw's scale_colors); highlights clip.
            out[x] = static_cast<float>(
                std::clamp((adc - kBlackLevel) / (kWhiteLevel - kBlackLevel) * max_sum / row_sum[ch], 0.0, 1.0));
        }
    }
    cv::Mat demosaiced;     // camera RGB, float
    if (bayer_code >= 0) {  // OpenCV's demosaic (16 bits, BGR), for restora-bench-camera --check
        cv::Mat m16, bgr;
        mosaic.convertTo(m16, CV_16U, 65535.0);
        cv::demosaicing(m16, bgr, bayer_code);
        bgr.convertTo(bgr, CV_32F, 1.0 / 65535.0);
        cv::cvtColor(bgr, demosaiced, cv::COLOR_BGR2RGB);
    } else {
        demosaiced = demosaic_mhc(mosaic);
        // False-colour suppression as raw converters do it (dcraw's -m): a 3x3 median of the
        // colour differences R-G and B-G, green kept.
        std::vector<cv::Mat> p;
        cv::split(demosaiced, p);
        for (int c : {0, 2}) {
            cv::Mat diff = p[c] - p[1], med;
            cv::medianBlur(diff, med, 3);
            p[c] = med + p[1];
        }
        cv::merge(p, demosaiced);
    }
    cv::Mat out(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y) {
        const cv::Vec3f* in = demosaiced.ptr<cv::Vec3f>(y);
        cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < w; ++x) {
            // White-balanced camera RGB -> the camera's colour matrix -> sRGB.
            cv::Vec3d cam;
            for (int c = 0; c < 3; ++c) cam[c] = std::clamp(static_cast<double>(in[x][c]), 0.0, 1.0);
            const cv::Vec3d rgb = cam_to_rgb * cam;
            for (int c = 0; c < 3; ++c)
                o[x][2 - c] =
                    cv::saturate_cast<uint8_t>(std::round(255.0 * linear_to_srgb(std::clamp(rgb[c], 0.0, 1.0))));
        }
    }
    if (shot.jpeg_quality > 0) {
        std::vector<uchar> buf;
        cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, shot.jpeg_quality});
        out = cv::imdecode(buf, cv::IMREAD_COLOR);
    }
    return out;
}

}  // namespace restora::camera_sim
