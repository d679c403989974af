// Multi-scale PatchMatch hole filling (see patchmatch.h). One crop at a time, single-threaded and
// seeded, so the same crop always gives the same pixels (Preview = Apply relies on that).
#include "restora/core/patchmatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

namespace restora {

MaskRegions find_mask_regions(const cv::Mat& mask, int merge_distance) {
    MaskRegions r;
    const cv::Mat hole = mask > 0;
    cv::Mat grown;  // a separate buffer: dilating into `hole` itself would lose the hole
    if (merge_distance > 0) {
        // Components closer than merge_distance touch after growing each by half of it.
        const int k = merge_distance / 2;
        cv::dilate(hole, grown, cv::getStructuringElement(cv::MORPH_RECT, {2 * k + 1, 2 * k + 1}));
    } else {
        grown = hole;
    }
    cv::Mat grown_labels;
    const int n = cv::connectedComponents(grown, grown_labels, 8, CV_32S);
    r.labels = cv::Mat::zeros(mask.size(), CV_32S);
    grown_labels.copyTo(r.labels, hole);
    std::vector<cv::Point> lo(static_cast<size_t>(std::max(0, n - 1)), cv::Point(mask.cols, mask.rows));
    std::vector<cv::Point> hi(lo.size(), cv::Point(-1, -1));
    for (int y = 0; y < mask.rows; ++y) {
        const int* row = r.labels.ptr<int>(y);
        for (int x = 0; x < mask.cols; ++x) {
            if (row[x] == 0) continue;
            const auto k = static_cast<size_t>(row[x] - 1);
            lo[k].x = std::min(lo[k].x, x);
            lo[k].y = std::min(lo[k].y, y);
            hi[k].x = std::max(hi[k].x, x);
            hi[k].y = std::max(hi[k].y, y);
        }
    }
    for (size_t k = 0; k < lo.size(); ++k) {
        r.boxes.emplace_back(lo[k].x, lo[k].y, hi[k].x - lo[k].x + 1, hi[k].y - lo[k].y + 1);
    }
    return r;
}

cv::Rect context_window(const cv::Rect& box, cv::Size image, int min_margin, int max_margin) {
    const int m = std::clamp(std::max(box.width, box.height), min_margin, max_margin);
    return cv::Rect(box.x - m, box.y - m, box.width + 2 * m, box.height + 2 * m) & cv::Rect({0, 0}, image);
}

std::uint64_t region_seed(std::uint64_t seed, const cv::Rect& box) {
    std::uint64_t h = seed ^ 0x9E3779B97F4A7C15ULL;
    for (const int v : {box.x, box.y, box.width, box.height}) {
        h ^= static_cast<std::uint64_t>(static_cast<std::uint32_t>(v)) + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    }
    return h;
}

namespace {

// One pyramid level of one crop.
struct Level {
    cv::Mat img;    // CV_32FC3: photo at known pixels, current estimate at fill pixels
    cv::Mat role;   // CV_8U PixelRole
    cv::Mat guide;  // CV_32FC3 or empty: photo at known pixels, the guide at fill pixels
    cv::Mat valid;  // CV_8U: 1 where a whole patch centred here is known (a source)
    int source_count = 0;
    std::vector<cv::Point> targets;  // centres of patches that overlap the fill, raster order
    cv::Mat is_target;               // CV_8U
    cv::Rect hole_box;
};

// Halves a level: a coarse pixel is fill if any of its pixels is, known if all are; colours are the
// mean of the known pixels (of all pixels for the guide).
Level downsample(const Level& f) {
    Level c;
    const int w = (f.img.cols + 1) / 2;
    const int h = (f.img.rows + 1) / 2;
    c.img = cv::Mat::zeros(h, w, CV_32FC3);
    c.role = cv::Mat::zeros(h, w, CV_8U);
    const bool guided = !f.guide.empty();
    if (guided) c.guide = cv::Mat::zeros(h, w, CV_32FC3);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            cv::Vec3f sum(0, 0, 0);
            cv::Vec3f gsum(0, 0, 0);
            int known = 0;
            int all = 0;
            bool fill = false;
            for (int dy = 0; dy < 2; ++dy) {
                for (int dx = 0; dx < 2; ++dx) {
                    const int fy = 2 * y + dy;
                    const int fx = 2 * x + dx;
                    if (fy >= f.img.rows || fx >= f.img.cols) continue;
                    ++all;
                    const std::uint8_t r = f.role.at<std::uint8_t>(fy, fx);
                    if (r == kRoleFill) fill = true;
                    if (r == kRoleKnown) {
                        sum += f.img.at<cv::Vec3f>(fy, fx);
                        ++known;
                    }
                    if (guided) gsum += f.guide.at<cv::Vec3f>(fy, fx);
                }
            }
            c.role.at<std::uint8_t>(y, x) = fill ? kRoleFill : (known == all ? kRoleKnown : kRoleIgnore);
            if (known > 0) c.img.at<cv::Vec3f>(y, x) = sum / static_cast<float>(known);
            if (guided) c.guide.at<cv::Vec3f>(y, x) = gsum / static_cast<float>(all);
        }
    }
    return c;
}

