#pragma once
// Shared by the quality benchmarks (bench_quality*.cpp).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/core/ops.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"

namespace restora::bench {

namespace fs = std::filesystem;

// The image files of dir, sorted, at most `limit` (0: all).
std::vector<fs::path> images_in(const fs::path& dir, size_t limit);
// --precision: the networks' arithmetic for the operations run_op runs (float32 by default).
extern Precision g_precision;
OpResult run_op(const std::string& id, const cv::Mat& img, const cv::Mat& mask,
                const std::map<std::string, std::string>& params);
std::string load_graph_context(const std::string& size);
cv::Mat modcrop(const cv::Mat& m, int s);

extern std::vector<std::string> kInpaintMethods;
extern bool kInpaintMethodsChosen;  // --inpaint-methods given: exactly those
extern std::vector<std::string> kShadowMethods;

void bench_sr(const fs::path& data, size_t limit);
void bench_tiling(const fs::path& sample);
void bench_realsr(const fs::path& data, size_t limit, const fs::path* sheet_dir);
void bench_sr_estimate(const fs::path& sample);
void bench_denoise(const fs::path& data, size_t limit);
void bench_inpaint(const fs::path& data, size_t limit, const fs::path* sheet_dir);
void bench_inpaint_hires(const fs::path& data, const fs::path& photos_file, size_t limit, const fs::path* sheet_dir);
void bench_inpaint_preview(const fs::path& photos_file);
void bench_shadow(const fs::path& data, const fs::path& set, size_t limit, const fs::path* sheet_dir);

}  // namespace restora::bench
