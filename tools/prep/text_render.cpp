#include "text_render.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace restora::prep {

namespace fs = std::filesystem;

namespace {

const std::array<const char*, 64> kWords = {
    "Summer",    "holiday", "beach",  "Grandma",  "birthday", "Paris",  "Roma",   "Berlin",  "wedding", "family",
    "Christmas", "1987",    "the",    "lake",     "mountain", "our",    "trip",   "Happy",   "New",     "Year",
    "Oma",       "und",     "Opa",    "vacances", "été",      "plage",  "Sommer", "Urlaub",  "verano",  "playa",
    "fiesta",    "Café",    "HOTEL",  "OPEN",     "SALE",     "Street", "Avenue", "Station", "EXIT",    "Restaurant",
    "garden",    "autumn",  "winter", "spring",   "Jan",      "Feb",    "Mar",    "Apr",     "May",     "Jun",
    "Jul",       "Aug",     "Sep",    "Oct",      "Nov",      "Dec",    "PROOF",  "SAMPLE",  "Studio",  "Photo",
    "copyright", "Müller",  "Zoë",    "Lisboa"};
const std::array<const char*, 10> kNames = {"J. Smith", "Anna K.",   "Photo Studio Bauer", "M. Dupont", "Foto Rossi",
                                            "studio42", "L. Nguyen", "R. García",          "Kodak",     "Agfa"};
const std::array<const char*, 12> kCjk = {"夏の思い出", "東京 1998", "北京欢迎你", "家族写真", "生日快乐", "京都",
                                          "上海外滩",   "さくら",    "旅行 2003",  "新年快乐", "写真館",   "富士山"};

int uniform(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
double real(std::mt19937& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
bool chance(std::mt19937& rng, double p) { return real(rng, 0, 1) < p; }

std::string pick_word(std::mt19937& rng) { return kWords[uniform(rng, 0, kWords.size() - 1)]; }

std::string date_string(std::mt19937& rng) {
    const int d = uniform(rng, 1, 28), m = uniform(rng, 1, 12), y = uniform(rng, 1950, 2024);
    char buf[48];
    switch (uniform(rng, 0, 5)) {
        case 0:
            std::snprintf(buf, sizeof buf, "%02d %02d %04d", d, m, y);
            break;  // camera date stamp
        case 1:
            std::snprintf(buf, sizeof buf, "'%02d %d %d", y % 100, m, d);
            break;
        case 2:
            std::snprintf(buf, sizeof buf, "%04d/%02d/%02d", y, m, d);
            break;
        case 3:
            std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", d, m, y);
            break;
        case 4:
            std::snprintf(buf, sizeof buf, "%02d-%02d-%02d %02d:%02d", d, m, y % 100, uniform(rng, 0, 23),
                          uniform(rng, 0, 59));
            break;
        default:
            std::snprintf(buf, sizeof buf, "%s %d, %d", kWords[44 + m - 1], d, y);
            break;
    }
    return buf;
}

std::string number_string(std::mt19937& rng) {
    char buf[32];
    switch (uniform(rng, 0, 3)) {
        case 0:
            std::snprintf(buf, sizeof buf, "%d", uniform(rng, 0, 99999));
            break;
        case 1:
            std::snprintf(buf, sizeof buf, "$%d.%02d", uniform(rng, 1, 999), uniform(rng, 0, 99));
            break;
        case 2:
            std::snprintf(buf, sizeof buf, "No. %d", uniform(rng, 1, 500));
            break;
        default:
            std::snprintf(buf, sizeof buf, "%02d:%02d", uniform(rng, 0, 23), uniform(rng, 0, 59));
            break;
    }
    return buf;
}

std::string latin_string(std::mt19937& rng) {
    const int kind = uniform(rng, 0, 9);
    if (kind <= 2) return date_string(rng);
    if (kind == 3) return number_string(rng);
    if (kind == 4) {
        std::string s = "© ";  // appended piece by piece: GCC 12 misreads `"x" + str` (-Wrestrict)
        s.append(std::to_string(uniform(rng, 1990, 2024)))
            .append(" ")
            .append(kNames[uniform(rng, 0, kNames.size() - 1)]);
        return s;
    }
    std::string s = pick_word(rng);  // a caption of 1-4 words
    const int words = uniform(rng, 0, 3);
    for (int i = 0; i < words; ++i) s.append(" ").append(pick_word(rng));
    if (chance(rng, 0.15))
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return c < 128 ? std::toupper(c) : c; });
    return s;
}

// RGB with each channel drawn from [lo, hi] in order (braced lists evaluate left to right).
cv::Scalar rgb(std::mt19937& rng, cv::Vec3i lo, cv::Vec3i hi) {
    const int r = uniform(rng, lo[0], hi[0]);
    const int g = uniform(rng, lo[1], hi[1]);
    const int b = uniform(rng, lo[2], hi[2]);
    return {static_cast<double>(r), static_cast<double>(g), static_cast<double>(b)};
}

cv::Scalar text_colour(std::mt19937& rng) {
    switch (uniform(rng, 0, 6)) {
        case 0:
            return {255, 255, 255};
        case 1:
            return rgb(rng, {0, 0, 0}, {30, 30, 30});
        case 2:
            return rgb(rng, {255, 120, 0}, {255, 170, 60});  // orange date stamp
        case 3:
            return rgb(rng, {255, 200, 0}, {255, 240, 80});  // yellow
        case 4:
            return rgb(rng, {180, 0, 0}, {255, 40, 40});
        default:
            return rgb(rng, {0, 0, 0}, {255, 255, 255});
    }
}

cv::Mat to_float(const cv::Mat& m8) {
    cv::Mat f;
    m8.convertTo(f, CV_32F, 1.0 / 255.0);
    return f;
}

// over: dst = dst * (1 - a) + colour * a, a = alpha * coverage.
void composite(cv::Mat& img, const cv::Mat& coverage, cv::Scalar colour, double alpha) {
    for (int y = 0; y < img.rows; ++y) {
        cv::Vec3f* p = img.ptr<cv::Vec3f>(y);
        const float* c = coverage.ptr<float>(y);
        for (int x = 0; x < img.cols; ++x) {
            const float a = static_cast<float>(alpha) * std::clamp(c[x], 0.0F, 1.0F);
            if (a <= 0) continue;
            for (int k = 0; k < 3; ++k) p[x][k] = p[x][k] * (1 - a) + static_cast<float>(colour[k]) * a;
        }
    }
}

}  // namespace

