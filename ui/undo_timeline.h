#pragma once
// One undo order for applied operations and mask edits, so that Ctrl+Z undoes whichever came
// last. The operations' own history lives in EditSession and each mask's in its MaskLayer; this
// merges the two into one timeline and keeps the masks (one per mask-using tool, kept across
// operations, resampled when an operation changes the image size).
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "mask_layer.h"

namespace restora::ui {

class UndoTimeline {
  public:
    struct Step {
        bool mask = false;  // a mask edit of tool `op`, else an applied operation
        std::string op;
        QString label;
    };

    // Tool `op`'s mask, created empty at `size` on first use.
    [[nodiscard]] MaskLayer* mask(const std::string& op, cv::Size size);
    // An operation changed the image size: every mask follows it.
    void resampleMasks(cv::Size size);
    // A new photo: no masks, no steps.
    void clear();

    // A new step after the current position; the steps that could be redone are dropped.
    void record(bool mask, const std::string& op, const QString& label);
    // The step that undo (back) or redo would move over; nullopt at either end.
    [[nodiscard]] std::optional<Step> next(bool back) const;
    // Moves over the next mask step in its mask; returns the changed area, or nullopt when that
    // mask has nothing to undo or redo.
    std::optional<cv::Rect> moveMask(bool back);
    // Moves the position over the next operation step (EditSession undoes the pixels).
    void move(bool back);

    [[nodiscard]] bool canUndo() const { return pos_ > 0; }
    [[nodiscard]] bool canRedo() const { return pos_ < steps_.size(); }
    [[nodiscard]] QString undoLabel() const { return canUndo() ? steps_[pos_ - 1].label : QString(); }
    [[nodiscard]] QString redoLabel() const { return canRedo() ? steps_[pos_].label : QString(); }

  private:
    std::map<std::string, std::unique_ptr<MaskLayer>> masks_;
    std::vector<Step> steps_;
    std::size_t pos_ = 0;
};

}  // namespace restora::ui
