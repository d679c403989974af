#pragma once
// The photo view: zoom (fit, 100%, wheel, +/-), pan (drag or space-drag) and the compare modes
// (after only, split wipe with a draggable divider, side by side with synced zoom and pan, and
// "hold backslash" for the original). "Before" is drawn at the result's geometry, so an upscaled
// result and its original line up. Geometry lives in view_geometry.h.
#include <QImage>
#include <QWidget>

#include "view_geometry.h"

namespace restora::ui {

enum class CompareMode { After, SplitVertical, SplitHorizontal, SideBySide };

class ImageView : public QWidget {
    Q_OBJECT
public:
    explicit ImageView(QWidget* parent = nullptr);

    void setImages(const QImage& before, const QImage& after, bool keep_view);
    void setCompareMode(CompareMode mode);
    [[nodiscard]] CompareMode compareMode() const { return mode_; }
    void setShowOriginal(bool on);
    // A preview of part of the result, drawn over "after" in `image_rect` (after-image pixels).
    void setPreview(const QImage& preview, const QRectF& image_rect);
    void clearPreview();
    // The part of the after-image the view shows now (after-image pixels, clipped).
    [[nodiscard]] QRect visibleImageRect() const;
    [[nodiscard]] double zoom() const { return state_.zoom; }
    [[nodiscard]] double splitPosition() const { return split_; }

public slots:
    void fitToWindow();
    void actualSize();
    void zoomIn();
    void zoomOut();

signals:
    void zoomChanged(double zoom);
    void viewChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    // Device-pixel size of the area one image is shown in (half the view side by side).
    [[nodiscard]] view::Point paneSize() const;
    [[nodiscard]] view::Point toDevice(const QPointF& logical) const;
    [[nodiscard]] bool nearDivider(const QPointF& logical) const;
    void setState(const view::ViewState& s);
    void drawImage(QPainter& p, const QImage& img, const QRectF& clip_device, double origin_x) const;

    QImage before_;
    QImage after_;
    QImage preview_;
    QRectF preview_rect_;
    CompareMode mode_ = CompareMode::SplitVertical;
    bool show_original_ = false;
    bool fitted_ = true;
    view::ViewState state_;
    double split_ = 0.5;
    enum class Drag { None, Pan, Divider } drag_ = Drag::None;
    QPointF last_;
};

}  // namespace restora::ui
