#include "image_view.h"

#include <QAction>
#include <QActionGroup>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QToolBar>
#include <QWheelEvent>

#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

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

void ImageView::setAfterLabel(const QString& label) {
    if (label == after_label_) return;
    after_label_ = label;
    update();
}

QString ImageView::afterLabelText() const {
    if (!preview_.isNull()) return tr("After · preview");
    return after_label_.isEmpty() ? tr("After") : after_label_;
}

QActionGroup* ImageView::addCompareActions(QMenu* menu, QToolBar* bar) {
    auto* group = new QActionGroup(this);
    const std::pair<QString, CompareMode> entries[] = {{tr("After"), CompareMode::After},
                                                       {tr("Split"), CompareMode::SplitVertical},
                                                       {tr("Split (horizontal)"), CompareMode::SplitHorizontal},
                                                       {tr("Side by side"), CompareMode::SideBySide}};
    int k = 2;
    for (const auto& [label, mode] : entries) {
        QAction* a = menu->addAction(label);
        a->setCheckable(true);
        a->setChecked(mode == mode_);
        a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(k++)));
        a->setData(static_cast<int>(mode));
        group->addAction(a);
        bar->addAction(a);
        const CompareMode m = mode;
        connect(a, &QAction::triggered, this, [this, m] { setCompareMode(m); });
    }
    return group;
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

QPointF ImageView::dividerHandle() const {
    return mode_ == CompareMode::SplitVertical ? QPointF(split_ * width(), height() / 2.0)
                                               : QPointF(width() / 2.0, split_ * height());
}

bool ImageView::nearDivider(const QPointF& p) const {
    if (mode_ != CompareMode::SplitVertical && mode_ != CompareMode::SplitHorizontal) return false;
    if (editing()) {  // painting across the divider must paint: only its handle moves it then
        const QPointF d = p - dividerHandle();
        return d.x() * d.x() + d.y() * d.y() < 12.0 * 12.0;
    }
    if (mode_ == CompareMode::SplitVertical) return std::abs(p.x() - split_ * width()) < 6;
    return std::abs(p.y() - split_ * height()) < 6;
}

QPointF ImageView::widgetToImage(const QPointF& widget) const {
    const view::Point p = view::view_to_image(state_, toDevice(widget));
    return {p.x, p.y};
}

QPointF ImageView::imageToWidget(const QPointF& image) const {
    const view::Point p = view::image_to_view(state_, {image.x(), image.y()});
    const double dpr = devicePixelRatioF();
    return {p.x / dpr, p.y / dpr};
}

void ImageView::setMaskLayer(MaskLayer* layer) {
    mask_ = layer;
    drag_ = Drag::None;
    updateCursor();
    update();
}

void ImageView::setMaskTool(MaskTool tool) {
    tool_ = tool;
    updateCursor();
    update();
}

void ImageView::setBrush(double radius, double hardness) {
    const QRect old = cursorRect(hover_);
    brush_radius_ = std::clamp(radius, 0.5, 5000.0);
    brush_hardness_ = std::clamp(hardness, 0.0, 1.0);
    if (hovering_) update(old.united(cursorRect(hover_)));
}

void ImageView::setMaskOverlay(const QColor& color, double opacity) {
    overlay_color_ = color;
    overlay_opacity_ = std::clamp(opacity, 0.0, 1.0);
    update();
}

void ImageView::setMaskVisible(bool visible) {
    mask_visible_ = visible;
    update();
}

void ImageView::updateImageRect(const cv::Rect& r) {
    if (r.area() <= 0) return;
    const double dpr = devicePixelRatioF();
    const double z = state_.zoom;
    QRectF dev(state_.offset_x + z * r.x, state_.offset_y + z * r.y, z * r.width, z * r.height);
    const auto logical = [dpr](const QRectF& d) {
        return QRectF(d.x() / dpr, d.y() / dpr, d.width() / dpr, d.height() / dpr)
            .toAlignedRect()
            .adjusted(-2, -2, 2, 2);
    };
    update(logical(dev));
    if (mode_ == CompareMode::SideBySide) update(logical(dev.translated(width() * dpr / 2, 0)));
}

QRect ImageView::cursorRect(const QPointF& at) const {
    const double r = brush_radius_ * state_.zoom / devicePixelRatioF() + 4;
    return QRectF(at.x() - r, at.y() - r, 2 * r, 2 * r).toAlignedRect();
}

