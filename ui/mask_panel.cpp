#include "mask_panel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QColorDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

#include "engine_settings.h"

namespace restora::ui {

namespace {

constexpr int kMaxSize = 2000;  // brush diameter in image pixels
constexpr int kSliderSteps = 1000;

// The size slider is logarithmic: fine control for small brushes, reach for large ones.
int size_to_slider(int size) {
    return static_cast<int>(std::lround(kSliderSteps * std::log(std::max(1, size)) / std::log(kMaxSize)));
}
int slider_to_size(int v) {
    return std::max(1, static_cast<int>(std::lround(std::exp(v * std::log(kMaxSize) / kSliderSteps))));
}

}  // namespace

MaskPanel::MaskPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    title_ = new QLabel(tr("<b>Mask</b> — white = the pixels the tool changes"), this);
    title_->setWordWrap(true);
    layout->addWidget(title_);
    protect_ = new QCheckBox(tr("Protect what I paint"), this);
    protect_->setToolTip(
        tr("Paint what must not change (a face, the sky); the tool changes the rest of the photo. "
           "Without anything painted the tool changes the whole photo."));
    layout->addWidget(protect_);
    connect(protect_, &QCheckBox::toggled, this, [this](bool on) {
        title_->setText(on ? tr("<b>Mask</b> — painted pixels stay as they are")
                           : tr("<b>Mask</b> — white = the pixels the tool changes"));
        emit protectChanged(on);
    });

    auto* tool_row = new QGridLayout;  // two rows of three: the panel stays narrow
    tools_ = new QButtonGroup(this);
    tools_->setExclusive(true);
    const struct {
        MaskTool tool;
        QString text;
        QString tip;
    } entries[] = {{MaskTool::Pan, tr("Pan"), tr("Pan the view (H); Space or the middle button pans with any tool")},
                   {MaskTool::Brush, tr("Brush"), tr("Paint the mask (B); [ and ] change the size")},
                   {MaskTool::Eraser, tr("Eraser"), tr("Erase from the mask (E)")},
                   {MaskTool::Rect, tr("Rect"), tr("Add a rectangle (R); hold Alt to remove")},
                   {MaskTool::Lasso, tr("Lasso"), tr("Add a free-hand area (L); hold Alt to remove")},
                   {MaskTool::Fill, tr("Fill"), tr("Fill the enclosed area under the pointer (G); Alt removes")}};
    for (const auto& e : entries) {
        auto* b = new QToolButton(this);
        b->setText(e.text);
        b->setToolTip(e.tip);
        b->setCheckable(true);
        b->setAutoRaise(false);
        tools_->addButton(b, static_cast<int>(e.tool));
        const int i = static_cast<int>(tools_->buttons().size()) - 1;
        tool_row->addWidget(b, i / 3, i % 3);
    }
    layout->addLayout(tool_row);
    connect(tools_, &QButtonGroup::idClicked, this, [this](int id) { emit toolChanged(static_cast<MaskTool>(id)); });

    auto* form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    size_ = new QSlider(Qt::Horizontal, this);
    size_->setRange(0, kSliderSteps);
    size_spin_ = new QSpinBox(this);
    size_spin_->setRange(1, kMaxSize);
    size_spin_->setSuffix(" px");
    size_spin_->setToolTip(tr("Brush diameter in photo pixels ([ smaller, ] larger)"));
    auto* size_row = new QHBoxLayout;
    size_row->addWidget(size_, 1);
    size_row->addWidget(size_spin_);
    form->addRow(tr("Size"), size_row);
    connect(size_, &QSlider::valueChanged, this, [this](int v) {
        const QSignalBlocker block(size_spin_);
        size_spin_->setValue(slider_to_size(v));
        emitBrush();
    });
    connect(size_spin_, &QSpinBox::valueChanged, this, [this](int v) {
        const QSignalBlocker block(size_);
        size_->setValue(size_to_slider(v));
        emitBrush();
    });
    hardness_ = new QSlider(Qt::Horizontal, this);
    hardness_->setRange(0, 100);
    hardness_->setToolTip(tr("0%: a soft edge over the whole radius; 100%: a hard edge"));
    form->addRow(tr("Hardness"), hardness_);
    connect(hardness_, &QSlider::valueChanged, this, [this] { emitBrush(); });
    layout->addLayout(form);

