#pragma once
// The mask editor's controls in the tool panel: tools (pan, brush, eraser, rectangle, lasso,
// fill), brush size and hardness, clear / invert / grow / shrink / feather by N px, overlay colour
// and opacity, show/hide, import and export. Shortcuts live in the main window's Mask menu.
#include <QColor>
#include <QWidget>

#include "image_view.h"
#include "mask_layer.h"

class QButtonGroup;
class QCheckBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace restora::ui {

class MaskPanel : public QWidget {
    Q_OBJECT
public:
    explicit MaskPanel(QWidget* parent = nullptr);

    void setTool(MaskTool tool);
    [[nodiscard]] MaskTool tool() const;
    void setBrushRadius(double radius);
    [[nodiscard]] double brushRadius() const;
    [[nodiscard]] double hardness() const;
    void setMaskVisible(bool on);
    [[nodiscard]] bool maskVisible() const;
    [[nodiscard]] int amount() const;  // px for grow / shrink / feather
    void setAmount(int px);
    void setInfo(const QString& text);
    void setDetectTextVisible(bool on);
    [[nodiscard]] QColor overlayColor() const { return color_; }
    [[nodiscard]] double overlayOpacity() const;

signals:
    void toolChanged(restora::ui::MaskTool tool);
    void brushChanged(double radius, double hardness);
    void editRequested(restora::ui::MaskEdit::Kind kind, double amount);
    void overlayChanged(const QColor& color, double opacity);
    void visibilityChanged(bool visible);
    void importRequested();
    void detectTextRequested();
    void exportRequested();

private:
    void emitBrush();
    void setColor(const QColor& c);

    QButtonGroup* tools_ = nullptr;
    QSlider* size_ = nullptr;
    QSpinBox* size_spin_ = nullptr;
    QSlider* hardness_ = nullptr;
    QSpinBox* amount_ = nullptr;
    QSlider* opacity_ = nullptr;
    QPushButton* color_button_ = nullptr;
    QCheckBox* show_ = nullptr;
    QLabel* info_ = nullptr;
    QPushButton* detect_ = nullptr;
    QColor color_ = QColor(255, 40, 80);
};

}  // namespace restora::ui
