#include "restora/core/operation.h"

#include <algorithm>
#include <cmath>

#include "restora/core/model_store.h"
#include "restora/models/errors.h"

namespace restora {

std::map<std::string, std::string> Operation::source_defaults(const SourceInfo& /*source*/) const { return {}; }

Params Operation::resolve(const std::map<std::string, std::string>& given, const SourceInfo* source) const {
    const OperationInfo& inf = info();
    const std::map<std::string, std::string> from_source =
        source != nullptr ? source_defaults(*source) : std::map<std::string, std::string>{};
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : given) {
        auto spec =
            std::find_if(inf.params.begin(), inf.params.end(), [&](const ParamSpec& p) { return p.key == key; });
        if (spec == inf.params.end()) {
            std::vector<std::string> keys;
            for (const auto& p : inf.params) keys.push_back(p.key);
            throw Error(ErrorKind::Usage,
                        inf.id + " has no parameter '" + key + "'" +
                            (keys.empty() ? std::string(" (it takes none)") : " (it takes: " + join(keys, ", ") + ")"));
        }
        const std::string bad = "invalid value '" + value + "' for " + inf.id + " " + key + ": ";
        switch (spec->kind) {
            case ParamKind::Choice:
                if (std::find(spec->choices.begin(), spec->choices.end(), value) == spec->choices.end()) {
                    throw Error(ErrorKind::Usage, bad + "use one of " + join(spec->choices, ", "));
                }
                out[key] = value;
                break;
            case ParamKind::Integer:
            case ParamKind::Number: {
                double v = 0;
                size_t used = 0;
                try {
                    v = std::stod(value, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used != value.size() || !std::isfinite(v)) {
                    throw Error(ErrorKind::Usage, bad + "expected a number");
                }
                if (spec->kind == ParamKind::Integer && v != std::floor(v)) {
                    throw Error(ErrorKind::Usage, bad + "expected a whole number");
                }
                if (v < spec->min || v > spec->max) {
                    throw Error(ErrorKind::Usage,
                                bad + "allowed range is " + format_number(spec->min) + ".." + format_number(spec->max));
                }
                out[key] =
                    spec->kind == ParamKind::Integer ? std::to_string(static_cast<long long>(v)) : format_number(v);
                break;
            }
        }
    }
    for (const auto& spec : inf.params) {
        if (!spec.only_for.empty()) {
            const auto eq = spec.only_for.find('=');
            const std::string k = spec.only_for.substr(0, eq);
            const std::string v = spec.only_for.substr(eq + 1);
            auto it = out.find(k);
            const std::string actual = it != out.end() ? it->second : default_of(inf, k);
            if (actual != v) {
                if (given.count(spec.key) != 0) {
                    throw Error(ErrorKind::Usage, inf.id + " " + spec.key + " applies only with " + spec.only_for);
                }
                continue;  // not recorded for settings it does not apply to
            }
        }
        if (source != nullptr) {
            if (auto it = from_source.find(spec.key); it != from_source.end()) {
                out.emplace(spec.key, it->second);
                continue;
            }
        }
        out.emplace(spec.key, spec.default_text());
    }
    Params p(std::move(out));
    check_combination(p);
    return p;
}

cv::Size Operation::output_size(cv::Size input, const Params& /*params*/) const { return input; }

DetectedMask Operation::detect_mask(const cv::Mat& /*image*/, const Params& /*params*/,
                                    const OpContext& /*ctx*/) const {
    throw Error(ErrorKind::Usage, info().id + " finds no mask by itself: paint or import one");
}

bool Operation::has_cached_pass(const cv::Mat& /*image*/, const Params& /*params*/, const OpContext& /*ctx*/) const {
    return false;
}

OpResult Operation::run_region(const cv::Mat& image, const cv::Mat& mask, const Params& params, const OpContext& ctx,
                               const cv::Rect& region) const {
    OpResult r = run(image, mask, params, ctx);
    const cv::Size out = output_size(image.size(), params);
    const int sx = out.width / image.cols;
    const int sy = out.height / image.rows;
    r.pixels = r.pixels(cv::Rect(region.x * sx, region.y * sy, region.width * sx, region.height * sy)).clone();
    return r;
}

std::vector<std::string> Operation::networks(const Params& /*params*/) const { return {}; }

void Operation::check_available(const Params& params) const {
    for (const std::string& id : networks(params)) require_model(id);
}

CostModel Operation::cost(const Params& /*params*/) const { return {}; }

void Operation::check_combination(const Params& /*params*/) const {}

}  // namespace restora
