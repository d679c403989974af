#include "tool_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "mask_layer.h"
#include "mask_panel.h"
#include "parameter_form.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

ToolPanel::ToolPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    op_box_ = new QComboBox(this);
    for (const Operation* op : Registry::instance().all()) {
        op_box_->addItem(q(op->info().name), q(op->info().id));
        op_box_->setItemData(op_box_->count() - 1, q(op->info().description), Qt::ToolTipRole);
    }
    // The first tool shown previews live in a moment (Denoise), not a heavy one that cannot.
    if (const int light = op_box_->findData(QStringLiteral("denoise")); light >= 0) op_box_->setCurrentIndex(light);
    reset_button_ = new QPushButton(tr("Reset"), this);
    reset_button_->setToolTip(tr("Put this tool's settings back to their defaults"));
    connect(reset_button_, &QPushButton::clicked, this, &ToolPanel::resetSettings);
    auto* chooser = new QHBoxLayout;
    chooser->addWidget(op_box_, 1);
    chooser->addWidget(reset_button_);
    layout->addLayout(chooser);
    form_ = new ParameterForm(this);
    layout->addWidget(form_);
    connect(form_, &ParameterForm::choiceChanged, this, &ToolPanel::remember);
    connect(form_, &ParameterForm::numberChanged, this, &ToolPanel::remember);
    mask_panel_ = new MaskPanel(this);
    layout->addWidget(mask_panel_);
    // The Mask menu's detect entry keeps a tool's name while a tool without one is chosen.
    for (const Operation* op : Registry::instance().all()) {
        const OperationHints h = op->hints();
        if (h.detect_label.empty()) continue;
        mask_panel_->setDetectAction(q(h.detect_label), q(h.detect_help));
        break;
    }
    availability_ = new QLabel(this);
    availability_->setWordWrap(true);
    availability_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    availability_->setStyleSheet("color: #d08020");
    layout->addWidget(availability_);
    live_preview_ = new QCheckBox(tr("Live preview of the visible area"), this);
    live_preview_->setToolTip(tr("Computes exactly what Apply computes, for the part of the photo in view"));
    layout->addWidget(live_preview_);
    preview_button_ = new QPushButton(tr("Preview"), this);
    preview_button_->setToolTip(
        tr("Compute the preview of the visible area now, however long it takes (P). "
           "Zoom in to judge a heavy tool on a detail before applying it to the whole photo."));
    connect(preview_button_, &QPushButton::clicked, this, &ToolPanel::previewClicked);
    apply_button_ = new QPushButton(tr("Apply"), this);
    apply_button_->setDefault(true);
    connect(apply_button_, &QPushButton::clicked, this, &ToolPanel::applyClicked);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(preview_button_);
    buttons->addWidget(apply_button_, 1);
    layout->addLayout(buttons);
    layout->addStretch(1);
    connect(op_box_, &QComboBox::currentIndexChanged, this, &ToolPanel::operationChanged);
}

const Operation* ToolPanel::operation() const { return Registry::instance().find(operationId().toStdString()); }

QString ToolPanel::operationId() const { return op_box_->currentData().toString(); }

QString ToolPanel::toolName() const { return op_box_->currentText(); }

void ToolPanel::selectOperation(const QString& id) { op_box_->setCurrentIndex(op_box_->findData(id)); }

void ToolPanel::rebuild(const SourceInfo* source) {
    const Operation* op = operation();
    form_->rebuild(op, source);
    reset_button_->setEnabled(op != nullptr);
    if (op == nullptr) return;
    defaults_ = form_->values();
    if (const auto it = chosen_.find(op->info().id); it != chosen_.end()) {
        restoring_ = true;  // the user's settings for this tool, from another photo or tool visit
        for (const auto& [key, value] : it->second) form_->setValue(key, q(value));
        restoring_ = false;
    }
    mask_panel_->setVisible(op->info().mask != MaskUse::None);
    const OperationHints hints = op->hints();
    mask_panel_->setDetectAction(q(hints.detect_label), q(hints.detect_help));
}

void ToolPanel::remember() {
    const Operation* op = operation();
    if (restoring_ || op == nullptr) return;
    auto& chosen = chosen_[op->info().id];
    chosen.clear();
    for (const auto& [key, value] : form_->values()) {
        const auto d = defaults_.find(key);
        if (d == defaults_.end() || d->second != value) chosen[key] = value;
    }
}

void ToolPanel::resetSettings() {
    const Operation* op = operation();
    if (op == nullptr) return;
    chosen_.erase(op->info().id);
    emit operationChanged();  // rebuilt with the defaults (and the photo's own, such as its JPEG quality)
}

void ToolPanel::updateAvailability(bool has_photo, const MaskLayer* mask, bool busy) {
    QString problem;
    if (const Operation* op = operation()) {
        const std::map<std::string, std::string> params = form_->values();
        std::string key = op->info().id;
        for (const auto& [k, v] : params) key += ";" + k + "=" + v;
        auto cached = availability_cache_.find(key);
        if (cached == availability_cache_.end()) {
            QString result;
            try {
                op->check_available(op->resolve(params));
            } catch (const std::exception& e) {
                result = q(e.what());
            }
            cached = availability_cache_.emplace(key, result).first;
        }
        problem = cached->second;
        if (problem.isEmpty() && op->info().mask == MaskUse::Required && has_photo &&
            (mask == nullptr || mask->empty())) {
            problem =
                tr("Paint over what this tool should change (B brush, R rectangle, L lasso) or "
                   "import a mask.");
        }
    }
    availability_->setText(problem);
    availability_->setVisible(!problem.isEmpty());
    apply_button_->setEnabled(problem.isEmpty() && has_photo && !busy);
    preview_button_->setEnabled(apply_button_->isEnabled());
}

void ToolPanel::setBusy(bool busy) {
    op_box_->setEnabled(!busy);
    reset_button_->setEnabled(!busy);
    form_->setEnabled(!busy);
    mask_panel_->setEnabled(!busy);
}

}  // namespace restora::ui