TextRenderer::TextRenderer(const std::vector<fs::path>& font_dirs, const std::vector<fs::path>& cjk_fonts) {
    for (const fs::path& dir : font_dirs) {
        if (!fs::is_directory(dir)) continue;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            const std::string ext = e.path().extension().string();
            if (ext == ".ttf" || ext == ".otf") latin_.push_back(e.path().string());
        }
    }
    std::sort(latin_.begin(), latin_.end());  // deterministic order
    for (const fs::path& f : cjk_fonts) {
        if (fs::exists(f)) cjk_.push_back(f.string());
    }
}

TextSample TextRenderer::render(const cv::Mat& clean, std::mt19937& rng) const {
    const int s_w = clean.cols, s_h = clean.rows;
    const int lines = chance(rng, 0.55) ? 1 : (chance(rng, 0.7) ? 2 : 3);
    const bool watermark = chance(rng, 0.15);
    cv::Mat fill8(s_h, s_w, CV_8UC3, cv::Scalar::all(0));
    std::vector<std::vector<cv::Point2f>> boxes;  // per line, in layer coordinates
    const double height = watermark ? real(rng, 18, 44) : std::exp(real(rng, std::log(9.0), std::log(40.0)));
    const bool use_cjk = !cjk_.empty() && chance(rng, 0.12);
    const std::string font =
        use_cjk ? cjk_[uniform(rng, 0, cjk_.size() - 1)] : latin_[uniform(rng, 0, latin_.size() - 1)];
    const cv::Ptr<cv::freetype::FreeType2> ft = cv::freetype::createFreeType2();
    ft->loadFontData(font, 0);
    const int h = std::max(8, static_cast<int>(std::lround(height)));
    int y = uniform(rng, -h / 4, std::max(0, s_h - lines * h * 5 / 4));
    const int x0 = uniform(rng, -s_w / 8, s_w / 2);
    for (int l = 0; l < lines; ++l) {
        const std::string text = use_cjk ? kCjk[uniform(rng, 0, kCjk.size() - 1)] : latin_string(rng);
        int baseline = 0;
        const cv::Size sz = ft->getTextSize(text, h, -1, &baseline);
        const int x = std::clamp(x0 + uniform(rng, -h, h), -sz.width / 3, std::max(0, s_w - sz.width * 2 / 3));
        const cv::Point org(x, y + h);  // baseline origin
        ft->putText(fill8, text, org, h, cv::Scalar::all(255), -1, cv::LINE_AA, false);
        const float pad = static_cast<float>(0.12 * h);
        boxes.push_back({{x - pad, y - pad},
                         {x + sz.width + pad, y - pad},
                         {x + sz.width + pad, y + h + baseline + pad},
                         {x - pad, y + h + baseline + pad}});
        y += h * 5 / 4 + uniform(rng, 0, h / 3);
    }
    cv::Mat fill;
    cv::extractChannel(fill8, fill, 0);
    // Rotation and perspective: the layer is warped around its centre.
    const double angle = chance(rng, 0.15) ? real(rng, -35, 35) : real(rng, -8, 8);
    const cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(s_w / 2.0F, s_h / 2.0F), angle, 1.0);
    std::vector<cv::Point2f> src = {{0, 0}, {float(s_w), 0}, {float(s_w), float(s_h)}, {0, float(s_h)}};
    std::vector<cv::Point2f> dst;
    cv::transform(src, dst, rot);
    const double jitter = chance(rng, 0.4) ? 0.08 * s_w : 0.0;
    for (auto& p : dst)
        p +=
            cv::Point2f(static_cast<float>(real(rng, -jitter, jitter)), static_cast<float>(real(rng, -jitter, jitter)));
    const cv::Mat H = cv::getPerspectiveTransform(src, dst);
    cv::warpPerspective(fill, fill, H, fill.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    for (auto& b : boxes) cv::perspectiveTransform(b, b, H);

    cv::Mat cov_fill = to_float(fill);
    if (chance(rng, 0.3)) cv::GaussianBlur(cov_fill, cov_fill, {0, 0}, real(rng, 0.3, 0.8));  // lens / scan softness
    cv::Mat img = to_float(clean);
    cv::Mat coverage = cov_fill.clone();  // everything the text touched
    const cv::Scalar colour = text_colour(rng) / 255.0;
    if (!watermark && chance(rng, 0.35)) {  // drop shadow or glow
        cv::Mat sh;
        const double sigma = real(rng, 0.5, 2.5);
        cv::GaussianBlur(cov_fill, sh, {0, 0}, sigma);
        const int dx = uniform(rng, -3, 4), dy = uniform(rng, 0, 4);
        const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
        cv::warpAffine(sh, sh, shift, sh.size());
        sh *= real(rng, 1.0, 1.6);
        const cv::Scalar sc = chance(rng, 0.8) ? cv::Scalar::all(real(rng, 0, 0.15)) : colour;
        composite(img, sh, sc, real(rng, 0.5, 0.9));
        coverage = cv::max(coverage, sh);
    }
    if (!watermark && chance(rng, 0.3)) {  // outline
        const int r = uniform(rng, 1, 2 + h / 12);
        cv::Mat outline;
        cv::dilate(cov_fill, outline, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
        const cv::Scalar oc = cv::Scalar::all(1.0) - colour;  // contrasting edge
        composite(img, outline, oc, 1.0);
        coverage = cv::max(coverage, outline);
    }
    composite(img, cov_fill, colour, watermark ? real(rng, 0.25, 0.6) : (chance(rng, 0.1) ? real(rng, 0.6, 0.9) : 1.0));

    TextSample out;
    img.convertTo(out.input, CV_8UC3, 255.0);  // rounds and saturates
    // Mask: text coverage dilated a little, or the detector's loose line boxes.
    cv::Mat m = coverage > 0.04;
    const int grow = uniform(rng, 1, 3);
    cv::dilate(m, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
    if (chance(rng, 0.5)) {
        cv::Mat boxmask(m.size(), CV_8U, cv::Scalar(0));
        for (const auto& b : boxes) {
            const cv::RotatedRect rr = cv::minAreaRect(b);
            cv::Point2f pts[4];
            rr.points(pts);
            std::vector<cv::Point> poly;
            for (const auto& p : pts) poly.emplace_back(cvRound(p.x), cvRound(p.y));
            cv::fillConvexPoly(boxmask, poly, cv::Scalar(255));
        }
        const int g = uniform(rng, 2, 5);
        cv::dilate(boxmask, boxmask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * g + 1, 2 * g + 1}));
        m |= boxmask;
    }
    // Pixels the text changed must all be in the mask (the eraser only writes there).
    cv::Mat diff;
    cv::absdiff(out.input, clean, diff);
    std::vector<cv::Mat> planes;
    cv::split(diff, planes);
    m |= (planes[0] > 0) | (planes[1] > 0) | (planes[2] > 0);
    out.mask = m;
    return out;
}

}  // namespace restora::prep
