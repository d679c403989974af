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
    std::string basis;      // how it was computed, for the status line
};

// conv_gflops: the device's measured 3x3 convolution throughput (measure_conv_gflops).
JobEstimate estimate_job(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel,
                         int tile, double conv_gflops);

// The largest tile (halving from `tile`, at least 64) whose estimate fits in `budget` bytes;
// 0 when none does.
int tile_that_fits(const Operation& op, const Params& params, cv::Size input, int bytes_per_pixel, int tile,
                   double conv_gflops, double budget);

// MemAvailable from /proc/meminfo (0 when unknown).
int64_t available_memory_bytes();

}  // namespace restora
