#pragma once
// Renders a training log (restora-train's log.csv) as a PNG-ready chart: every numeric column
// against the first ("step"), each in its own panel with its range.
#include <filesystem>

#include <opencv2/core.hpp>

namespace restora {

// Throws Error(Input) when the file is missing or has fewer than two numeric rows.
cv::Mat render_log_plot(const std::filesystem::path& csv);

}  // namespace restora