void prepare(Level& l, int patch) {
    const int r = patch / 2;
    cv::Mat known = l.role == kRoleKnown;
    // A source centre needs its whole patch inside the crop and known.
    cv::erode(known, l.valid, cv::getStructuringElement(cv::MORPH_RECT, {patch, patch}), {-1, -1}, 1,
              cv::BORDER_CONSTANT, cv::Scalar(0));
    l.source_count = cv::countNonZero(l.valid);
    const cv::Mat fill = l.role == kRoleFill;
    cv::dilate(fill, l.is_target, cv::getStructuringElement(cv::MORPH_RECT, {2 * r + 1, 2 * r + 1}));
    l.targets.clear();
    cv::findNonZero(l.is_target, l.targets);
    l.hole_box = cv::boundingRect(fill);
}

// Fills the fill pixels smoothly (Telea per channel): the start when there is no guide.
void smooth_fill(Level& l) {
    const cv::Mat unknown = l.role != kRoleKnown;
    std::vector<cv::Mat> planes;
    cv::split(l.img, planes);
    for (cv::Mat& p : planes) {
        cv::Mat d;
        cv::inpaint(p, unknown, d, 3, cv::INPAINT_TELEA);
        p = d;
    }
    cv::Mat filled;
    cv::merge(planes, filled);
    filled.copyTo(l.img, l.role == kRoleFill);
}

class Solver {
  public:
    Solver(Level& l, int patch, double guide_weight, std::mt19937_64& rng)
        : l_(l), r_(patch / 2), n_(static_cast<float>(patch * patch)), rng_(rng) {
        nnf_ = cv::Mat(l.img.size(), CV_32SC2, cv::Scalar(0, 0));
        dist_ = cv::Mat(l.img.size(), CV_32F, cv::Scalar(0));
        if (!l.guide.empty() && guide_weight > 0) {
            gw_ = static_cast<float>(guide_weight);
            // The guide's mean over each patch, with the current photo at known pixels.
            cv::boxFilter(l.guide, guide_mean_, CV_32F, {patch, patch}, {-1, -1}, true, cv::BORDER_REFLECT);
            cv::boxFilter(l.img, source_mean_, CV_32F, {patch, patch}, {-1, -1}, true, cv::BORDER_REFLECT);
        }
        // Wexler's confidence: known pixels 1, hole pixels fade with their distance to known ones,
        // so patches that rest on the hole's border vote hardest.
        cv::Mat fill = l.role == kRoleFill;
        cv::Mat d;
        cv::distanceTransform(fill, d, cv::DIST_L2, 3);
        cv::Mat conf(d.size(), CV_32F);
        for (int y = 0; y < d.rows; ++y) {
            for (int x = 0; x < d.cols; ++x) {
                const float dist = d.at<float>(y, x);
                conf.at<float>(y, x) = dist > 0 ? std::pow(1.3F, -dist) : 1.0F;
            }
        }
        cv::boxFilter(conf, patch_conf_, CV_32F, {patch, patch}, {-1, -1}, true, cv::BORDER_REFLECT);
    }