QRect ImageView::feedbackRect() const {
    if (drag_ == Drag::Rect) return QRectF(drag_start_, hover_).normalized().toAlignedRect().adjusted(-4, -4, 4, 4);
    if (drag_ == Drag::Lasso) return lasso_.boundingRect().toAlignedRect().adjusted(-4, -4, 4, 4);
    return {};
}

void ImageView::updateCursor() {
    if (drag_ == Drag::Pan) {
        setCursor(Qt::ClosedHandCursor);
    } else if (editing() && !space_held_) {
        setCursor(Qt::CrossCursor);
    } else {
        setCursor(Qt::OpenHandCursor);
    }
}

void ImageView::mousePressEvent(QMouseEvent* event) {
    last_ = event->position();
    hover_ = last_;
    setFocus(Qt::MouseFocusReason);
    const bool left = event->button() == Qt::LeftButton;
    if (left && !space_held_ && nearDivider(last_)) {
        drag_ = Drag::Divider;
        return;
    }
    if (left && !space_held_ && editing() && !after_.isNull()) {
        const QPointF ip = widgetToImage(last_);
        const bool subtract = (event->modifiers() & Qt::AltModifier) != 0;
        if (!mask_visible_) setMaskVisible(true);  // painting blind helps nobody
        switch (tool_) {
            case MaskTool::Brush:
            case MaskTool::Eraser:
                updateImageRect(
                    mask_->begin_stroke(tool_ == MaskTool::Brush ? MaskEdit::Kind::Brush : MaskEdit::Kind::Eraser,
                                        {ip.x(), ip.y()}, brush_radius_, brush_hardness_));
                drag_ = Drag::Stroke;
                break;
            case MaskTool::Rect:
                drag_start_ = last_;
                rect_start_image_ = ip;
                subtract_ = subtract;
                drag_ = Drag::Rect;
                break;
            case MaskTool::Lasso:
                subtract_ = subtract;
                lasso_ = QPolygonF({last_});
                lasso_image_ = QPolygonF({ip});
                drag_ = Drag::Lasso;
                break;
            case MaskTool::Fill: {
                MaskEdit e;
                e.kind = MaskEdit::Kind::Fill;
                e.points = {{ip.x(), ip.y()}};
                e.subtract = subtract;
                const cv::Rect r = mask_->apply(e);
                updateImageRect(r);
                if (r.area() > 0) emit maskEdited();
                break;
            }
            case MaskTool::Pan:
                break;
        }
        return;
    }
    drag_ = Drag::Pan;
    updateCursor();
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
    const QPointF p = event->position();
    const QRect old_cursor = cursorRect(hover_);
    const QRect old_feedback = feedbackRect();
    hover_ = p;
    hovering_ = true;
    switch (drag_) {
        case Drag::Divider:
            split_ = mode_ == CompareMode::SplitVertical ? p.x() / std::max(1, width()) : p.y() / std::max(1, height());
            split_ = std::clamp(split_, 0.0, 1.0);
            update();
            break;
        case Drag::Pan: {
            const double dpr = devicePixelRatioF();
            fitted_ = false;
            setState(view::pan(state_, (p.x() - last_.x()) * dpr, (p.y() - last_.y()) * dpr));
            break;
        }
        case Drag::Stroke: {
            const QPointF ip = widgetToImage(p);
            updateImageRect(mask_->extend_stroke({ip.x(), ip.y()}));
            update(old_cursor.united(cursorRect(p)));
            break;
        }
        case Drag::Rect:
            update(old_feedback.united(feedbackRect()));
            break;
        case Drag::Lasso:
            lasso_ << p;
            lasso_image_ << widgetToImage(p);
            update(old_feedback.united(feedbackRect()));
            break;
        case Drag::None:
            if (editing() && (tool_ == MaskTool::Brush || tool_ == MaskTool::Eraser)) {
                update(old_cursor.united(cursorRect(p)));
            }
            if (nearDivider(p) && !space_held_) {
                setCursor(mode_ == CompareMode::SplitVertical ? Qt::SplitHCursor : Qt::SplitVCursor);
            } else {
                updateCursor();
            }
            break;
    }
    last_ = p;
}

