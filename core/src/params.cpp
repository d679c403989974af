#include "restora/core/params.h"

#include <cstdio>

#include "restora/core/operation.h"
#include "restora/models/errors.h"

namespace restora {

std::string to_string(MaskUse m) {
    switch (m) {
        case MaskUse::None:
            return "none";
        case MaskUse::Required:
            return "required";
        case MaskUse::Optional:
            return "optional";
    }
    return "none";
}

std::string join(const std::vector<std::string>& words, const std::string& sep) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
    return out;
}

std::string format_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string kind_name(ParamKind k) {
    switch (k) {
        case ParamKind::Integer:
            return "integer";
        case ParamKind::Number:
            return "number";
        case ParamKind::Choice:
            return "choice";
    }
    return "number";
}

ParamSpec choice_param(std::string key, std::string label, std::vector<std::string> choices, std::string def,
                       std::string help, std::string unit) {
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

ParamSpec number_param(std::string key, std::string label, double min, double max, double step, double def,
                       std::string help) {
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

ParamSpec integer_param(std::string key, std::string label, int min, int max, int def, std::string unit,
                        std::string help) {
    ParamSpec p = number_param(std::move(key), std::move(label), min, max, 1, def, std::move(help));
    p.kind = ParamKind::Integer;
    p.unit = std::move(unit);
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

std::string default_of(const OperationInfo& inf, const std::string& key) {
    for (const auto& p : inf.params) {
        if (p.key == key) return p.default_text();
    }
    return {};
}

}  // namespace restora