    // Initial field: from the coarser level's field when given, else random sources.
    void init(const cv::Mat* coarse_nnf, const cv::Mat* coarse_is_target) {
        // Random sources by rejection (most of a crop is usually valid), a list when few are.
        std::vector<cv::Point> few;
        if (static_cast<double>(l_.source_count) < l_.valid.total() / 16.0) cv::findNonZero(l_.valid, few);
        std::uniform_int_distribution<size_t> pick(0, few.empty() ? 0 : few.size() - 1);
        std::uniform_int_distribution<int> px(0, l_.valid.cols - 1);
        std::uniform_int_distribution<int> py(0, l_.valid.rows - 1);
        auto random_source = [&]() {
            if (!few.empty()) return few[pick(rng_)];
            while (true) {
                const cv::Point s(px(rng_), py(rng_));
                if (is_source(s)) return s;
            }
        };
        for (const cv::Point& t : l_.targets) {
            cv::Point s(-1, -1);
            if (coarse_nnf != nullptr) {
                const cv::Point c(std::min(t.x / 2, coarse_nnf->cols - 1), std::min(t.y / 2, coarse_nnf->rows - 1));
                if (coarse_is_target->at<std::uint8_t>(c) != 0) {
                    const cv::Vec2i cs = coarse_nnf->at<cv::Vec2i>(c);
                    s = {cs[0] * 2 + (t.x & 1), cs[1] * 2 + (t.y & 1)};
                }
            }
            if (!is_source(s)) s = random_source();
            nnf_.at<cv::Vec2i>(t) = {s.x, s.y};
        }
        refresh_distances();
    }

    void refresh_distances() {
        for (const cv::Point& t : l_.targets) {
            const cv::Vec2i s = nnf_.at<cv::Vec2i>(t);
            dist_.at<float>(t) = distance(t, {s[0], s[1]}, std::numeric_limits<float>::max());
        }
    }

    // One PatchMatch pass: propagation from the previous neighbours in scan order, then random
    // search around the best match with a halving radius.
    void sweep(bool forward, const CancelToken& cancel) {
        const int n = static_cast<int>(l_.targets.size());
        const int step = forward ? 1 : -1;
        const int max_radius = std::max(l_.img.cols, l_.img.rows);
        for (int k = 0; k < n; ++k) {
            if ((k & 8191) == 0) cancel.throw_if_requested();
            const cv::Point t = l_.targets[static_cast<size_t>(forward ? k : n - 1 - k)];
            cv::Vec2i& best = nnf_.at<cv::Vec2i>(t);
            float& bd = dist_.at<float>(t);
            for (const cv::Point nb : {cv::Point(t.x - step, t.y), cv::Point(t.x, t.y - step)}) {
                if (nb.x < 0 || nb.y < 0 || nb.x >= l_.img.cols || nb.y >= l_.img.rows) continue;
                if (l_.is_target.at<std::uint8_t>(nb) == 0) continue;
                const cv::Vec2i ns = nnf_.at<cv::Vec2i>(nb);
                try_candidate(t, {ns[0] + (t.x - nb.x), ns[1] + (t.y - nb.y)}, best, bd);
            }
            for (int radius = max_radius; radius >= 1; radius /= 2) {
                std::uniform_int_distribution<int> off(-radius, radius);
                const int dx = off(rng_);
                const int dy = off(rng_);
                try_candidate(t, {best[0] + dx, best[1] + dy}, best, bd);
            }
        }
    }

