#pragma once
// Before a job: how long it will take and how much memory it needs, so the GUI can ask before a
// long run and offer smaller tiles instead of letting the system kill the process.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "restora/core/registry.h"

namespace restora {

struct JobEstimate {
    double seconds = 0;     // wall time on the given throughput
    double peak_bytes = 0;  // working memory beyond the input and output images
    double output_bytes = 0;
    std::string basis;  // how it was computed, for the status line
};

// conv_gflops: the device's measured 3x3 convolution throughput (measure_conv_gflops), in float32;
// precision: the networks' arithmetic (bfloat16 on the CPU is counted at its measured speed-up).
JobEstimate estimate_job(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel, int tile,
                         double conv_gflops, Precision precision = Precision::F32);

// The live preview of `region` of a photo of `image` size: the region's tiles, except for
// operations with a whole-photo pass (CostModel::whole_photo_pass: retouch, enhance-lowlight),
// whose pass over a photo larger than the tile is one call on the whole photo made small.
JobEstimate estimate_preview(const Operation& op, const Params& params, cv::Size image, cv::Size region,
                             int bytes_per_pixel, int tile, double conv_gflops, Precision precision = Precision::F32);

// The largest tile (halving from `tile`, at least 64) whose estimate fits in `budget` bytes;
// 0 when none does.
int tile_that_fits(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel, int tile,
                   double conv_gflops, double budget, Precision precision = Precision::F32);

// MemAvailable from /proc/meminfo (0 when unknown).
int64_t available_memory_bytes();
// MemTotal from /proc/meminfo (0 when unknown).
int64_t physical_memory_bytes();

// The tile a run of `op` uses unless the user chose one. default_tile(device), except MAXIM's
// tiling (CostModel::maxim_tiles) on the CPU: 1024 px when a 1024-px tile's estimated working
// memory is at most 60 % of the machine's physical memory (16 GB machines and up). Its 64 px of
// context towards each neighbouring tile make small tiles compute many more pixels than the photo
// has, and a 1024-px call runs at the same rate per pixel (docs/PERFORMANCE.md, "MAXIM's tile on
// the CPU"). Depends on the machine, not on the photo.
int default_tile_for(DeviceKind device, const Operation& op, const Params& params);

}  // namespace restora
