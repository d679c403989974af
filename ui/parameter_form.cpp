#include "parameter_form.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

ParameterForm::ParameterForm(QWidget* parent) : QWidget(parent) {
    // Room for a slider with its end labels (Fidelity ... Realism) beside the value box.
    setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("M")) * 20);
    form_ = new QFormLayout(this);
}

void ParameterForm::rebuild(const Operation* op, const SourceInfo* source) {
    while (form_->rowCount() > 0) form_->removeRow(0);
    editors_.clear();
    rows_.clear();
    op_ = op;
    if (op == nullptr) return;
    // Defaults that depend on the photo: the denoiser's JPEG artefacts slider starts at the file's
    // own JPEG quality, estimated when it was opened.
    const std::map<std::string, std::string> from_source =
        source != nullptr ? op->source_defaults(*source) : std::map<std::string, std::string>{};
    for (const ParamSpec& p : op->info().params) {
        if (p.kind == ParamKind::Choice) {
            auto* box = new QComboBox(this);
            for (const auto& c : p.choices) box->addItem(q(c + p.unit), q(c));
            box->setCurrentIndex(box->findData(q(p.def_choice)));
            connect(box, &QComboBox::currentIndexChanged, this, [this] {
                updateRows();
                emit choiceChanged();
            });
            box->setToolTip(q(p.help));
            form_->addRow(q(p.label), box);
            editors_[p.key] = box;
            rows_[p.key] = box;
            continue;
        }
        const auto src = from_source.find(p.key);
        rows_[p.key] = addNumber(p, src != from_source.end() ? std::stod(src->second) : p.def);
    }
    updateRows();
}

QWidget* ParameterForm::addNumber(const ParamSpec& p, double initial) {
    auto* spin = new QDoubleSpinBox(this);
    spin->setRange(p.min, p.max);
    spin->setSingleStep(p.step);
    spin->setDecimals(p.kind == ParamKind::Integer ? 0 : 2);
    spin->setValue(initial);
    spin->setSuffix(p.unit.empty() ? QString() : " " + q(p.unit));
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this] { emit numberChanged(); });
    // A slider beside the spin box, in steps of the schema's step.
    auto* slider = new QSlider(Qt::Horizontal, this);
    const int steps = std::max(1, static_cast<int>(std::lround((p.max - p.min) / p.step)));
    slider->setRange(0, steps);
    slider->setValue(static_cast<int>(std::lround((initial - p.min) / p.step)));
    const double lo = p.min;
    const double step = p.step;
    connect(slider, &QSlider::valueChanged, spin, [spin, lo, step](int v) { spin->setValue(lo + v * step); });
    connect(spin, &QDoubleSpinBox::valueChanged, slider, [slider, lo, step](double v) {
        const QSignalBlocker block(slider);
        slider->setValue(static_cast<int>(std::lround((v - lo) / step)));
    });
    auto* row = new QWidget(this);
    auto* column = new QVBoxLayout(row);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    auto* row_layout = new QHBoxLayout();
    row_layout->addWidget(slider, 1);
    row_layout->addWidget(spin);
    column->addLayout(row_layout);
    // What the two ends mean (tunable networks: Fidelity ... Realism), under the slider.
    if (!p.low_label.empty() || !p.high_label.empty()) {
        auto* ends = new QHBoxLayout();
        auto* low = new QLabel(q(p.low_label), row);
        auto* high = new QLabel(q(p.high_label), row);
        for (QLabel* l : {low, high}) {
            QFont f = l->font();
            f.setPointSizeF(f.pointSizeF() * 0.85);
            l->setFont(f);
            l->setForegroundRole(QPalette::PlaceholderText);
        }
        ends->addWidget(low);
        ends->addStretch(1);
        ends->addWidget(high);
        ends->addSpacing(spin->sizeHint().width());
        column->addLayout(ends);
    }
    spin->setToolTip(q(p.help));
    slider->setToolTip(q(p.help));
    form_->addRow(q(p.label), row);
    editors_[p.key] = spin;
    return row;
}

bool ParameterForm::applies(const std::string& key) const {
    if (op_ == nullptr) return true;
    for (const ParamSpec& p : op_->info().params) {
        if (p.key != key || p.only_for.empty()) continue;
        const auto eq = p.only_for.find('=');
        auto it = editors_.find(p.only_for.substr(0, eq));
        if (it == editors_.end()) return true;
        auto* box = qobject_cast<QComboBox*>(it->second);
        return box == nullptr || box->currentData().toString().toStdString() == p.only_for.substr(eq + 1);
    }
    return true;
}

void ParameterForm::updateRows() {
    for (const auto& [key, row] : rows_) {
        const bool on = applies(key);
        row->setVisible(on);
        if (QWidget* label = form_->labelForField(row)) label->setVisible(on);
    }
}

std::map<std::string, std::string> ParameterForm::values() const {
    std::map<std::string, std::string> out;
    for (const auto& [key, editor] : editors_) {
        if (!applies(key)) continue;
        if (auto* box = qobject_cast<QComboBox*>(editor)) {
            out[key] = box->currentData().toString().toStdString();
        } else if (auto* spin = qobject_cast<QDoubleSpinBox*>(editor)) {
            out[key] = QString::number(spin->value(), 'g', 6).toStdString();
        }
    }
    return out;
}

void ParameterForm::setValue(const std::string& key, const QString& value) {
    auto it = editors_.find(key);
    if (it == editors_.end()) return;
    if (auto* box = qobject_cast<QComboBox*>(it->second)) box->setCurrentIndex(box->findData(value));
    if (auto* spin = qobject_cast<QDoubleSpinBox*>(it->second)) spin->setValue(value.toDouble());
}

}  // namespace restora::ui