    auto* edit_grid = new QGridLayout;
    const auto button = [this](const QString& text, const QString& tip) {
        auto* b = new QPushButton(text, this);
        b->setToolTip(tip);
        return b;
    };
    QPushButton* clear = button(tr("Clear"), tr("Select nothing (Ctrl+Shift+A)"));
    QPushButton* invert = button(tr("Invert"), tr("Swap selected and unselected (Ctrl+Shift+I)"));
    amount_ = new QSpinBox(this);
    amount_->setRange(1, 500);
    amount_->setSuffix(" px");
    amount_->setToolTip(tr("Distance for Grow, Shrink and Feather, in photo pixels"));
    QPushButton* grow = button(tr("Grow"), tr("Add a band of N px around the mask"));
    QPushButton* shrink = button(tr("Shrink"), tr("Remove a band of N px inside the mask's edge"));
    QPushButton* feather = button(tr("Feather"), tr("Soften the edge over about N px"));
    edit_grid->addWidget(clear, 0, 0);
    edit_grid->addWidget(invert, 0, 1);
    edit_grid->addWidget(amount_, 0, 2);
    edit_grid->addWidget(grow, 1, 0);
    edit_grid->addWidget(shrink, 1, 1);
    edit_grid->addWidget(feather, 1, 2);
    layout->addLayout(edit_grid);
    connect(clear, &QPushButton::clicked, this, [this] { emit editRequested(MaskEdit::Kind::Clear, 0); });
    connect(invert, &QPushButton::clicked, this, [this] { emit editRequested(MaskEdit::Kind::Invert, 0); });
    connect(grow, &QPushButton::clicked, this, [this] { emit editRequested(MaskEdit::Kind::Grow, amount_->value()); });
    connect(shrink, &QPushButton::clicked, this,
            [this] { emit editRequested(MaskEdit::Kind::Shrink, amount_->value()); });
    connect(feather, &QPushButton::clicked, this,
            [this] { emit editRequested(MaskEdit::Kind::Feather, amount_->value()); });

    auto* overlay_row = new QHBoxLayout;
    show_ = new QCheckBox(tr("Show (M)"), this);
    show_->setChecked(true);
    color_button_ = new QPushButton(this);
    color_button_->setToolTip(tr("Overlay colour"));
    color_button_->setFixedWidth(36);
    opacity_ = new QSlider(Qt::Horizontal, this);
    opacity_->setRange(5, 100);
    opacity_->setToolTip(tr("Overlay opacity"));
    overlay_row->addWidget(show_);
    overlay_row->addWidget(color_button_);
    overlay_row->addWidget(opacity_, 1);
    layout->addLayout(overlay_row);
    connect(show_, &QCheckBox::toggled, this, [this](bool on) { emit visibilityChanged(on); });
    connect(color_button_, &QPushButton::clicked, this, [this] {
        const QColor c = QColorDialog::getColor(color_, this, tr("Mask overlay colour"));
        if (c.isValid()) setColor(c);
    });
    connect(opacity_, &QSlider::valueChanged, this, [this] {
        EngineSettings::setMaskOpacity(opacity_->value());
        emit overlayChanged(color_, overlayOpacity());
    });

    // Its text and tooltip come from the tool (setDetectAction).
    detect_ = new QPushButton(this);
    layout->addWidget(detect_);
    connect(detect_, &QPushButton::clicked, this, [this] { emit detectRequested(); });
    detect_->setVisible(false);

