#pragma once
#include "restora/core/registry.h"

namespace restora {

// Adds every operation to the registry, in the order the CLI and the GUI list them (all_ops.cpp).
void register_all_operations(Registry& registry);

}  // namespace restora
