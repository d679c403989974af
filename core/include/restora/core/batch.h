#pragma once
// Turns the CLI's inputs (files and folders) and -o into one job per image (ARCHITECTURE.md:
// several inputs or a folder go to an output folder, structure kept; masks match by path).
#include <filesystem>
#include <vector>

namespace restora {

struct BatchItem {
    std::filesystem::path input;
    std::filesystem::path output;
    std::filesystem::path mask;  // empty when no --mask was given
};

// Throws Error(Usage) for missing inputs, -o equal to an input, or a file -o for several inputs.
// The same file given twice is one item. With `output_is_folder` (--from-list, --shard), -o is a
// folder even for a single input file. Files named on the command line are written as
// OUT/<file name>; the inputs from index `listed_from` on (those of --from-list) keep their paths
// below the deepest folder that holds all the listed files; a folder keeps its files' paths below it.
std::vector<BatchItem> plan_batch(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output,
                                  const std::filesystem::path& mask, bool output_is_folder = false,
                                  size_t listed_from = static_cast<size_t>(-1));

bool has_image_extension(const std::filesystem::path& p);

}  // namespace restora
