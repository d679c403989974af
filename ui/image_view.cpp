#include "image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <cmath>

namespace restora::ui {

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(200, 150);
    setAutoFillBackground(false);
}

void ImageView::setImages(const QImage& before, const QImage& after, bool keep_view) {
    const double old_w = after_.width();
    before_ = before;
    after_ = after;
    if (!keep_view || fitted_ || old_w <= 0) {
        fitToWindow();
    } else if (old_w != after_.width()) {
        setState(view::for_resized_image(state_, old_w, after_.width()));  // same scene on screen
    }
    update();
}

void ImageView::setCompareMode(CompareMode mode) {
    mode_ = mode;
    if (fitted_) fitToWindow();
    update();
}

void ImageView::setPreview(const QImage& preview, const QRectF& image_rect) {
    preview_ = preview;
    preview_rect_ = image_rect;
    update();
}

void ImageView::clearPreview() {
    preview_ = QImage();
    update();
}

QRect ImageView::visibleImageRect() const {
    const view::Point pane = paneSize();
    const view::Point a = view::view_to_image(state_, {0, 0});
    const view::Point b = view::view_to_image(state_, {pane.x, pane.y});
    const QRect r(QPoint(static_cast<int>(std::floor(a.x)), static_cast<int>(std::floor(a.y))),
                  QPoint(static_cast<int>(std::ceil(b.x)) - 1, static_cast<int>(std::ceil(b.y)) - 1));
    return r.intersected(QRect(0, 0, after_.width(), after_.height()));
}

void ImageView::setShowOriginal(bool on) {
    show_original_ = on;
    update();
}

view::Point ImageView::paneSize() const {
    const double dpr = devicePixelRatioF();
    const double w = width() * dpr;
    const double h = height() * dpr;
    return mode_ == CompareMode::SideBySide ? view::Point{w / 2, h} : view::Point{w, h};
}

view::Point ImageView::toDevice(const QPointF& p) const {
    const double dpr = devicePixelRatioF();
    double x = p.x() * dpr;
    if (mode_ == CompareMode::SideBySide && x >= width() * dpr / 2) x -= width() * dpr / 2;  // synced panes
    return {x, p.y() * dpr};
}

void ImageView::setState(const view::ViewState& s) {
    const view::Point pane = paneSize();
    state_ = view::clamp_pan(s, after_.width(), after_.height(), pane.x, pane.y, 48.0);
    emit zoomChanged(state_.zoom);
    emit viewChanged();
    update();
}

void ImageView::fitToWindow() {
    const view::Point pane = paneSize();
    fitted_ = true;
    setState(view::fit(after_.width(), after_.height(), pane.x, pane.y));
}

void ImageView::actualSize() {
    const view::Point pane = paneSize();
    fitted_ = false;
    setState(view::actual_size(state_, {pane.x / 2, pane.y / 2}));
}

void ImageView::zoomIn() {
    const view::Point pane = paneSize();
    fitted_ = false;
    setState(view::zoom_at(state_, 1.25, {pane.x / 2, pane.y / 2}));
}

void ImageView::zoomOut() {
    const view::Point pane = paneSize();
    fitted_ = false;
    setState(view::zoom_at(state_, 0.8, {pane.x / 2, pane.y / 2}));
}

void ImageView::resizeEvent(QResizeEvent* /*event*/) {
    if (fitted_) fitToWindow();
}

void ImageView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) return;
    fitted_ = false;
    setState(view::zoom_at(state_, std::pow(1.25, steps), toDevice(event->position())));
    event->accept();
}

bool ImageView::nearDivider(const QPointF& p) const {
    if (mode_ == CompareMode::SplitVertical) return std::abs(p.x() - split_ * width()) < 6;
    if (mode_ == CompareMode::SplitHorizontal) return std::abs(p.y() - split_ * height()) < 6;
    return false;
}

void ImageView::mousePressEvent(QMouseEvent* event) {
    last_ = event->position();
    drag_ = nearDivider(last_) ? Drag::Divider : Drag::Pan;
    if (drag_ == Drag::Pan) setCursor(Qt::ClosedHandCursor);
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
    const QPointF p = event->position();
    if (drag_ == Drag::Divider) {
        split_ = mode_ == CompareMode::SplitVertical ? p.x() / std::max(1, width()) : p.y() / std::max(1, height());
        split_ = std::clamp(split_, 0.0, 1.0);
        update();
    } else if (drag_ == Drag::Pan) {
        const double dpr = devicePixelRatioF();
        fitted_ = false;
        setState(view::pan(state_, (p.x() - last_.x()) * dpr, (p.y() - last_.y()) * dpr));
    } else {
        setCursor(nearDivider(p) ? (mode_ == CompareMode::SplitVertical ? Qt::SplitHCursor : Qt::SplitVCursor)
                                 : Qt::OpenHandCursor);
    }
    last_ = p;
}

