#include "restora/core/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "restora/core/ops.h"
#include "restora/models/errors.h"

namespace restora {

int default_tile(DeviceKind device) {
    const bool cuda = device == DeviceKind::Cuda || (device == DeviceKind::Auto && cuda_available());
    return cuda ? 1024 : 512;
}

std::string to_string(MaskUse m) {
    switch (m) {
        case MaskUse::None: return "none";
        case MaskUse::Required: return "required";
        case MaskUse::Optional: return "optional";
    }
    return "none";
}

namespace {

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string kind_name(ParamKind k) {
    switch (k) {
        case ParamKind::Integer: return "integer";
        case ParamKind::Number: return "number";
        case ParamKind::Choice: return "choice";
    }
    return "number";
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

}  // namespace

ParamSpec choice_param(std::string key, std::string label, std::vector<std::string> choices,
                       std::string def, std::string help, std::string unit) {
    ParamSpec p;
    p.key = std::move(key);
    p.label = std::move(label);
    p.kind = ParamKind::Choice;
    p.choices = std::move(choices);
    p.def_choice = std::move(def);
    p.help = std::move(help);
    p.unit = std::move(unit);
    return p;
}

ParamSpec number_param(std::string key, std::string label, double min, double max, double step,
                       double def, std::string help) {
    ParamSpec p;
    p.key = std::move(key);
    p.label = std::move(label);
    p.kind = ParamKind::Number;
    p.min = min;
    p.max = max;
    p.step = step;
    p.def = def;
    p.help = std::move(help);
    return p;
}

std::string ParamSpec::default_text() const {
    if (kind == ParamKind::Choice) return def_choice;
    return kind == ParamKind::Integer ? std::to_string(static_cast<long long>(def)) : format_number(def);
}

const std::string& Params::text(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw Error(ErrorKind::Processing, "parameter '" + key + "' missing");
    return it->second;
}

int Params::integer(const std::string& key) const { return std::stoi(text(key)); }
double Params::number(const std::string& key) const { return std::stod(text(key)); }

std::map<std::string, std::string> Operation::source_defaults(const SourceInfo& /*source*/) const { return {}; }

Params Operation::resolve(const std::map<std::string, std::string>& given, const SourceInfo* source) const {
    const OperationInfo& inf = info();
    const std::map<std::string, std::string> from_source =
        source != nullptr ? source_defaults(*source) : std::map<std::string, std::string>{};
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : given) {
        auto spec = std::find_if(inf.params.begin(), inf.params.end(),
                                 [&](const ParamSpec& p) { return p.key == key; });
        if (spec == inf.params.end()) {
            std::vector<std::string> keys;
            for (const auto& p : inf.params) keys.push_back(p.key);
            throw Error(ErrorKind::Usage, inf.id + " has no parameter '" + key + "'" +
                                              (keys.empty() ? std::string(" (it takes none)")
                                                            : " (it takes: " + join(keys, ", ") + ")"));
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
                    throw Error(ErrorKind::Usage, bad + "allowed range is " + format_number(spec->min) +
                                                      ".." + format_number(spec->max));
                }
                out[key] = spec->kind == ParamKind::Integer
                               ? std::to_string(static_cast<long long>(v))
                               : format_number(v);
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

std::string default_of(const OperationInfo& inf, const std::string& key) {
    for (const auto& p : inf.params) {
        if (p.key == key) return p.default_text();
    }
    return {};
}

cv::Size Operation::output_size(cv::Size input, const Params& /*params*/) const { return input; }

DetectedMask Operation::detect_mask(const cv::Mat& /*image*/, const Params& /*params*/,
                                   const OpContext& /*ctx*/) const {
    throw Error(ErrorKind::Usage, info().id + " finds no mask by itself: paint or import one");
}

bool Operation::has_cached_pass(const cv::Mat& /*image*/, const Params& /*params*/, const OpContext& /*ctx*/) const {
    return false;
}

OpResult Operation::run_region(const cv::Mat& image, const cv::Mat& mask, const Params& params,
                               const OpContext& ctx, const cv::Rect& region) const {
    OpResult r = run(image, mask, params, ctx);
    const cv::Size out = output_size(image.size(), params);
    const int sx = out.width / image.cols;
    const int sy = out.height / image.rows;
    r.pixels = r.pixels(cv::Rect(region.x * sx, region.y * sy, region.width * sx, region.height * sy)).clone();
    return r;
}
void Operation::check_available(const Params& /*params*/) const {}
void Operation::check_combination(const Params& /*params*/) const {}

std::shared_ptr<ImageModel> ModelCache::graph_model(const std::string& file, DeviceKind device, Precision precision) {
    auto& slot = models_[{file, device, precision}];
    if (!slot) slot = load_graph_model_in(file, device, precision);
    return slot;
}

std::shared_ptr<ImageModel> load_graph_model_in(const std::filesystem::path& file, DeviceKind device,
                                                Precision precision) {
    std::shared_ptr<ImageModel> model(load_graph_model(file, device));
    use_precision(*model, precision);
    return model;
}

void use_precision(ImageModel& model, Precision precision) {
    if (precision != Precision::F32 && !set_precision(model, precision)) {
        throw Error(ErrorKind::Usage, model.traits().id + " cannot run in " + precision_name(precision) + " on " +
                                          model.device_name() + "; use --precision fp32");
    }
}

std::string precision_used(Precision precision) { return precision == Precision::F32 ? "" : precision_name(precision); }

std::shared_ptr<MapNetwork> ModelCache::map_network(const std::string& file, DeviceKind device) {
    auto& slot = maps_[{file, device}];
    if (!slot) slot = std::shared_ptr<MapNetwork>(load_onnx_graph(file, device));
    return slot;
}

std::shared_ptr<TunableNetwork> ModelCache::tunable_network(const std::string& file, DeviceKind device) {
    auto& slot = tunable_[{file, device}];
    if (!slot) slot = std::make_shared<TunableNetwork>(file, device);
    return slot;
}

std::shared_ptr<MaskedNetwork> ModelCache::masked_network(MaskedTask task, const std::string& file, DeviceKind device) {
    auto& slot = masked_[{file, device}];
    if (!slot) slot = std::make_shared<MaskedNetwork>(task, file, device);
    return slot;
}

std::shared_ptr<MaskedNetwork> load_masked_network(MaskedTask task, const std::filesystem::path& file,
                                                   const OpContext& ctx) {
    return ctx.models != nullptr ? ctx.models->masked_network(task, file.string(), ctx.device)
                                 : std::make_shared<MaskedNetwork>(task, file, ctx.device);
}

std::shared_ptr<TunableNetwork> load_tunable_network(const std::filesystem::path& file, const OpContext& ctx) {
    return ctx.models != nullptr ? ctx.models->tunable_network(file.string(), ctx.device)
                                 : std::make_shared<TunableNetwork>(file, ctx.device);
}

const Registry& Registry::instance() {
    static const Registry registry = [] {
        Registry r;
        register_builtin_operations(r);
        return r;
    }();
    return registry;
}

void Registry::add(std::unique_ptr<Operation> op) { ops_.push_back(std::move(op)); }

const Operation* Registry::find(const std::string& id) const {
    for (const auto& op : ops_) {
        if (op->info().id == id) return op.get();
    }
    return nullptr;
}

const Operation& Registry::get(const std::string& id) const {
    if (const Operation* op = find(id)) return *op;
    std::vector<std::string> ids;
    for (const auto& op : ops_) ids.push_back(op->info().id);
    throw Error(ErrorKind::Usage, "unknown operation '" + id + "' (available: " + join(ids, ", ") + ")");
}

std::vector<const Operation*> Registry::all() const {
    std::vector<const Operation*> v;
    for (const auto& op : ops_) v.push_back(op.get());
    return v;
}

std::string Registry::to_json() const {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& op : ops_) {
        const OperationInfo& inf = op->info();
        nlohmann::json params = nlohmann::json::array();
        for (const auto& p : inf.params) {
            nlohmann::json j = {{"key", p.key},     {"label", p.label},
                                {"type", kind_name(p.kind)}, {"default", p.default_text()},
                                {"help", p.help}};
            if (p.kind == ParamKind::Choice) {
                j["choices"] = p.choices;
            } else {
                j["min"] = p.min;
                j["max"] = p.max;
                j["step"] = p.step;
            }
            if (!p.unit.empty()) j["unit"] = p.unit;
            if (!p.only_for.empty()) j["only_for"] = p.only_for;
            if (!p.low_label.empty()) j["low_label"] = p.low_label;
            if (!p.high_label.empty()) j["high_label"] = p.high_label;
            params.push_back(j);
        }
        ops.push_back({{"id", inf.id},
                       {"version", inf.version},
                       {"name", inf.name},
                       {"description", inf.description},
                       {"mask", to_string(inf.mask)},
                       {"params", params}});
    }
    return nlohmann::json{{"operations", ops}}.dump(2);
}

}  // namespace restora
