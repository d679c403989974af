#pragma once
// The damage detector network (damage_net.h) loaded once, behind a torch-free face for core/.
#include <filesystem>
#include <memory>

#include "restora/models/engine.h"

namespace restora {

class DamageNetwork {
  public:
    DamageNetwork(const std::filesystem::path& weights, DeviceKind device);
    ~DamageNetwork();
    DamageNetwork(const DamageNetwork&) = delete;
    DamageNetwork& operator=(const DamageNetwork&) = delete;
    // rgb: w x h x 3 float in [0,1] (HWC), sides multiples of 8; prob receives w x h damage
    // probabilities. One thread at a time.
    void run(int w, int h, const float* rgb, float* prob) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace restora