    auto* file_row = new QHBoxLayout;
    QPushButton* import = button(tr("Import…"), tr("Load a mask image (white = selected); it replaces this mask"));
    QPushButton* exp = button(tr("Export…"), tr("Save this mask as a PNG (white = selected)"));
    file_row->addWidget(import);
    file_row->addWidget(exp);
    layout->addLayout(file_row);
    connect(import, &QPushButton::clicked, this, [this] { emit importRequested(); });
    connect(exp, &QPushButton::clicked, this, [this] { emit exportRequested(); });
    info_ = new QLabel(this);
    info_->setWordWrap(true);  // long hints wrap instead of widening the panel
    layout->addWidget(info_);

    // Read every saved value before setting any: setting one saves the brush settings.
    const EngineSettings::MaskBrush saved = EngineSettings::maskBrush();
    const int size = saved.size;
    const int hardness = saved.hardness;
    const int amount = saved.amount;
    const int opacity = saved.opacity;
    color_ = saved.color;
    {
        const QSignalBlocker b1(size_spin_);
        const QSignalBlocker b2(size_);
        const QSignalBlocker b3(hardness_);
        const QSignalBlocker b4(amount_);
        const QSignalBlocker b5(opacity_);
        size_spin_->setValue(size);
        size_->setValue(size_to_slider(size));
        hardness_->setValue(hardness);
        amount_->setValue(amount);
        opacity_->setValue(opacity);
    }
    color_button_->setStyleSheet(QString("background: %1").arg(color_.name()));
    connect(amount_, &QSpinBox::valueChanged, this, [](int v) { EngineSettings::setMaskAmount(v); });
    setTool(MaskTool::Brush);
}

void MaskPanel::setColor(const QColor& c) {
    color_ = c;
    color_button_->setStyleSheet(QString("background: %1").arg(c.name()));
    EngineSettings::setMaskColor(c);
    emit overlayChanged(color_, overlayOpacity());
}

void MaskPanel::emitBrush() {
    EngineSettings::setMaskBrush(size_spin_->value(), hardness_->value());
    emit brushChanged(brushRadius(), hardness());
}

void MaskPanel::setTool(MaskTool tool) {
    if (QAbstractButton* b = tools_->button(static_cast<int>(tool))) b->setChecked(true);
    emit toolChanged(tool);
}

MaskTool MaskPanel::tool() const { return static_cast<MaskTool>(tools_->checkedId()); }

void MaskPanel::setBrushRadius(double radius) {
    size_spin_->setValue(std::clamp(static_cast<int>(std::lround(2 * radius)), 1, kMaxSize));
}

double MaskPanel::brushRadius() const { return size_spin_->value() / 2.0; }

double MaskPanel::hardness() const { return hardness_->value() / 100.0; }

void MaskPanel::setMaskVisible(bool on) { show_->setChecked(on); }

bool MaskPanel::maskVisible() const { return show_->isChecked(); }

int MaskPanel::amount() const { return amount_->value(); }

void MaskPanel::setAmount(int px) { amount_->setValue(px); }

void MaskPanel::setInfo(const QString& text) { info_->setText(text); }

void MaskPanel::showCoverage(const MaskLayer* layer) {
    if (layer == nullptr) {
        setInfo({});
        return;
    }
    const double f = layer->selected_fraction();
    if (layer->protect()) {
        setInfo(
            f == 0 ? tr("Nothing protected: the tool changes the whole photo. Paint what must stay as it is.")
                   : tr("%1% of the photo protected; the tool changes the rest").arg(f * 100, 0, 'f', f < 0.1 ? 2 : 1));
        return;
    }
    setInfo(f == 0 ? tr("Nothing selected yet: paint over what the tool should change.")
                   : tr("%1% of the photo selected").arg(f * 100, 0, 'f', f < 0.1 ? 2 : 1));
}

void MaskPanel::setDetectAction(const QString& label, const QString& help) {
    detect_->setVisible(!label.isEmpty());
    if (label.isEmpty()) return;  // the menu's action keeps its text (and does nothing here)
    detect_->setText(label);
    detect_->setToolTip(help);
    detect_label_ = label;
    if (detect_action_ != nullptr) detect_action_->setText(menuText(label));
}

