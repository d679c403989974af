#include "restora/core/finishing.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "restora/models/errors.h"

namespace restora {

namespace {

constexpr const char* kAmount = "amount";
constexpr const char* kFeather = "feather";

ParamSpec amount_param() {
    ParamSpec p = number_param(kAmount, "Amount", 0, 1, 0.05, 1,
                               "How much of the result to keep: 1 the full result, 0 the photo unchanged, 0.5 halfway");
    p.low_label = "Original";
    p.high_label = "Full";
    return p;
}

ParamSpec feather_param() {
    return integer_param(kFeather, "Feather", 0, 64, 8, "px",
                         "With a mask: the result fades in over this many pixels inside the mask's edge; pixels "
                         "outside the mask stay exactly as they are");
}

template <typename T>
void blend_rows(const cv::Mat& in, const cv::Mat& res, const cv::Mat& weight, double amount, cv::Mat& out) {
    const int ch = in.channels();
    const double top = static_cast<double>(std::numeric_limits<T>::max());
    for (int y = 0; y < in.rows; ++y) {
        const T* a = in.ptr<T>(y);
        const T* b = res.ptr<T>(y);
        const float* w = weight.empty() ? nullptr : weight.ptr<float>(y);
        T* o = out.ptr<T>(y);
        for (int x = 0; x < in.cols; ++x) {
            const double k = (w != nullptr ? w[x] : 1.0) * amount;
            for (int c = 0; c < ch; ++c) {
                const int i = x * ch + c;
                if (k <= 0) {
                    o[i] = a[i];
                } else if (k >= 1) {
                    o[i] = b[i];
                } else {
                    const double v = a[i] + k * (static_cast<double>(b[i]) - a[i]);
                    o[i] = static_cast<T>(std::clamp(v + 0.5, 0.0, top));
                }
            }
        }
    }
}

// A grey photo: every pixel's colour channels within kGreySpread 8-bit levels of each other.
constexpr int kGreySpread = 2;

template <typename T>
bool grey_rows(const cv::Mat& m, int spread) {
    const int ch = m.channels();
    for (int y = 0; y < m.rows; ++y) {
        const T* p = m.ptr<T>(y);
        for (int x = 0; x < m.cols; ++x, p += ch) {
            const int lo = std::min({int(p[0]), int(p[1]), int(p[2])}),
                      hi = std::max({int(p[0]), int(p[1]), int(p[2])});
            if (hi - lo > spread) return false;
        }
    }
    return true;
}

// Result pixels a grey photo's tool changed become grey again (their luma in all three
// channels); unchanged pixels stay as they were (same-size tools), so a mask's outside stays
// bit-identical. `base`: the input under the result (same size), or empty (every pixel projected).
template <typename T>
void project_rows(const cv::Mat& base, cv::Mat& out) {
    const int ch = out.channels();
    for (int y = 0; y < out.rows; ++y) {
        T* o = out.ptr<T>(y);
        const T* b = base.empty() ? nullptr : base.ptr<T>(y);
        for (int x = 0; x < out.cols; ++x) {
            T* q = o + x * ch;
            if (b != nullptr) {
                const T* a = b + x * ch;
                if (a[0] == q[0] && a[1] == q[1] && a[2] == q[2]) continue;
            }
            const double luma = 0.114 * q[0] + 0.587 * q[1] + 0.299 * q[2];
            q[0] = q[1] = q[2] = static_cast<T>(luma + 0.5);
        }
    }
}

class Finished final : public Operation {
  public:
    explicit Finished(std::unique_ptr<Operation> inner) : inner_(std::move(inner)), info_(inner_->info()) {
        for (const auto& p : info_.params) {
            if (p.key == kAmount || p.key == kFeather) {
                throw Error(ErrorKind::Processing, info_.id + " defines its own '" + p.key + "' parameter");
            }
        }
        const cv::Size probe(64, 48);
        same_size_ = inner_->output_size(probe, inner_->resolve({})) == probe;
        limits_ = info_.mask == MaskUse::None && same_size_;
        if (limits_) {
            info_.mask = MaskUse::Optional;
            info_.params.push_back(feather_param());
        }
        info_.params.push_back(amount_param());
        for (const auto& p : info_.params) {
            if (p.key == "model" && p.kind == ParamKind::Choice &&
                std::find(p.choices.begin(), p.choices.end(), "bicubic") != p.choices.end()) {
                has_bicubic_ = true;
            }
        }
    }

    const OperationInfo& info() const override { return info_; }
    std::map<std::string, std::string> source_defaults(const SourceInfo& s) const override {
        return inner_->source_defaults(s);
    }
    cv::Size output_size(cv::Size in, const Params& p) const override { return inner_->output_size(in, p); }
    std::vector<std::string> networks(const Params& p) const override { return inner_->networks(p); }
    void check_available(const Params& p) const override { inner_->check_available(p); }
    CostModel cost(const Params& p) const override { return inner_->cost(p); }
    bool has_cached_pass(const cv::Mat& image, const Params& p, const OpContext& ctx) const override {
        return inner_->has_cached_pass(image, p, ctx);
    }
    OperationHints hints() const override { return inner_->hints(); }
    DetectedMask detect_mask(const cv::Mat& image, const Params& p, const OpContext& ctx) const override {
        return inner_->detect_mask(image, p, ctx);
    }

    OpResult run(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx) const override {
        return run_region(image, mask, p, ctx, cv::Rect(0, 0, image.cols, image.rows));
    }

