#pragma once
// One editable mask (no Qt): 8-bit coverage in image pixels (white = selected; operations select
// where coverage > half, ARCHITECTURE.md), built from a list of edits kept as vector geometry in
// image coordinates (brush and eraser paths, rectangles, lassos, fills, clear, invert, grow,
// shrink, feather, imported bitmaps).
//
// Undo keeps the pixels an edit changed (its dirty rectangle only); redo re-applies the edit.
// An operation that changes the image size resamples the layer by scaling every edit's geometry
// and replaying them, so the stroke history stays usable at the new size.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace restora::ui {

struct MaskEdit {
    enum class Kind { Brush, Eraser, Rect, Lasso, Fill, Clear, Invert, Grow, Shrink, Feather, Import, Union };
    Kind kind = Kind::Brush;
    std::vector<cv::Point2d> points;  // brush/eraser path, lasso polygon, rect corners, fill seed
    double radius = 10;               // brush/eraser radius (image px)
    double hardness = 0.8;            // 0..1: fraction of the radius at full coverage
    double amount = 0;                // grow/shrink/feather distance (image px)
    bool subtract = false;            // rect/lasso/fill: remove instead of add
    cv::Mat bitmap;                   // import (replaces) / union (adds): a mask (CV_8U)

    // An edit of the whole mask (clear ... feather, import, union).
    static MaskEdit whole(Kind kind, double amount, const cv::Mat& bitmap = {});
};

const char* mask_edit_name(MaskEdit::Kind kind);

class MaskLayer {
  public:
    MaskLayer() = default;
    explicit MaskLayer(cv::Size size);

    [[nodiscard]] cv::Size size() const { return mask_.size(); }
    [[nodiscard]] const cv::Mat& coverage() const { return mask_; }  // CV_8U, 0..255
    // The 0/255 mask the operations receive (coverage > half).
    [[nodiscard]] cv::Mat binary() const;
    [[nodiscard]] bool empty() const;  // nothing selected
    [[nodiscard]] double selected_fraction() const;

    // Interactive strokes: begin, extend point by point (each call rasterises only the new
    // segment and returns the image rectangle it changed), end (one undo step).
    cv::Rect begin_stroke(MaskEdit::Kind kind, cv::Point2d at, double radius, double hardness);
    cv::Rect extend_stroke(cv::Point2d to);
    void end_stroke();
    [[nodiscard]] bool stroking() const { return stroke_.has_value(); }

    // Any other edit in one step; returns the changed rectangle (empty when nothing changed).
    cv::Rect apply(const MaskEdit& edit);

    [[nodiscard]] bool can_undo() const { return applied_ > 0; }
    [[nodiscard]] bool can_redo() const { return applied_ < edits_.size(); }
    cv::Rect undo();
    cv::Rect redo();
    [[nodiscard]] std::size_t undo_count() const { return applied_; }
    [[nodiscard]] const MaskEdit& last_edit() const { return edits_.at(applied_ - 1); }

    // Protect mode: what is painted must stay as it is and the tool changes the rest.
    void set_protect(bool on) { protect_ = on; }
    [[nodiscard]] bool protect() const { return protect_; }
    // The mask the tool runs with (0/255): the selection, or in protect mode everything but it;
    // empty when nothing is painted (the whole photo).
    [[nodiscard]] cv::Mat job_mask() const;

    // Scales every edit to the new image size and replays the applied ones.
    void resample(cv::Size size);

  private:
    struct Patch {
        cv::Rect rect;
        cv::Mat before;
    };
    cv::Rect rasterise(const MaskEdit& e);  // draws e into mask_, returns the changed rect
    cv::Rect push(MaskEdit e);

    cv::Mat mask_;
    std::vector<MaskEdit> edits_;
    std::vector<Patch> patches_;  // one per applied edit
    std::size_t applied_ = 0;
    bool protect_ = false;
    // The stroke in progress: its edit, the mask before it began, and the union of what it touched.
    struct Stroke {
        MaskEdit edit;
        cv::Mat before;
        cv::Rect touched;
    };
    std::optional<Stroke> stroke_;
};

}  // namespace restora::ui
