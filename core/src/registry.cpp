#include "restora/core/registry.h"

#include <nlohmann/json.hpp>

#include "ops/all_ops.h"
#include "restora/core/finishing.h"
#include "restora/models/errors.h"

namespace restora {

const Registry& Registry::instance() {
    static const Registry registry = [] {
        Registry r;
        register_all_operations(r);
        return r;
    }();
    return registry;
}

// Every operation gets the common finishing (finishing.h): amount, and a feathered mask where it
// takes none of its own.
void Registry::add(std::unique_ptr<Operation> op) { ops_.push_back(with_finishing(std::move(op))); }

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
            nlohmann::json j = {{"key", p.key},
                                {"label", p.label},
                                {"type", kind_name(p.kind)},
                                {"default", p.default_text()},
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