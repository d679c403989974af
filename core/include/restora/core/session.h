#pragma once
// An editing session on one photo, independent of any UI: the original as loaded, the current
// pixels, and undo/redo stacks of whole states (pixels at the source bit depth plus the history
// entry that made them). The GUI keeps one; tests drive it directly.
#include <filesystem>
#include <vector>

#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/registry.h"

namespace restora {

class EditSession {
  public:
    // Throws Error(Input) like load_image.
    explicit EditSession(const std::filesystem::path& path);

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] const LoadedImage& original() const { return original_; }
    [[nodiscard]] const cv::Mat& current() const { return states_.back().pixels; }
    [[nodiscard]] const cv::Mat& before_last() const;  // the state the last edit started from
    [[nodiscard]] History history() const;

    // Records the result of an operation applied to current(); clears redo.
    void push(const cv::Mat& pixels, const HistoryEntry& entry, const cv::Mat& mask);
    [[nodiscard]] bool can_undo() const { return states_.size() > 1; }
    [[nodiscard]] bool can_redo() const { return !redo_.empty(); }
    void undo();
    void redo();
    // This session's edits applied now (the current state is the original after 0), and the
    // entries of the states undone and not yet replaced by a new edit, the next redo first.
    [[nodiscard]] std::size_t applied_count() const { return states_.size() - 1; }
    [[nodiscard]] std::vector<HistoryEntry> redo_entries() const;
    // Entries the file already carried when it was opened (listed first by history()).
    [[nodiscard]] std::size_t earlier_count() const { return previous_.entries.size(); }

    // Writes the current state with all metadata and the history (masks next to the output).
    void export_to(const std::filesystem::path& out, const ExportOptions& options) const;
    [[nodiscard]] std::vector<std::string> export_losses_for(const std::filesystem::path& out) const;

  private:
    struct State {
        cv::Mat pixels;
        HistoryEntry entry;  // empty op for the original
        cv::Mat mask;
    };
    std::filesystem::path path_;
    LoadedImage original_;
    std::string source_sha256_;
    History previous_;  // history already recorded in the file when it was opened
    std::vector<State> states_;
    std::vector<State> redo_;
};

}  // namespace restora