    // Expectation step: every fill pixel becomes the weighted mean of what the patches covering it
    // point to.
    void vote() {
        cv::Mat acc(l_.img.size(), CV_32FC3, cv::Scalar::all(0));
        cv::Mat wsum(l_.img.size(), CV_32F, cv::Scalar(0));
        for (const cv::Point& t : l_.targets) {
            const cv::Vec2i s = nnf_.at<cv::Vec2i>(t);
            const float w = patch_conf_.at<float>(t);
            for (int dy = -r_; dy <= r_; ++dy) {
                const int ty = t.y + dy;
                if (ty < 0 || ty >= l_.img.rows) continue;
                const std::uint8_t* role = l_.role.ptr<std::uint8_t>(ty);
                cv::Vec3f* a = acc.ptr<cv::Vec3f>(ty);
                float* ws = wsum.ptr<float>(ty);
                const cv::Vec3f* src = l_.img.ptr<cv::Vec3f>(s[1] + dy);
                for (int dx = -r_; dx <= r_; ++dx) {
                    const int tx = t.x + dx;
                    if (tx < 0 || tx >= l_.img.cols || role[tx] != kRoleFill) continue;
                    a[tx] += w * src[s[0] + dx];
                    ws[tx] += w;
                }
            }
        }
        for (int y = 0; y < l_.img.rows; ++y) {
            const std::uint8_t* role = l_.role.ptr<std::uint8_t>(y);
            const cv::Vec3f* a = acc.ptr<cv::Vec3f>(y);
            const float* ws = wsum.ptr<float>(y);
            cv::Vec3f* out = l_.img.ptr<cv::Vec3f>(y);
            for (int x = 0; x < l_.img.cols; ++x) {
                if (role[x] == kRoleFill && ws[x] > 0) out[x] = a[x] / ws[x];
            }
        }
    }

    // Every fill pixel becomes the centre pixel of its own patch's match.
    void copy_centres() {
        cv::Mat out = l_.img.clone();
        for (const cv::Point& t : l_.targets) {
            if (l_.role.at<std::uint8_t>(t) != kRoleFill) continue;
            const cv::Vec2i s = nnf_.at<cv::Vec2i>(t);
            out.at<cv::Vec3f>(t) = l_.img.at<cv::Vec3f>(s[1], s[0]);
        }
        l_.img = out;
    }

    [[nodiscard]] const cv::Mat& nnf() const { return nnf_; }

  private:
    [[nodiscard]] bool is_source(cv::Point s) const {
        return s.x >= 0 && s.y >= 0 && s.x < l_.valid.cols && s.y < l_.valid.rows && l_.valid.at<std::uint8_t>(s) != 0;
    }

    void try_candidate(cv::Point t, cv::Point s, cv::Vec2i& best, float& bd) {
        if ((s.x == best[0] && s.y == best[1]) || !is_source(s)) return;
        const float d = distance(t, s, bd);
        if (d < bd) {
            bd = d;
            best = {s.x, s.y};
        }
    }

    // Sum of squared differences over the target patch's compared pixels (known and fill; pixels
    // outside the crop and other holes are skipped), plus the guide term; stops early past cutoff.
    [[nodiscard]] float distance(cv::Point t, cv::Point s, float cutoff) const {
        float sum = 0;
        if (gw_ > 0) {
            const cv::Vec3f d = guide_mean_.at<cv::Vec3f>(t) - source_mean_.at<cv::Vec3f>(s);
            sum = gw_ * n_ * d.dot(d);
            if (sum >= cutoff) return sum;
        }
        const int x0 = std::max(-r_, -t.x);
        const int x1 = std::min(r_, l_.img.cols - 1 - t.x);
        for (int dy = -r_; dy <= r_; ++dy) {
            const int ty = t.y + dy;
            if (ty < 0 || ty >= l_.img.rows) continue;
            const std::uint8_t* role = l_.role.ptr<std::uint8_t>(ty) + t.x;
            const float* tp = l_.img.ptr<float>(ty) + 3 * t.x;
            const float* sp = l_.img.ptr<float>(s.y + dy) + 3 * s.x;
            for (int dx = x0; dx <= x1; ++dx) {
                if (role[dx] == kRoleIgnore) continue;
                const float a = tp[3 * dx] - sp[3 * dx];
                const float b = tp[3 * dx + 1] - sp[3 * dx + 1];
                const float c = tp[3 * dx + 2] - sp[3 * dx + 2];
                sum += a * a + b * b + c * c;
            }
            if (sum >= cutoff) return sum;
        }
        return sum;
    }