void ImageView::mouseReleaseEvent(QMouseEvent* event) {
    const Drag was = drag_;
    const QRect old_feedback = feedbackRect();
    drag_ = Drag::None;
    if (was == Drag::Stroke) {
        mask_->end_stroke();
        emit maskEdited();
    } else if (was == Drag::Rect) {
        MaskEdit e;
        e.kind = MaskEdit::Kind::Rect;
        const QPointF a = rect_start_image_;
        const QPointF b = widgetToImage(event->position());
        e.points = {{a.x(), a.y()}, {b.x(), b.y()}};
        e.subtract = subtract_;
        update(old_feedback);
        const cv::Rect r = mask_->apply(e);
        updateImageRect(r);
        if (r.area() > 0) emit maskEdited();
    } else if (was == Drag::Lasso) {
        MaskEdit e;
        e.kind = MaskEdit::Kind::Lasso;
        e.subtract = subtract_;
        for (const QPointF& q : lasso_image_) e.points.emplace_back(q.x(), q.y());
        lasso_ = QPolygonF();
        lasso_image_ = QPolygonF();
        update(old_feedback);
        const cv::Rect r = mask_->apply(e);
        updateImageRect(r);
        if (r.area() > 0) emit maskEdited();
    }
    updateCursor();
}

void ImageView::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        space_held_ = true;
        updateCursor();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ImageView::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        space_held_ = false;
        updateCursor();
        return;
    }
    QWidget::keyReleaseEvent(event);
}

