#pragma once
// The Tools dock's contents: the tool chooser, its ParameterForm, the MaskPanel for tools that
// take a mask, why the tool cannot run now (a missing model, nothing selected), the live preview
// switch and the Preview and Apply buttons.
#include <QWidget>

#include <map>
#include <string>

#include "restora/core/registry.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace restora::ui {

class MaskLayer;
class MaskPanel;
class ParameterForm;

class ToolPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ToolPanel(QWidget* parent = nullptr);

    [[nodiscard]] const Operation* operation() const;  // the chosen tool
    [[nodiscard]] QString operationId() const;
    [[nodiscard]] QString toolName() const;  // as the chooser shows it
    void selectOperation(const QString& id);
    [[nodiscard]] ParameterForm* form() const { return form_; }
    [[nodiscard]] MaskPanel* maskPanel() const { return mask_panel_; }
    [[nodiscard]] QCheckBox* livePreview() const { return live_preview_; }
    // Rebuilds the form for the chosen tool (with the photo's defaults from `source`, if any)
    // and shows the mask panel and the detect action where the tool has them.
    void rebuild(const SourceInfo* source);
    // Says what keeps the tool from running (checking a model hashes its weight file, so the
    // answer is kept per tool and settings until forget()) and enables Apply and Preview.
    void updateAvailability(bool has_photo, const MaskLayer* mask, bool busy);
    void forgetAvailability() { availability_cache_.clear(); }
    // Puts the chosen tool's settings back to their defaults (the Reset button).
    void resetSettings();
    void setBusy(bool busy);

  signals:
    void operationChanged();
    void applyClicked();
    void previewClicked();

  private:
    QComboBox* op_box_ = nullptr;
    ParameterForm* form_ = nullptr;
    MaskPanel* mask_panel_ = nullptr;
    QLabel* availability_ = nullptr;
    QCheckBox* live_preview_ = nullptr;
    QPushButton* apply_button_ = nullptr;
    QPushButton* preview_button_ = nullptr;
    std::map<std::string, QString> availability_cache_;  // tool + settings -> problem (empty: ok)
    QPushButton* reset_button_ = nullptr;
    // The settings the user changed, per tool, kept while the app runs (across photos): what
    // differs from the defaults the form was last built with.
    std::map<std::string, std::map<std::string, std::string>> chosen_;
    std::map<std::string, std::string> defaults_;
    bool restoring_ = false;
    void remember();
};

}  // namespace restora::ui