    Level& l_;
    int r_;
    float n_;
    std::mt19937_64& rng_;
    float gw_ = 0;
    cv::Mat guide_mean_;
    cv::Mat source_mean_;
    cv::Mat patch_conf_;
    cv::Mat nnf_;
    cv::Mat dist_;
};

}  // namespace

cv::Mat patchmatch_fill(const cv::Mat& bgr, const cv::Mat& role, const cv::Mat& guide, const PatchMatchOptions& opts,
                        std::uint64_t seed, const JobControl& job) {
    CV_Assert(bgr.type() == CV_32FC3 && role.type() == CV_8U && role.size() == bgr.size());
    CV_Assert(guide.empty() || (guide.type() == CV_32FC3 && guide.size() == bgr.size()));
    CV_Assert(opts.patch_size >= 3 && opts.patch_size % 2 == 1);
    ProgressStage progress(job, 0, 100);
    job.cancel.throw_if_requested();

    std::vector<Level> levels(1);
    levels[0].img = bgr.clone();
    levels[0].role = role;
    if (!guide.empty()) {
        levels[0].guide = bgr.clone();
        guide.copyTo(levels[0].guide, role != kRoleKnown);
    }
    prepare(levels[0], opts.patch_size);
    if (levels[0].targets.empty()) return levels[0].img;
    if (levels[0].source_count == 0) {
        // Nothing to copy from (the hole covers its whole context): the smooth fill is all there
        // is.
        Level& l = levels[0];
        if (!l.guide.empty()) {
            l.guide.copyTo(l.img, l.role == kRoleFill);
        } else {
            smooth_fill(l);
        }
        return l.img;
    }
    // Coarser levels while the hole is larger than coarsest_hole and the level still has sources.
    constexpr int kMinSources = 16;
    while (true) {
        const Level& f = levels.back();
        if (std::max(f.hole_box.width, f.hole_box.height) <= opts.coarsest_hole) break;
        if (std::min(f.img.cols, f.img.rows) / 2 < 3 * opts.patch_size) break;
        Level c = downsample(f);
        prepare(c, opts.patch_size);
        if (c.source_count < kMinSources || c.targets.empty()) break;
        levels.push_back(std::move(c));
    }
    const int top = static_cast<int>(levels.size()) - 1;
    auto em_iterations = [&](int level) {
        if (top == 0) return opts.em_coarse;
        return static_cast<int>(
            std::lround(opts.em_fine + (opts.em_coarse - opts.em_fine) * static_cast<double>(level) / top));
    };
    double total = 0;
    for (int i = 0; i <= top; ++i)
        total += static_cast<double>(levels[static_cast<size_t>(i)].targets.size()) * em_iterations(i);
    double done = 0;

    std::mt19937_64 rng(seed);
    Level& coarsest = levels.back();
    if (!coarsest.guide.empty()) {
        coarsest.guide.copyTo(coarsest.img, coarsest.role == kRoleFill);
    } else {
        smooth_fill(coarsest);
    }
    cv::Mat prev_nnf;
    cv::Mat prev_is_target;
    for (int i = top; i >= 0; --i) {
        Level& l = levels[static_cast<size_t>(i)];
        Solver solver(l, opts.patch_size, i >= opts.guide_finest_level ? opts.guide_weight : 0.0, rng);
        if (i == top) {
            solver.init(nullptr, nullptr);
        } else {
            // The coarser field, scaled up, gives this level's first estimate.
            solver.init(&prev_nnf, &prev_is_target);
            solver.vote();
            solver.refresh_distances();
        }
        const int iters = em_iterations(i);
        for (int it = 0; it < iters; ++it) {
            for (int s = 0; s < opts.pm_sweeps; ++s) solver.sweep(s % 2 == 0, job.cancel);
            if (i == 0 && it + 1 == iters && opts.copy_last) {
                solver.copy_centres();
            } else {
                solver.vote();
            }
            if (it + 1 < iters) solver.refresh_distances();
            done += static_cast<double>(l.targets.size());
            progress.update(done / total);
        }
        prev_nnf = solver.nnf().clone();
        prev_is_target = l.is_target;
    }
    return levels[0].img;
}