QString MaskPanel::menuText(const QString& label) {
    // "Detect text" -> "&Detect Text", as menu entries are written.
    QStringList words = label.split(' ');
    for (QString& w : words) {
        if (!w.isEmpty()) w[0] = w[0].toUpper();
    }
    return "&" + words.join(' ');
}

QList<QAction*> MaskPanel::fillMenu(QMenu* menu) {
    QList<QAction*> actions;
    const auto add = [this, menu, &actions](const QString& text, const QKeySequence& key, auto&& fn) {
        QAction* a = menu->addAction(text, this, fn);
        a->setShortcut(key);
        actions << a;
        return a;
    };
    const std::pair<QString, MaskTool> tools[] = {{tr("&Brush"), MaskTool::Brush},
                                                  {tr("&Eraser"), MaskTool::Eraser},
                                                  {tr("&Rectangle"), MaskTool::Rect},
                                                  {tr("&Lasso"), MaskTool::Lasso},
                                                  {tr("&Fill Enclosed Area"), MaskTool::Fill},
                                                  {tr("&Pan"), MaskTool::Pan}};
    const char* keys[] = {"B", "E", "R", "L", "G", "H"};
    for (int i = 0; i < 6; ++i) {
        const MaskTool t = tools[i].second;
        add(tools[i].first, QKeySequence(keys[i]), [this, t] { setTool(t); });
    }
    menu->addSeparator();
    add(tr("S&maller Brush"), QKeySequence("["), [this] {
        const double r = brushRadius();
        setBrushRadius(std::min(r - 0.5, r * 0.8));
    });
    add(tr("L&arger Brush"), QKeySequence("]"), [this] {
        const double r = brushRadius();
        setBrushRadius(std::max(r + 0.5, r * 1.25));
    });
    detect_action_ = add(menuText(detect_label_), QKeySequence("T"), [this] { emit detectRequested(); });
    add(tr("&Show or Hide Mask"), QKeySequence("M"), [this] { setMaskVisible(!maskVisible()); });
    menu->addSeparator();
    const auto edit = [this](MaskEdit::Kind kind, bool amount) {
        emit editRequested(kind, amount ? this->amount() : 0);
    };
    add(tr("&Clear"), QKeySequence("Ctrl+Shift+A"), [edit] { edit(MaskEdit::Kind::Clear, false); });
    add(tr("&Invert"), QKeySequence("Ctrl+Shift+I"), [edit] { edit(MaskEdit::Kind::Invert, false); });
    add(tr("&Grow by N px"), QKeySequence("Ctrl+Shift+G"), [edit] { edit(MaskEdit::Kind::Grow, true); });
    add(tr("S&hrink by N px"), QKeySequence("Ctrl+Shift+K"), [edit] { edit(MaskEdit::Kind::Shrink, true); });
    add(tr("&Feather by N px"), QKeySequence("Ctrl+Shift+F"), [edit] { edit(MaskEdit::Kind::Feather, true); });
    menu->addSeparator();
    add(tr("I&mport Mask…"), QKeySequence(), [this] { emit importRequested(); });
    add(tr("E&xport Mask…"), QKeySequence(), [this] { emit exportRequested(); });
    return actions;
}

double MaskPanel::overlayOpacity() const { return opacity_->value() / 100.0; }

void MaskPanel::setProtectAvailable(bool available) {
    protect_->setVisible(available);
    if (!available) setProtect(false);
}

void MaskPanel::setProtect(bool on) {
    const QSignalBlocker block(protect_);
    protect_->setChecked(on);
    title_->setText(on ? tr("<b>Mask</b> — painted pixels stay as they are")
                       : tr("<b>Mask</b> — white = the pixels the tool changes"));
}

bool MaskPanel::protect() const { return protect_->isChecked(); }

}  // namespace restora::ui