    // Every result of a grey photo stays grey (issue: the learned inpainting put a channel spread of
    // 6 levels into grey photos); docs/QUALITY.md, "Old-photo damage".
    OpResult run_region(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx,
                        const cv::Rect& region) const override {
        OpResult r = finished_region(image, mask, p, ctx, region);
        if (r.pixels.channels() >= 3 && image.channels() >= 3 && is_monochrome(image)) {
            const bool same = same_size_ && r.pixels.size() == region.size() && r.pixels.type() == image.type();
            const cv::Mat base = same ? image(region) : cv::Mat();
            if (r.pixels.depth() == CV_16U)
                project_rows<uint16_t>(base, r.pixels);
            else if (r.pixels.depth() == CV_8U)
                project_rows<uint8_t>(base, r.pixels);
        }
        return r;
    }

  private:
    OpResult finished_region(const cv::Mat& image, const cv::Mat& mask, const Params& p, const OpContext& ctx,
                             const cv::Rect& region) const {
        const bool whole = region == cv::Rect(0, 0, image.cols, image.rows);
        const double amount = p.number(kAmount);
        if (limits_) {
            if (mask.empty()) {
                OpResult r = whole ? inner_->run(image, cv::Mat(), p, ctx)
                                   : inner_->run_region(image, cv::Mat(), p, ctx, region);
                if (amount < 1) r.pixels = blend_result(image(region), r.pixels, cv::Mat(), amount);
                return r;
            }
            // Only the part of the region the mask reaches is computed (run_region gives there
            // exactly what a whole run gives); everything else is the input.
            const cv::Rect box = cv::boundingRect(mask) & region;
            OpResult r;
            if (box.empty()) {
                r.pixels = image(region).clone();
                if (whole) r.warnings.push_back("the mask selects no pixels; the image is unchanged");
                return r;
            }
            r = box == cv::Rect(0, 0, image.cols, image.rows) ? inner_->run(image, cv::Mat(), p, ctx)
                                                              : inner_->run_region(image, cv::Mat(), p, ctx, box);
            const cv::Mat weight = feather_weights(mask, p.integer(kFeather));
            const cv::Mat part = blend_result(image(box), r.pixels, weight(box), amount);
            r.pixels = image(region).clone();
            part.copyTo(r.pixels(box - region.tl()));
            return r;
        }
        OpResult r = whole ? inner_->run(image, mask, p, ctx) : inner_->run_region(image, mask, p, ctx, region);
        if (amount >= 1) return r;
        cv::Mat base;
        if (same_size_) {
            base = image(region);
        } else {
            const cv::Size out = inner_->output_size(image.size(), p);
            const int sx = out.width / image.cols, sy = out.height / image.rows;
            const cv::Rect scaled(region.x * sx, region.y * sy, region.width * sx, region.height * sy);
            if (has_bicubic_) {
                std::map<std::string, std::string> given = {{"model", "bicubic"}};
                if (auto it = p.values().find("scale"); it != p.values().end()) given["scale"] = it->second;
                const Params bp = inner_->resolve(given);
                base = whole ? inner_->run(image, cv::Mat(), bp, ctx).pixels
                             : inner_->run_region(image, cv::Mat(), bp, ctx, region).pixels;
            } else {
                cv::Mat full;
                cv::resize(image, full, out, 0, 0, cv::INTER_CUBIC);
                base = full(scaled);
            }
        }
        r.pixels = blend_result(base, r.pixels, cv::Mat(), amount);
        return r;
    }

  protected:
    void check_combination(const Params& p) const override {
        std::map<std::string, std::string> own = p.values();
        own.erase(kAmount);
        own.erase(kFeather);
        (void)inner_->resolve(own);  // the operation's own rules for its parameters together
    }

  private:
    std::unique_ptr<Operation> inner_;
    OperationInfo info_;
    bool same_size_ = true;
    bool limits_ = false;
    bool has_bicubic_ = false;
};

}  // namespace

std::unique_ptr<Operation> with_finishing(std::unique_ptr<Operation> op) {
    return std::make_unique<Finished>(std::move(op));
}

bool is_monochrome(const cv::Mat& image) {
    if (image.channels() < 3) return true;
    if (image.depth() == CV_16U) return grey_rows<uint16_t>(image, kGreySpread * 257);
    if (image.depth() == CV_8U) return grey_rows<uint8_t>(image, kGreySpread);
    return false;
}

cv::Mat feather_weights(const cv::Mat& mask, int feather) {
    CV_Assert(mask.type() == CV_8U);
    const cv::Mat inside = mask != 0;
    cv::Mat w;
    if (feather <= 0) {
        inside.convertTo(w, CV_32F, 1.0 / 255.0);
        return w;
    }
    cv::Mat dist;
    cv::distanceTransform(inside, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    cv::min(dist * (1.0 / feather), 1.0, w);
    w.setTo(0, ~inside);
    return w;
}

cv::Mat blend_result(const cv::Mat& input, const cv::Mat& result, const cv::Mat& weight, double amount) {
    if (input.size() != result.size() || input.type() != result.type()) {
        throw Error(ErrorKind::Processing, "cannot blend a result of another size or type with the input");
    }
    CV_Assert(weight.empty() || (weight.type() == CV_32F && weight.size() == input.size()));
    cv::Mat out(input.size(), input.type());
    switch (input.depth()) {
        case CV_8U:
            blend_rows<uint8_t>(input, result, weight, amount, out);
            break;
        case CV_16U:
            blend_rows<uint16_t>(input, result, weight, amount, out);
            break;
        default:
            throw Error(ErrorKind::Processing, "blend: 8- or 16-bit images only");
    }
    return out;
}

}  // namespace restora