void correct_seam(const cv::Mat& known, cv::Mat& fill, const cv::Mat& role, float feather) {
    CV_Assert(known.type() == CV_32FC3 && fill.type() == CV_32FC3 && role.type() == CV_8U);
    const double sigma = std::max(1.0, feather / 2.0);
    // Only the hole and a few sigma around it matter.
    const int reach = static_cast<int>(std::ceil(3 * sigma)) + 3;
    const cv::Rect hole_box = cv::boundingRect(role == kRoleFill);
    if (hole_box.area() == 0) return;
    const cv::Rect roi =
        cv::Rect(hole_box.x - reach, hole_box.y - reach, hole_box.width + 2 * reach, hole_box.height + 2 * reach) &
        cv::Rect({0, 0}, role.size());
    const cv::Mat r = role(roi);
    const cv::Mat hole = r == kRoleFill;
    cv::Mat ring;
    cv::dilate(hole, ring, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    cv::bitwise_and(ring, r == kRoleKnown, ring);
    cv::Mat diff = cv::Mat::zeros(roi.size(), CV_32FC3);
    cv::subtract(known(roi), fill(roi), diff, ring);
    cv::Mat w;
    ring.convertTo(w, CV_32F, 1.0 / 255.0);
    // The spread is smooth: wide blurs run at a reduced scale (area-averaged, so the ring's weight
    // is kept) and the ratio is scaled back up.
    const int q = std::max(1, static_cast<int>(sigma / 4));
    cv::Mat num;
    cv::Mat den;
    if (q > 1) {
        const cv::Size small((roi.width + q - 1) / q, (roi.height + q - 1) / q);
        cv::resize(diff, num, small, 0, 0, cv::INTER_AREA);
        cv::resize(w, den, small, 0, 0, cv::INTER_AREA);
    } else {
        num = diff;
        den = w;
    }
    cv::GaussianBlur(num, num, {0, 0}, sigma / q);
    cv::GaussianBlur(den, den, {0, 0}, sigma / q);
    cv::Mat corr(num.size(), CV_32FC3, cv::Scalar::all(0));
    for (int y = 0; y < num.rows; ++y) {
        const cv::Vec3f* n = num.ptr<cv::Vec3f>(y);
        const float* d = den.ptr<float>(y);
        cv::Vec3f* c = corr.ptr<cv::Vec3f>(y);
        for (int x = 0; x < num.cols; ++x) {
            if (d[x] > 1e-6F) c[x] = n[x] / d[x];
        }
    }
    if (q > 1) cv::resize(corr, corr, roi.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat dist;
    cv::distanceTransform(hole, dist, cv::DIST_L2, 3);
    for (int y = 0; y < roi.height; ++y) {
        const std::uint8_t* h = hole.ptr<std::uint8_t>(y);
        const cv::Vec3f* c = corr.ptr<cv::Vec3f>(y);
        const float* dd = dist.ptr<float>(y);
        cv::Vec3f* out = fill.ptr<cv::Vec3f>(y + roi.y) + roi.x;
        for (int x = 0; x < roi.width; ++x) {
            if (h[x] == 0) continue;
            const float t = std::clamp(1.0F - (dd[x] - 1.0F) / feather, 0.0F, 1.0F);
            const float fade = t * t * (3.0F - 2.0F * t);  // smoothstep: no kink where it ends
            out[x] += fade * c[x];
        }
    }
}

}  // namespace restora