void ImageView::mouseReleaseEvent(QMouseEvent* /*event*/) {
    drag_ = Drag::None;
    setCursor(Qt::OpenHandCursor);
}

void ImageView::drawImage(QPainter& p, const QImage& img, const QRectF& clip, double origin_x) const {
    if (img.isNull()) return;
    // The image is placed at the after-image geometry: before is scaled to it.
    const QRectF target(origin_x + state_.offset_x, state_.offset_y, state_.zoom * after_.width(),
                        state_.zoom * after_.height());
    p.save();
    p.setClipRect(clip);
    p.setRenderHint(QPainter::SmoothPixmapTransform, state_.zoom * after_.width() / img.width() < 1.0);
    p.drawImage(target, img);
    if (&img == &after_ && !preview_.isNull()) {
        const QRectF r(origin_x + state_.offset_x + state_.zoom * preview_rect_.x(),
                       state_.offset_y + state_.zoom * preview_rect_.y(), state_.zoom * preview_rect_.width(),
                       state_.zoom * preview_rect_.height());
        p.setRenderHint(QPainter::SmoothPixmapTransform, r.width() < preview_.width());
        p.drawImage(r, preview_);
    }
    p.restore();
}

void ImageView::paintEvent(QPaintEvent* /*event*/) {
    QPainter p(this);
    p.fillRect(rect(), QColor(38, 38, 40));
    if (after_.isNull()) {
        p.setPen(QColor(170, 170, 170));
        p.drawText(rect(), Qt::AlignCenter, tr("Open a photo (Ctrl+O) or drop one here"));
        return;
    }
    const double dpr = devicePixelRatioF();
    p.scale(1.0 / dpr, 1.0 / dpr);  // draw in device pixels: 100% means one image pixel each
    const double w = width() * dpr;
    const double h = height() * dpr;
    const QImage& before = before_.isNull() ? after_ : before_;
    if (show_original_) {
        drawImage(p, before, QRectF(0, 0, w, h), 0);
        return;
    }
    switch (mode_) {
        case CompareMode::After:
            drawImage(p, after_, QRectF(0, 0, w, h), 0);
            break;
        case CompareMode::SplitVertical: {
            const double x = split_ * w;
            drawImage(p, before, QRectF(0, 0, x, h), 0);
            drawImage(p, after_, QRectF(x, 0, w - x, h), 0);
            p.setPen(QPen(QColor(255, 255, 255, 200), 2 * dpr));
            p.drawLine(QPointF(x, 0), QPointF(x, h));
            break;
        }
        case CompareMode::SplitHorizontal: {
            const double y = split_ * h;
            drawImage(p, before, QRectF(0, 0, w, y), 0);
            drawImage(p, after_, QRectF(0, y, w, h - y), 0);
            p.setPen(QPen(QColor(255, 255, 255, 200), 2 * dpr));
            p.drawLine(QPointF(0, y), QPointF(w, y));
            break;
        }
        case CompareMode::SideBySide:
            drawImage(p, before, QRectF(0, 0, w / 2, h), 0);
            drawImage(p, after_, QRectF(w / 2, 0, w / 2, h), w / 2);
            p.setPen(QPen(QColor(20, 20, 20), 2 * dpr));
            p.drawLine(QPointF(w / 2, 0), QPointF(w / 2, h));
            break;
    }
    if (mode_ != CompareMode::After) {
        p.setPen(QColor(235, 235, 235));
        QFont f = font();
        f.setPixelSize(static_cast<int>(13 * dpr));
        p.setFont(f);
        const bool side = mode_ == CompareMode::SideBySide;
        p.drawText(QPointF(10 * dpr, 20 * dpr), tr("Before"));
        const double ax = side ? w / 2 + 10 * dpr
                               : (mode_ == CompareMode::SplitVertical ? split_ * w + 10 * dpr : 10 * dpr);
        const double ay = mode_ == CompareMode::SplitHorizontal ? split_ * h + 20 * dpr : 20 * dpr;
        p.drawText(QPointF(ax, ay), tr("After"));
    }
}

}  // namespace restora::ui