void ImageView::leaveEvent(QEvent* /*event*/) {
    hovering_ = false;
    update(cursorRect(hover_));
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

void ImageView::drawMask(QPainter& p, const QRectF& clip, double origin_x, bool outline) const {
    if (mask_ == nullptr || !mask_visible_ || clip.isEmpty()) return;
    const cv::Mat& m = mask_->coverage();
    if (m.empty() || m.cols != after_.width() || m.rows != after_.height()) return;
    const double z = state_.zoom;
    const double ox = origin_x + state_.offset_x;
    const double oy = state_.offset_y;
    // Only the image pixels under the repainted area are read.
    const int x0 = std::clamp(static_cast<int>(std::floor((clip.left() - ox) / z)), 0, m.cols);
    const int y0 = std::clamp(static_cast<int>(std::floor((clip.top() - oy) / z)), 0, m.rows);
    const int x1 = std::clamp(static_cast<int>(std::ceil((clip.right() - ox) / z)) + 1, 0, m.cols);
    const int y1 = std::clamp(static_cast<int>(std::ceil((clip.bottom() - oy) / z)) + 1, 0, m.rows);
    if (x1 <= x0 || y1 <= y0) return;
    const cv::Rect ir(x0, y0, x1 - x0, y1 - y0);
    const QRectF target(ox + z * x0, oy + z * y0, z * ir.width, z * ir.height);
    const cv::Mat roi = m(ir);
    cv::Mat shown = roi;
    if (z < 1.0) {
        const cv::Size ts(std::max(1, static_cast<int>(std::lround(target.width()))),
                          std::max(1, static_cast<int>(std::lround(target.height()))));
        cv::resize(roi, shown, ts, 0, 0, roi.total() < 4'000'000 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    std::array<QRgb, 256> lut{};
    if (outline) {  // only the selection's edge, opaque: the result underneath stays visible
        cv::Mat inside = shown > 127;
        cv::Mat eroded;
        cv::erode(inside, eroded, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
        // A new matrix: assigning the expression to `shown` would write into the mask itself,
        // which `shown` views at zoom >= 1.
        cv::Mat edge;
        cv::subtract(inside, eroded, edge);
        shown = edge;
        lut[255] = overlay_color_.rgb();
    } else {
        for (int v = 0; v < 256; ++v) {
            const int a = static_cast<int>(std::lround(v * overlay_opacity_));
            lut[v] = qRgba(overlay_color_.red() * a / 255, overlay_color_.green() * a / 255,
                           overlay_color_.blue() * a / 255, a);
        }
    }
    QImage img(shown.cols, shown.rows, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < shown.rows; ++y) {
        const uchar* src = shown.ptr<uchar>(y);
        auto* dst = reinterpret_cast<QRgb*>(img.scanLine(y));
        for (int x = 0; x < shown.cols; ++x) dst[x] = lut[src[x]];
    }
    p.save();
    p.setClipRect(clip);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(target, img);
    p.restore();
}

void ImageView::drawHandle(QPainter& p, double dpr) const {
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(QColor(30, 30, 30, 200), 1.5 * dpr));
    p.setBrush(QColor(255, 255, 255, 230));
    p.drawEllipse(dividerHandle() * dpr, 7 * dpr, 7 * dpr);
    p.restore();
}

void ImageView::drawToolFeedback(QPainter& p, double dpr) const {
    if (!editing()) return;
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setBrush(Qt::NoBrush);
    const auto outline = [&p, dpr](const auto& draw) {  // dark under light: visible on any photo
        p.setPen(QPen(QColor(0, 0, 0, 160), 3 * dpr));
        draw();
        p.setPen(QPen(QColor(255, 255, 255, 230), 1.2 * dpr));
        draw();
    };
    if (drag_ == Drag::Rect) {
        const QRectF r(drag_start_ * dpr, hover_ * dpr);
        outline([&] { p.drawRect(r.normalized()); });
    } else if (drag_ == Drag::Lasso && lasso_.size() > 1) {
        QPolygonF poly;
        for (const QPointF& q : lasso_) poly << q * dpr;
        outline([&] { p.drawPolyline(poly); });
    } else if (hovering_ && !space_held_ && (tool_ == MaskTool::Brush || tool_ == MaskTool::Eraser)) {
        const double r = brush_radius_ * state_.zoom;
        outline([&] { p.drawEllipse(hover_ * dpr, r, r); });
        if (brush_hardness_ < 0.95 && r * brush_hardness_ > 3) {
            p.setPen(QPen(QColor(255, 255, 255, 110), 1 * dpr, Qt::DotLine));
            p.drawEllipse(hover_ * dpr, r * brush_hardness_, r * brush_hardness_);
        }
    }
    p.restore();
}

void ImageView::paintEvent(QPaintEvent* event) {
    QPainter p(this);
    p.fillRect(event->rect(), QColor(38, 38, 40));
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
    const QRect dirty = event->rect();
    const QRectF dirty_device(dirty.x() * dpr, dirty.y() * dpr, dirty.width() * dpr, dirty.height() * dpr);
    // With a preview on screen the mask is outlined over "after", so the result can be judged.
    const bool outline_after = !preview_.isNull();
    switch (mode_) {
        case CompareMode::After:
            drawImage(p, after_, QRectF(0, 0, w, h), 0);
            drawMask(p, dirty_device, 0, outline_after);
            break;
        case CompareMode::SplitVertical: {
            const double x = split_ * w;
            drawImage(p, before, QRectF(0, 0, x, h), 0);
            drawImage(p, after_, QRectF(x, 0, w - x, h), 0);
            drawMask(p, dirty_device & QRectF(0, 0, x, h), 0, false);
            drawMask(p, dirty_device & QRectF(x, 0, w - x, h), 0, outline_after);
            p.setPen(QPen(QColor(255, 255, 255, 200), 2 * dpr));
            p.drawLine(QPointF(x, 0), QPointF(x, h));
            drawHandle(p, dpr);
            break;
        }
        case CompareMode::SplitHorizontal: {
            const double y = split_ * h;
            drawImage(p, before, QRectF(0, 0, w, y), 0);
            drawImage(p, after_, QRectF(0, y, w, h - y), 0);
            drawMask(p, dirty_device & QRectF(0, 0, w, y), 0, false);
            drawMask(p, dirty_device & QRectF(0, y, w, h - y), 0, outline_after);
            p.setPen(QPen(QColor(255, 255, 255, 200), 2 * dpr));
            p.drawLine(QPointF(0, y), QPointF(w, y));
            drawHandle(p, dpr);
            break;
        }
        case CompareMode::SideBySide:
            drawImage(p, before, QRectF(0, 0, w / 2, h), 0);
            drawImage(p, after_, QRectF(w / 2, 0, w / 2, h), w / 2);
            drawMask(p, dirty_device & QRectF(0, 0, w / 2, h), 0, false);
            drawMask(p, dirty_device & QRectF(w / 2, 0, w / 2, h), w / 2, outline_after);
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
        const double ax =
            side ? w / 2 + 10 * dpr : (mode_ == CompareMode::SplitVertical ? split_ * w + 10 * dpr : 10 * dpr);
        const double ay = mode_ == CompareMode::SplitHorizontal ? split_ * h + 20 * dpr : 20 * dpr;
        p.drawText(QPointF(ax, ay), afterLabelText());
    }
    drawToolFeedback(p, dpr);
}

}  // namespace restora::ui
