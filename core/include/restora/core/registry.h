#pragma once
// The operation registry: every operation once, by its stable id. The list of operations is
// core/src/ops/all_ops.cpp.
#include <memory>
#include <string>
#include <vector>

#include "restora/core/operation.h"

namespace restora {

class Registry {
  public:
    static const Registry& instance();
    [[nodiscard]] const Operation* find(const std::string& id) const;
    [[nodiscard]] const Operation& get(const std::string& id) const;  // throws Error(Usage)
    [[nodiscard]] std::vector<const Operation*> all() const;
    [[nodiscard]] std::string to_json() const;
    void add(std::unique_ptr<Operation> op);

  private:
    std::vector<std::unique_ptr<Operation>> ops_;
};

}  // namespace restora
