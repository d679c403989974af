#include "independent_text.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace restora::textset {

namespace fs = std::filesystem;

namespace {

const char* const kFontDirs[] = {
    "/usr/share/fonts/truetype/freefont",   "/usr/share/fonts/truetype/lato",
    "/usr/share/fonts/truetype/open-sans",  "/usr/share/fonts/opentype/cantarell",
    "/usr/share/fonts/opentype/comic-neue", "/usr/share/fonts/opentype/linux-libertine",
};

const char* const kNames[] = {"Anna Kowalski", "M. Duarte",   "J. Okafor",    "Lena Brandt",  "Tomás Ruiz",
                              "K. Yamada",     "Ines Moreau", "P. Lindqvist", "Sara Bianchi", "R. Haddad"};
const char* const kWords[] = {"HOTEL",   "Bakery",  "PHARMACY", "Garage",   "Station", "Museum",   "Cinema",
                              "Harbour", "MARKET",  "Books",    "Cafe",     "Sunset",  "Family",   "Summer",
                              "Holiday", "WEDDING", "Reunion",  "Festival", "Exit",    "Platform", "Parking",
                              "Fresh",   "Open",    "Closed",   "Welcome",  "Beach",   "Garden",   "Archive"};
const char* const kMarks[] = {"SAMPLE", "PROOF", "PREVIEW", "DRAFT", "COPY"};

template <size_t N>
std::string pick(const char* const (&list)[N], std::mt19937& rng) {
    return list[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

int uni(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
double unif(std::mt19937& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

// A line of the kinds found on photos: most end in a digit, a "©" or a last letter that a tight
// detector cuts.
std::string make_text(std::mt19937& rng) {
    char buf[96];
    switch (uni(rng, 0, 7)) {
        case 0:
            std::snprintf(buf, sizeof buf, "\xC2\xA9 %d %s", uni(rng, 1960, 2025), pick(kNames, rng).c_str());
            return buf;
        case 1:
            std::snprintf(buf, sizeof buf, "%s \xC2\xA9", pick(kNames, rng).c_str());
            return buf;
        case 2:
            std::snprintf(buf, sizeof buf, "'%02d %d %d", uni(rng, 70, 99), uni(rng, 1, 12), uni(rng, 1, 28));
            return buf;
        case 3:
            std::snprintf(buf, sizeof buf, "%02d.%02d.%d", uni(rng, 1, 28), uni(rng, 1, 12), uni(rng, 1950, 2024));
            return buf;
        case 4:
            std::snprintf(buf, sizeof buf, "%s %d", pick(kWords, rng).c_str(), uni(rng, 1, 999));
            return buf;
        case 5:
            std::snprintf(buf, sizeof buf, "%s %s", pick(kWords, rng).c_str(), pick(kWords, rng).c_str());
            return buf;
        case 6:
            std::snprintf(buf, sizeof buf, "www.%s-%s.net", pick(kWords, rng).c_str(), pick(kWords, rng).c_str());
            for (char* c = buf; *c != 0; ++c) *c = static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
            return buf;
        default:
            return pick(kMarks, rng);
    }
}

double level(std::mt19937& rng, int lo, int hi) { return static_cast<double>(uni(rng, lo, hi)); }

cv::Scalar random_colour(std::mt19937& rng) {
    switch (uni(rng, 0, 3)) {
        case 0:
            return {255, 255, 255};
        case 1:
            return {level(rng, 0, 40), level(rng, 0, 40), level(rng, 0, 40)};
        case 2:
            return {level(rng, 0, 80), level(rng, 120, 200), level(rng, 220, 255)};  // the orange of date stamps
        default:
            return {level(rng, 0, 255), level(rng, 0, 255), level(rng, 0, 255)};
    }
}

// out = out * (1 - a) + colour * a, a in [0, 1] (CV_32F).
void blend(cv::Mat& out, const cv::Mat& a, const cv::Scalar& colour) {
    for (int y = 0; y < out.rows; ++y) {
        auto* o = out.ptr<cv::Vec3f>(y);
        const float* p = a.ptr<float>(y);
        for (int x = 0; x < out.cols; ++x) {
            for (int c = 0; c < 3; ++c) o[x][c] = o[x][c] * (1 - p[x]) + static_cast<float>(colour[c]) * p[x];
        }
    }
}

}  // namespace

IndependentText::IndependentText() {
    for (const char* d : kFontDirs) {
        if (!fs::is_directory(d)) continue;
        for (const auto& e : fs::directory_iterator(d)) {
            const std::string ext = e.path().extension().string();
            if (ext != ".ttf" && ext != ".otf") continue;
            const std::string name = e.path().filename().string();
            if (name.find("Hairline") != std::string::npos || name.find("Thin") != std::string::npos) continue;
            fonts_.push_back(e.path().string());
        }
    }
    std::sort(fonts_.begin(), fonts_.end());
    if (fonts_.empty()) {
        throw std::runtime_error(
            "no fonts for the independent text set (apt-get install fonts-freefont-ttf fonts-lato fonts-open-sans "
            "fonts-cantarell fonts-comic-neue fonts-linuxlibertine)");
    }
}

TextScene IndependentText::compose(const cv::Mat& photo, std::mt19937& rng) const {
    TextScene s;
    s.clean = photo.clone();
    cv::Mat work;
    photo.convertTo(work, CV_32FC3);
    const int items = uni(rng, 1, 3);
    static const char* const kStyles[] = {"solid", "outline", "shadow", "transparent"};
    for (int i = 0; i < items; ++i) {
        TextItem it;
        it.text = make_text(rng);
        it.font = fonts_[std::uniform_int_distribution<size_t>(0, fonts_.size() - 1)(rng)];
        it.style = kStyles[uni(rng, 0, 3)];
        it.height = static_cast<int>(std::lround(std::exp(unif(rng, std::log(12.0), std::log(72.0)))));
        it.angle = uni(rng, 0, 1) == 0 ? 0.0 : unif(rng, -25, 25);
        it.shear = uni(rng, 0, 3) == 0 ? unif(rng, 0.15, 0.3) : 0.0;
        cv::Ptr<cv::freetype::FreeType2> ft = cv::freetype::createFreeType2();
        ft->loadFontData(it.font, 0);
        int base = 0;
        const cv::Size sz = ft->getTextSize(it.text, it.height, -1, &base);
        if (sz.width <= 0 || sz.height <= 0) continue;
        const int pad = it.height;
        cv::Mat layer3(sz.height + base + 2 * pad, sz.width + 2 * pad, CV_8UC3, cv::Scalar(0, 0, 0));
        ft->putText(layer3, it.text, {pad, pad + sz.height}, it.height, cv::Scalar(255, 255, 255), -1, cv::LINE_AA,
                    true);
        cv::Mat layer;
        cv::extractChannel(layer3, layer, 0);
        cv::Mat a8;
        // Italic shear about the baseline, then rotation about the centre, then placement.
        const cv::Point2f c(layer.cols / 2.0f, layer.rows / 2.0f);
        cv::Mat shear = (cv::Mat_<double>(3, 3) << 1, -it.shear, it.shear * c.y, 0, 1, 0, 0, 0, 1);
        cv::Mat rot = cv::Mat::eye(3, 3, CV_64F);
        cv::getRotationMatrix2D(c, it.angle, 1.0).copyTo(rot(cv::Rect(0, 0, 3, 2)));
        // Centre: anywhere; a quarter of the items cross the photo's border.
        cv::Point2f at(static_cast<float>(unif(rng, 0.1, 0.9) * photo.cols),
                       static_cast<float>(unif(rng, 0.1, 0.9) * photo.rows));
        if (uni(rng, 0, 3) == 0) {
            const int side = uni(rng, 0, 3);
            const float half_w = static_cast<float>(sz.width) * 0.35f;
            if (side == 0) at.x = half_w;
            if (side == 1) at.x = static_cast<float>(photo.cols) - half_w;
            if (side == 2) at.y = static_cast<float>(sz.height) * 0.3f;
            if (side == 3) at.y = static_cast<float>(photo.rows) - static_cast<float>(sz.height) * 0.3f;
        }
        cv::Mat move = (cv::Mat_<double>(3, 3) << 1, 0, at.x - c.x, 0, 1, at.y - c.y, 0, 0, 1);
        const cv::Mat m = (move * rot * shear)(cv::Rect(0, 0, 3, 2));
        cv::warpAffine(layer, a8, m, photo.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
        cv::Mat a;
        a8.convertTo(a, CV_32F, 1.0 / 255.0);
        const cv::Scalar colour = random_colour(rng);
        const double lum = 0.114 * colour[0] + 0.587 * colour[1] + 0.299 * colour[2];
        const cv::Scalar other = lum > 128 ? cv::Scalar(20, 20, 20) : cv::Scalar(245, 245, 245);
        if (it.style == "outline") {
            const int r = std::max(1, it.height / 14);
            cv::Mat o;
            cv::dilate(a, o, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
            blend(work, o, other);
        } else if (it.style == "shadow") {
            const int d = std::max(1, it.height / 10);
            cv::Mat sh;
            const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, d, 0, 1, d);
            cv::warpAffine(a, sh, shift, a.size());
            cv::GaussianBlur(sh, sh, cv::Size(0, 0), std::max(0.8, it.height / 20.0));
            blend(work, sh * 0.75, cv::Scalar(15, 15, 15));
        } else if (it.style == "transparent") {
            a *= unif(rng, 0.35, 0.65);
        }
        blend(work, a, colour);
        s.items.push_back(it);
    }
    work.convertTo(s.input, CV_8UC3);
    cv::Mat diff;
    cv::absdiff(s.input, s.clean, diff);
    std::vector<cv::Mat> ch;
    cv::split(diff, ch);
    const cv::Mat most = cv::max(cv::max(ch[0], ch[1]), ch[2]);
    s.glyphs = most > kVisible;
    return s;
}

}  // namespace restora::textset
