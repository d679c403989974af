#pragma once
// The photo view: zoom (fit, 100%, wheel, +/-), pan (drag or space-drag) and the compare modes
// (after only, split wipe with a draggable divider, side by side with synced zoom and pan, and
// "hold backslash" for the original). "Before" is drawn at the result's geometry, so an upscaled
// result and its original line up. Geometry lives in view_geometry.h.
#include <QImage>
#include <QPolygonF>
#include <QWidget>

class QActionGroup;
class QMenu;
class QToolBar;

#include <opencv2/core.hpp>

#include "mask_layer.h"
#include "view_geometry.h"

namespace restora::ui {

enum class CompareMode { After, SplitVertical, SplitHorizontal, SideBySide };

// Mask painting (when a layer is attached): brush and eraser strokes, rectangle, lasso, bucket
// fill; Alt subtracts for rectangle, lasso and fill. The left button edits; the middle or right
// button, or Space with the left button, pans. Only the changed part of the view is repainted.
enum class MaskTool { Pan, Brush, Eraser, Rect, Lasso, Fill };

class ImageView : public QWidget {
    Q_OBJECT
  public:
    explicit ImageView(QWidget* parent = nullptr);

    void setImages(const QImage& before, const QImage& after, bool keep_view);
    void setCompareMode(CompareMode mode);
    [[nodiscard]] CompareMode compareMode() const { return mode_; }
    // Adds one checkable action per compare mode (Ctrl+2 ... Ctrl+5) to `menu` and `bar`; each
    // action's data is its mode.
    QActionGroup* addCompareActions(QMenu* menu, QToolBar* bar);
    void setShowOriginal(bool on);
    // A preview of part of the result, drawn over "after" in `image_rect` (after-image pixels).
    void setPreview(const QImage& preview, const QRectF& image_rect);
    void clearPreview();
    // What the "After" pane shows when no preview is drawn over it ("After · Denoise applied");
    // empty: "After". With a preview on screen the pane says "After · preview".
    void setAfterLabel(const QString& label);
    [[nodiscard]] QString afterLabelText() const;
    [[nodiscard]] const QImage& beforeImage() const { return before_; }
    [[nodiscard]] const QImage& afterImage() const { return after_; }
    [[nodiscard]] bool hasPreview() const { return !preview_.isNull(); }
    // The part of the after-image the view shows now (after-image pixels, clipped).
    [[nodiscard]] QRect visibleImageRect() const;
    [[nodiscard]] double zoom() const { return state_.zoom; }
    [[nodiscard]] double splitPosition() const { return split_; }

    // The mask being edited (owned by the caller; nullptr: none) and how it is drawn.
    void setMaskLayer(MaskLayer* layer);
    [[nodiscard]] MaskLayer* maskLayer() const { return mask_; }
    void setMaskTool(MaskTool tool);
    [[nodiscard]] MaskTool maskTool() const { return tool_; }
    void setBrush(double radius, double hardness);  // radius in image pixels
    [[nodiscard]] double brushRadius() const { return brush_radius_; }
    void setMaskOverlay(const QColor& color, double opacity);
    void setMaskVisible(bool visible);
    [[nodiscard]] bool maskVisible() const { return mask_visible_; }
    // Repaints the view area showing this image rectangle (after a mask change).
    void updateImageRect(const cv::Rect& r);
    // The view position (logical widget pixels, first pane) of an image point, and back.
    [[nodiscard]] QPointF imageToWidget(const QPointF& image) const;
    [[nodiscard]] QPointF widgetToImage(const QPointF& widget) const;

  public slots:
    void fitToWindow();
    void actualSize();
    void zoomIn();
    void zoomOut();

  signals:
    void zoomChanged(double zoom);
    void viewChanged();
    // A mask edit finished (stroke released, rectangle, lasso or fill applied).
    void maskEdited();

  protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

  private:
    // Device-pixel size of the area one image is shown in (half the view side by side).
    [[nodiscard]] view::Point paneSize() const;
    [[nodiscard]] view::Point toDevice(const QPointF& logical) const;
    [[nodiscard]] bool nearDivider(const QPointF& logical) const;
    [[nodiscard]] QPointF dividerHandle() const;  // logical centre of the divider's grip
    void drawHandle(QPainter& p, double dpr) const;
    void setState(const view::ViewState& s);
    void drawImage(QPainter& p, const QImage& img, const QRectF& clip_device, double origin_x) const;
    void drawMask(QPainter& p, const QRectF& clip_device, double origin_x, bool outline) const;
    void drawToolFeedback(QPainter& p, double dpr) const;
    [[nodiscard]] bool editing() const { return mask_ != nullptr && tool_ != MaskTool::Pan; }
    // Logical widget rectangle around the brush outline at `at` (for partial repaints).
    [[nodiscard]] QRect cursorRect(const QPointF& at) const;
    [[nodiscard]] QRect feedbackRect() const;
    void updateCursor();

    QImage before_;
    QImage after_;
    QImage preview_;
    QString after_label_;
    QRectF preview_rect_;
    CompareMode mode_ = CompareMode::SplitVertical;
    bool show_original_ = false;
    bool fitted_ = true;
    view::ViewState state_;
    double split_ = 0.5;
    enum class Drag { None, Pan, Divider, Stroke, Rect, Lasso } drag_ = Drag::None;
    QPointF last_;

    MaskLayer* mask_ = nullptr;
    MaskTool tool_ = MaskTool::Pan;
    double brush_radius_ = 30;
    double brush_hardness_ = 0.8;
    QColor overlay_color_ = QColor(255, 40, 80);
    double overlay_opacity_ = 0.5;
    bool mask_visible_ = true;
    bool space_held_ = false;
    bool hovering_ = false;
    QPointF hover_;       // logical widget position of the pointer
    QPointF drag_start_;  // logical, for the rectangle
    QPointF rect_start_image_;
    bool subtract_ = false;  // Alt held when the rectangle or lasso began
    QPolygonF lasso_;        // logical, while drawing
    QPolygonF lasso_image_;  // image coordinates of the same points
};

}  // namespace restora::ui
