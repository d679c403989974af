#pragma once
// Parts of the operations' schemas that several operations share (core/src/ops/ only).
#include <string>

#include "restora/core/params.h"

namespace restora {

// The Realism slider of the tunable networks (tunable convolutions): `meaning` says what its ends do.
inline ParamSpec realism_param(const std::string& meaning) {
    ParamSpec p = number_param("realism", "Realism", 0, 1, 0.05, 0,
                               meaning +
                                   " Every position is its own trained network (tunable convolutions), "
                                   "not a blend of two images.");
    p.only_for = "model=tunable";
    p.low_label = "Fidelity";
    p.high_label = "Realism";
    return p;
}

}  // namespace restora
