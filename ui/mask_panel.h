#pragma once
// The mask editor's controls in the tool panel: tools (pan, brush, eraser, rectangle, lasso,
// fill), brush size and hardness, clear / invert / grow / shrink / feather by N px, overlay colour
// and opacity, show/hide, import and export, the tool's detect action; and the Mask menu with
// their shortcuts (fillMenu).
#include <QColor>
#include <QWidget>

#include "image_view.h"
#include "mask_layer.h"

class QAction;
class QButtonGroup;
class QCheckBox;
class QLabel;
class QMenu;
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
    // How much of the photo `layer` selects (nothing for nullptr: a tool without a mask).
    void showCoverage(const MaskLayer* layer);
    // The tool's detect action (Operation::hints); an empty label hides the button.
    void setDetectAction(const QString& label, const QString& help);
    // Adds the mask actions with their shortcuts to `menu`; returns them (for enabling).
    QList<QAction*> fillMenu(QMenu* menu);
    [[nodiscard]] QColor overlayColor() const { return color_; }
    // Protect mode (for tools whose mask only limits where they act): offered or not, and on.
    void setProtectAvailable(bool available);
    void setProtect(bool on);
    [[nodiscard]] bool protect() const;
    [[nodiscard]] double overlayOpacity() const;

  signals:
    void toolChanged(restora::ui::MaskTool tool);
    void brushChanged(double radius, double hardness);
    void editRequested(restora::ui::MaskEdit::Kind kind, double amount);
    void overlayChanged(const QColor& color, double opacity);
    void visibilityChanged(bool visible);
    void protectChanged(bool on);
    void importRequested();
    void detectRequested();
    void exportRequested();

  private:
    void emitBrush();
    void setColor(const QColor& c);
    static QString menuText(const QString& label);

    QButtonGroup* tools_ = nullptr;
    QSlider* size_ = nullptr;
    QSpinBox* size_spin_ = nullptr;
    QSlider* hardness_ = nullptr;
    QSpinBox* amount_ = nullptr;
    QSlider* opacity_ = nullptr;
    QPushButton* color_button_ = nullptr;
    QCheckBox* show_ = nullptr;
    QCheckBox* protect_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* info_ = nullptr;
    QPushButton* detect_ = nullptr;
    QAction* detect_action_ = nullptr;
    QString detect_label_;
    QColor color_ = QColor(255, 40, 80);
};

}  // namespace restora::ui
