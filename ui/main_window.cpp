#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <cmath>

#include "mask_panel.h"
#include "qt_image.h"
#include "restora/core/estimate.h"
#include "restora/core/image_io.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"
#include "restora/core/mask.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QString& q) { return q.toStdString(); }

const char* kFilter = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)";

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle("Restora");
    setAcceptDrops(true);
    view_ = new ImageView(this);
    setCentralWidget(view_);
    buildToolPanel();
    buildMenus();

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 100);
    progress_->setMaximumWidth(220);
    progress_->setVisible(false);
    cancel_button_ = new QPushButton(tr("Cancel"), this);
    cancel_button_->setVisible(false);
    connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancelJob);
    status_ = new QLabel(this);
    device_label_ = new QLabel(this);
    size_label_ = new QLabel(this);
    zoom_label_ = new QLabel(this);
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancel_button_);
    statusBar()->addPermanentWidget(size_label_);
    statusBar()->addPermanentWidget(zoom_label_);
    statusBar()->addPermanentWidget(device_label_);
    connect(view_, &ImageView::viewChanged, this, [this] {
        // Zoom and pan move the visible area: preview it once the view settles.
        if (preview_armed_ && live_preview_ != nullptr && live_preview_->isChecked()) preview_timer_.start();
    });
    connect(view_, &ImageView::zoomChanged, this,
            [this](double z) { zoom_label_->setText(QString("%1%").arg(qRound(z * 100))); });

    Worker* w = host_.worker();
    connect(w, &Worker::progress, this, &MainWindow::onProgress, Qt::QueuedConnection);
    connect(w, &Worker::finished, this, &MainWindow::onFinished, Qt::QueuedConnection);
    connect(w, &Worker::failed, this, &MainWindow::onFailed, Qt::QueuedConnection);
    // The best of the measurements for the current device: the first one runs while the window
    // decodes and draws the photo, on the same cores (120 against 185 GFLOP/s on the dev machine),
    // so the worker measures again once the window is idle.
    // A live preview skipped on an estimate made before this measurement (with 100 GFLOP/s until
    // the first one, a slow CPU) is decided again with it: the status bar had kept "about 176 s"
    // for a job estimated at 84 s once measured.
    connect(
        w, &Worker::measured, this,
        [this](double g, const QString&) {
            const bool faster = g > conv_gflops_;
            conv_gflops_ = std::max(conv_gflops_, g);
            if (faster && preview_skipped_) startPreview(false);
        },
        Qt::QueuedConnection);
    measureDevice();
    QTimer::singleShot(4000, this, [this] {
        if (running_id_ == 0 && preview_running_id_ == 0) measureDevice();
    });

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    resize(settings.value("window/size", QSize(1280, 800)).toSize());
    refresh(false);
}

MainWindow::~MainWindow() {
    if (running_id_ != 0) running_cancel_.request();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    recent_menu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    QAction* save = file->addAction(tr("&Export"), this, [this] {
        if (last_export_.isEmpty()) {
            exportDialog();
        } else {
            const QString err = exportTo(last_export_, false);
            if (!err.isEmpty()) showError(tr("Export failed"), err);
        }
    });
    save->setShortcut(QKeySequence::Save);
    QAction* save_as = file->addAction(tr("Export &As…"), this, &MainWindow::exportDialog);
    save_as->setShortcut(QKeySequence("Ctrl+Shift+S"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    undo_action_ = edit->addAction(tr("&Undo"), this, &MainWindow::undo);
    undo_action_->setShortcut(QKeySequence("Ctrl+Z"));
    redo_action_ = edit->addAction(tr("&Redo"), this, &MainWindow::redo);
    redo_action_->setShortcut(QKeySequence("Ctrl+Shift+Z"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit"), QKeySequence("F"), view_, &ImageView::fitToWindow);
    view->addAction(tr("&100%"), QKeySequence("1"), view_, &ImageView::actualSize);
    view->addAction(tr("Zoom &In"), QKeySequence("+"), view_, &ImageView::zoomIn);
    view->addAction(tr("Zoom &In"), QKeySequence("="), view_, &ImageView::zoomIn)->setVisible(false);
    view->addAction(tr("Zoom &Out"), QKeySequence("-"), view_, &ImageView::zoomOut);
    view->addSeparator();
    view->addAction(tr("&Preview the Visible Area"), QKeySequence("P"), this, &MainWindow::previewNow);
    view->addSeparator();
    auto* modes = new QActionGroup(this);
    compare_group_ = modes;
    QToolBar* bar = addToolBar(tr("Compare"));
    bar->setObjectName("compare-toolbar");
    const std::pair<QString, CompareMode> entries[] = {{tr("After"), CompareMode::After},
                                                        {tr("Split"), CompareMode::SplitVertical},
                                                        {tr("Split (horizontal)"), CompareMode::SplitHorizontal},
                                                        {tr("Side by side"), CompareMode::SideBySide}};
    int k = 2;
    for (const auto& [label, mode] : entries) {
        QAction* a = view->addAction(label);
        a->setCheckable(true);
        a->setChecked(mode == view_->compareMode());
        a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(k++)));
        a->setData(static_cast<int>(mode));
        modes->addAction(a);
        bar->addAction(a);
        const CompareMode m = mode;
        connect(a, &QAction::triggered, this, [this, m] { view_->setCompareMode(m); });
    }
    view->addAction(tr("Hold \\ to see the original"))->setEnabled(false);

    QMenu* mask = menuBar()->addMenu(tr("&Mask"));
    const auto mask_action = [this, mask](const QString& text, const QKeySequence& key, auto&& fn) {
        QAction* a = mask->addAction(text, this, fn);
        a->setShortcut(key);
        mask_actions_ << a;
        return a;
    };
    const std::pair<QString, MaskTool> tools[] = {{tr("&Brush"), MaskTool::Brush}, {tr("&Eraser"), MaskTool::Eraser},
                                                  {tr("&Rectangle"), MaskTool::Rect}, {tr("&Lasso"), MaskTool::Lasso},
                                                  {tr("&Fill Enclosed Area"), MaskTool::Fill}, {tr("&Pan"), MaskTool::Pan}};
    const char* keys[] = {"B", "E", "R", "L", "G", "H"};
    for (int i = 0; i < 6; ++i) {
        const MaskTool t = tools[i].second;
        mask_action(tools[i].first, QKeySequence(keys[i]), [this, t] { mask_panel_->setTool(t); });
    }
    mask->addSeparator();
    mask_action(tr("S&maller Brush"), QKeySequence("["), [this] {
        const double r = mask_panel_->brushRadius();
        mask_panel_->setBrushRadius(std::min(r - 0.5, r * 0.8));
    });
    mask_action(tr("L&arger Brush"), QKeySequence("]"), [this] {
        const double r = mask_panel_->brushRadius();
        mask_panel_->setBrushRadius(std::max(r + 0.5, r * 1.25));
    });
    mask_action(tr("&Detect Text"), QKeySequence("T"), [this] {
        if (op_box_->currentData().toString() == "erase-text") detectText();
    });
    mask_action(tr("&Show or Hide Mask"), QKeySequence("M"),
                [this] { mask_panel_->setMaskVisible(!mask_panel_->maskVisible()); });
    mask->addSeparator();
    const auto mask_edit = [this](MaskEdit::Kind kind, bool amount) {
        MaskEdit e;
        e.kind = kind;
        e.amount = amount ? mask_panel_->amount() : 0;
        editMask(e);
    };
    mask_action(tr("&Clear"), QKeySequence("Ctrl+Shift+A"), [mask_edit] { mask_edit(MaskEdit::Kind::Clear, false); });
    mask_action(tr("&Invert"), QKeySequence("Ctrl+Shift+I"), [mask_edit] { mask_edit(MaskEdit::Kind::Invert, false); });
    mask_action(tr("&Grow by N px"), QKeySequence("Ctrl+Shift+G"), [mask_edit] { mask_edit(MaskEdit::Kind::Grow, true); });
    mask_action(tr("S&hrink by N px"), QKeySequence("Ctrl+Shift+K"), [mask_edit] { mask_edit(MaskEdit::Kind::Shrink, true); });
    mask_action(tr("&Feather by N px"), QKeySequence("Ctrl+Shift+F"), [mask_edit] { mask_edit(MaskEdit::Kind::Feather, true); });
    mask->addSeparator();
    mask_action(tr("I&mport Mask…"), QKeySequence(), [this] { emit mask_panel_->importRequested(); });
    mask_action(tr("E&xport Mask…"), QKeySequence(), [this] { emit mask_panel_->exportRequested(); });
    const Operation* current = Registry::instance().find(s(op_box_->currentData().toString()));
    for (QAction* a : mask_actions_) a->setEnabled(current != nullptr && current->info().mask != MaskUse::None);

    QMenu* settings = menuBar()->addMenu(tr("&Settings"));
    QMenu* device = settings->addMenu(tr("&Device"));
    device_group_ = new QActionGroup(this);
    const QString saved = QSettings().value("engine/device", "auto").toString();
    for (const QString& d : {QString("auto"), QString("cpu"), QString("cuda")}) {
        QAction* a = device->addAction(d == "auto" ? tr("Automatic (CUDA when available)") : d.toUpper());
        a->setCheckable(true);
        a->setData(d);
        a->setChecked(d == saved);
        a->setEnabled(d != "cuda" || cuda_available());
        device_group_->addAction(a);
        connect(a, &QAction::triggered, this, [this, d] {
            QSettings().setValue("engine/device", d);
            conv_gflops_ = 0;  // another device: measure it afresh
            measureDevice();
            refresh(true);
        });
    }
    QMenu* precision = settings->addMenu(tr("&Precision"));
    auto* precision_group = new QActionGroup(this);
    const QString saved_precision = QSettings().value("engine/precision", "auto").toString();
    for (const QString& p : {QString("auto"), QString("fp32"), QString("bf16"), QString("fp16")}) {
        QAction* a = precision->addAction(
            p == "auto"   ? tr("Automatic (float16 on CUDA, bfloat16 on CPUs that compute it natively)")
            : p == "fp32" ? tr("Full (float32)")
            : p == "bf16" ? tr("bfloat16 (CPU; about 2x faster upscaling, within one 8-bit level)")
                          : tr("float16 (CUDA GPU; MAXIM tools about 1.3x faster, within one 8-bit level)"));
        a->setCheckable(true);
        a->setChecked(p == saved_precision);
        if (p == "bf16" && !cpu_has_native_bf16()) {
            a->setEnabled(false);  // emulated: slower than float32
            a->setToolTip(tr("This CPU does not compute bfloat16 natively."));
        }
        if (p == "fp16" && !cuda_available()) {
            a->setEnabled(false);
            a->setToolTip(tr("float16 runs on a CUDA GPU; this build of libtorch has none."));
        }
        precision_group->addAction(a);
        connect(a, &QAction::triggered, this, [this, p] {
            QSettings().setValue("engine/precision", p);
            refresh(true);
        });
    }
    settings->addAction(tr("&Tile size…"), this, &MainWindow::chooseTileSize);
    settings->addAction(tr("&Threads…"), this, [this] {
        bool ok = false;
        const int n = QInputDialog::getInt(this, tr("Threads"), tr("CPU threads for the engine (0 = all cores):"),
                                           QSettings().value("engine/threads", 0).toInt(), 0, 256, 1, &ok);
        if (ok) QSettings().setValue("engine/threads", n);
    });
    settings->addAction(tr("Export &quality…"), this, [this] {
        bool ok = false;
        const int qv = QInputDialog::getInt(this, tr("Export quality"), tr("JPEG and WebP quality (1-100):"),
                                            QSettings().value("export/quality", 95).toInt(), 1, 100, 1, &ok);
        if (ok) QSettings().setValue("export/quality", qv);
    });
    QMenu* format = settings->addMenu(tr("Default export &format"));
    auto* formats = new QActionGroup(this);
    const QString current_format = QSettings().value("export/format", "same").toString();
    for (const QString& f : {QString("same"), QString("jpg"), QString("png"), QString("tif"), QString("webp")}) {
        QAction* a = format->addAction(f == "same" ? tr("Same as the original") : f.toUpper());
        a->setCheckable(true);
        a->setChecked(f == current_format);
        formats->addAction(a);
        connect(a, &QAction::triggered, this, [f] { QSettings().setValue("export/format", f); });
    }
}

void MainWindow::buildToolPanel() {
    auto* dock = new QDockWidget(tr("Tools"), this);
    dock->setObjectName("tools-dock");
    auto* panel = new QWidget(dock);
    auto* layout = new QVBoxLayout(panel);
    op_box_ = new QComboBox(panel);
    for (const Operation* op : Registry::instance().all()) {
        op_box_->addItem(q(op->info().name), q(op->info().id));
        op_box_->setItemData(op_box_->count() - 1, q(op->info().description), Qt::ToolTipRole);
    }
    layout->addWidget(op_box_);
    param_widget_ = new QWidget(panel);
    // Room for a slider with its end labels (Fidelity ... Realism) beside the value box.
    param_widget_->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("M")) * 24);
    param_form_ = new QFormLayout(param_widget_);
    layout->addWidget(param_widget_);
    mask_panel_ = new MaskPanel(panel);
    layout->addWidget(mask_panel_);
    connect(mask_panel_, &MaskPanel::toolChanged, view_, &ImageView::setMaskTool);
    connect(mask_panel_, &MaskPanel::brushChanged, view_, &ImageView::setBrush);
    connect(mask_panel_, &MaskPanel::overlayChanged, view_, &ImageView::setMaskOverlay);
    connect(mask_panel_, &MaskPanel::visibilityChanged, view_, &ImageView::setMaskVisible);
    connect(mask_panel_, &MaskPanel::editRequested, this, [this](MaskEdit::Kind kind, double amount) {
        MaskEdit e;
        e.kind = kind;
        e.amount = amount;
        editMask(e);
    });
    connect(mask_panel_, &MaskPanel::detectTextRequested, this, &MainWindow::detectText);
    connect(mask_panel_, &MaskPanel::importRequested, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Import mask (white = selected)"),
                                                       QSettings().value("files/last_dir").toString(), kFilter);
        if (!p.isEmpty()) setMaskFile(p);
    });
    connect(mask_panel_, &MaskPanel::exportRequested, this, [this] {
        if (session_ == nullptr) return;
        const QFileInfo src(q(session_->path().string()));
        const QString op = op_box_->currentData().toString();
        const QString p = QFileDialog::getSaveFileName(this, tr("Export mask"),
                                                       src.dir().filePath(src.completeBaseName() + "-" + op + "-mask.png"),
                                                       "PNG (*.png)");
        if (p.isEmpty()) return;
        const QString err = exportMask(p);
        if (!err.isEmpty()) showError(tr("Cannot export the mask"), err);
    });
    view_->setBrush(mask_panel_->brushRadius(), mask_panel_->hardness());
    view_->setMaskOverlay(mask_panel_->overlayColor(), mask_panel_->overlayOpacity());
    view_->setMaskTool(mask_panel_->tool());
    connect(view_, &ImageView::maskEdited, this, &MainWindow::onMaskEdited);
    availability_ = new QLabel(panel);
    availability_->setWordWrap(true);
    availability_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    availability_->setStyleSheet("color: #d08020");
    layout->addWidget(availability_);
    live_preview_ = new QCheckBox(tr("Live preview of the visible area"), panel);
    live_preview_->setChecked(QSettings().value("engine/live_preview", true).toBool());
    live_preview_->setToolTip(tr("Computes exactly what Apply computes, for the part of the photo in view"));
    layout->addWidget(live_preview_);
    connect(live_preview_, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue("engine/live_preview", on);
        schedulePreview();
    });
    preview_button_ = new QPushButton(tr("Preview"), panel);
    preview_button_->setToolTip(tr("Compute the preview of the visible area now, however long it takes (P). "
                                   "Zoom in to judge a heavy tool on a detail before applying it to the whole photo."));
    connect(preview_button_, &QPushButton::clicked, this, &MainWindow::previewNow);
    apply_button_ = new QPushButton(tr("Apply"), panel);
    apply_button_->setDefault(true);
    connect(apply_button_, &QPushButton::clicked, this, &MainWindow::apply);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(preview_button_);
    buttons->addWidget(apply_button_, 1);
    layout->addLayout(buttons);
    layout->addStretch(1);
    dock->setWidget(panel);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    auto* hist_dock = new QDockWidget(tr("History"), this);
    hist_dock->setObjectName("history-dock");
    history_ = new QListWidget(hist_dock);
    hist_dock->setWidget(history_);
    addDockWidget(Qt::RightDockWidgetArea, hist_dock);

    connect(op_box_, &QComboBox::currentIndexChanged, this, [this] { rebuildParameters(); });
    preview_timer_.setSingleShot(true);
    preview_timer_.setInterval(350);
    connect(&preview_timer_, &QTimer::timeout, this, [this] { startPreview(false); });
    rebuildParameters();
}

void MainWindow::rebuildParameters() {
    while (param_form_->rowCount() > 0) param_form_->removeRow(0);
    param_editors_.clear();
    param_rows_.clear();
    const Operation* op = Registry::instance().find(s(op_box_->currentData().toString()));
    if (op == nullptr) return;
    // Defaults that depend on the photo: the denoiser's JPEG artefacts slider starts at the file's
    // own JPEG quality, estimated when it was opened.
    std::map<std::string, std::string> from_source;
    if (session_ != nullptr) {
        SourceInfo source;
        source.jpeg_quality = session_->original().jpeg_quality;
        from_source = op->source_defaults(source);
    }
    for (const ParamSpec& p : op->info().params) {
        QWidget* editor = nullptr;
        if (p.kind == ParamKind::Choice) {
            auto* box = new QComboBox(param_widget_);
            for (const auto& c : p.choices) box->addItem(q(c + p.unit), q(c));
            box->setCurrentIndex(box->findData(q(p.def_choice)));
            connect(box, &QComboBox::currentIndexChanged, this, [this] {
                updateParameterRows();
                updateAvailability();
                schedulePreview();
            });
            editor = box;
        } else {
            auto* spin = new QDoubleSpinBox(param_widget_);
            spin->setRange(p.min, p.max);
            spin->setSingleStep(p.step);
            spin->setDecimals(p.kind == ParamKind::Integer ? 0 : 2);
            const auto src = from_source.find(p.key);
            const double initial = src != from_source.end() ? std::stod(src->second) : p.def;
            spin->setValue(initial);
            spin->setSuffix(p.unit.empty() ? QString() : " " + q(p.unit));
            connect(spin, &QDoubleSpinBox::valueChanged, this, [this] { schedulePreview(); });
            // A slider beside the spin box, in steps of the schema's step.
            auto* slider = new QSlider(Qt::Horizontal, param_widget_);
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
            auto* row = new QWidget(param_widget_);
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
            param_form_->addRow(q(p.label), row);
            param_editors_[p.key] = spin;
            param_rows_[p.key] = row;
            continue;
        }
        editor->setToolTip(q(p.help));
        param_form_->addRow(q(p.label), editor);
        param_editors_[p.key] = editor;
        param_rows_[p.key] = editor;
    }
    updateParameterRows();
    const bool mask = op->info().mask != MaskUse::None;
    mask_panel_->setVisible(mask);
    mask_panel_->setDetectTextVisible(op->info().id == "erase-text");
    for (QAction* a : mask_actions_) a->setEnabled(mask);
    view_->setMaskLayer(mask ? currentMask() : nullptr);
    updateMaskInfo();
    updateAvailability();
    schedulePreview();
}

bool MainWindow::parameterApplies(const std::string& key) const {
    const Operation* op = Registry::instance().find(s(op_box_->currentData().toString()));
    if (op == nullptr) return true;
    for (const ParamSpec& p : op->info().params) {
        if (p.key != key || p.only_for.empty()) continue;
        const auto eq = p.only_for.find('=');
        auto it = param_editors_.find(p.only_for.substr(0, eq));
        if (it == param_editors_.end()) return true;
        auto* box = qobject_cast<QComboBox*>(it->second);
        return box == nullptr || s(box->currentData().toString()) == p.only_for.substr(eq + 1);
    }
    return true;
}

void MainWindow::updateParameterRows() {
    for (const auto& [key, row] : param_rows_) {
        const bool on = parameterApplies(key);
        row->setVisible(on);
        if (QWidget* label = param_form_->labelForField(row)) label->setVisible(on);
    }
}

std::map<std::string, std::string> MainWindow::currentParameters() const {
    std::map<std::string, std::string> out;
    for (const auto& [key, editor] : param_editors_) {
        if (!parameterApplies(key)) continue;
        if (auto* box = qobject_cast<QComboBox*>(editor)) {
            out[key] = s(box->currentData().toString());
        } else if (auto* spin = qobject_cast<QDoubleSpinBox*>(editor)) {
            out[key] = s(QString::number(spin->value(), 'g', 6));
        }
    }
    return out;
}

void MainWindow::setCompareMode(CompareMode mode) {
    for (QAction* a : compare_group_->actions()) {
        if (a->data().toInt() == static_cast<int>(mode)) a->trigger();
    }
}

void MainWindow::selectOperation(const QString& id) { op_box_->setCurrentIndex(op_box_->findData(id)); }

void MainWindow::setParameter(const QString& key, const QString& value) {
    auto it = param_editors_.find(s(key));
    if (it == param_editors_.end()) return;
    if (auto* box = qobject_cast<QComboBox*>(it->second)) box->setCurrentIndex(box->findData(value));
    if (auto* spin = qobject_cast<QDoubleSpinBox*>(it->second)) spin->setValue(value.toDouble());
    updateAvailability();
}

MaskLayer* MainWindow::currentMask() {
    if (session_ == nullptr) return nullptr;
    const std::string id = s(op_box_->currentData().toString());
    const Operation* op = Registry::instance().find(id);
    if (op == nullptr || op->info().mask == MaskUse::None) return nullptr;
    auto& layer = masks_[id];
    if (!layer) layer = std::make_unique<MaskLayer>(session_->current().size());
    return layer.get();
}

void MainWindow::detectText() {
    if (session_ == nullptr || running_id_ != 0 || currentMask() == nullptr) return;
    Job job;
    job.id = next_id_++;
    job.detect_text = true;
    job.image = session_->current();
    job.threads = QSettings().value("engine/threads", 0).toInt();
    try {
        job.device = parse_device(s(QSettings().value("engine/device", "auto").toString()));
        (void)require_model(kTextDetectorId);
    } catch (const std::exception& e) {
        showError(tr("Cannot detect text"), q(e.what()));
        return;
    }
    invalidatePreview();
    preview_timer_.stop();
    running_id_ = job.id;
    running_cancel_ = job.cancel;
    job_timer_.start();
    setBusy(true);
    status_->setText(tr("Looking for text…"));
    host_.submit(job);
}

void MainWindow::editMask(const MaskEdit& edit) {
    MaskLayer* layer = currentMask();
    if (layer == nullptr || running_id_ != 0) return;
    const cv::Rect r = layer->apply(edit);
    if (r.area() == 0) return;
    view_->updateImageRect(r);
    onMaskEdited();
}

bool MainWindow::setMaskFile(const QString& path) {
    MaskLayer* layer = currentMask();
    if (layer == nullptr) {
        showError(tr("No mask here"), tr("The current tool does not use a mask."));
        return false;
    }
    try {
        const LoadedImage img = load_image(s(path));
        MaskEdit e;
        e.kind = MaskEdit::Kind::Import;
        e.bitmap = binarize_mask(img.pixels);
        const cv::Size want = layer->size();
        if (e.bitmap.size() != want) {
            // Same picture at another size (e.g. exported before an upscale): resampled. Else refused.
            const double a = static_cast<double>(e.bitmap.cols) / e.bitmap.rows;
            const double b = static_cast<double>(want.width) / want.height;
            if (std::abs(a / b - 1.0) > 0.01) {
                throw std::runtime_error(QString("the mask is %1 × %2 but the photo is %3 × %4; a mask must have the "
                                                 "photo's size or at least its shape")
                                             .arg(e.bitmap.cols)
                                             .arg(e.bitmap.rows)
                                             .arg(want.width)
                                             .arg(want.height)
                                             .toStdString());
            }
        }
        editMask(e);
    } catch (const std::exception& e) {
        showError(tr("Cannot import the mask"), QString("%1: %2").arg(QFileInfo(path).fileName(), q(e.what())));
        return false;
    }
    status_->setText(tr("Mask imported from %1").arg(QFileInfo(path).fileName()));
    return true;
}

QString MainWindow::exportMask(const QString& path) {
    MaskLayer* layer = currentMask();
    if (layer == nullptr) return tr("The current tool does not use a mask.");
    const cv::Mat& m = layer->coverage();
    const QImage img(m.data, m.cols, m.rows, static_cast<qsizetype>(m.step), QImage::Format_Grayscale8);
    QSaveFile file(path);  // a temp file renamed over the target: never a half-written mask
    if (!file.open(QIODevice::WriteOnly)) return tr("Cannot write %1: %2").arg(path, file.errorString());
    if (!img.save(&file, "PNG") || !file.commit()) return tr("Cannot write %1: %2").arg(path, file.errorString());
    status_->setText(tr("Mask exported to %1").arg(QFileInfo(path).fileName()));
    return {};
}

void MainWindow::onMaskEdited() {
    MaskLayer* layer = currentMask();
    if (layer == nullptr || !layer->can_undo()) return;
    const QString what = q(mask_edit_name(layer->last_edit().kind));
    recordStep(true, s(op_box_->currentData().toString()), what);
    mask_panel_->setMaskVisible(view_->maskVisible());
    updateMaskInfo();
    updateAvailability();
    schedulePreview();
}

void MainWindow::updateMaskInfo() {
    MaskLayer* layer = view_->maskLayer();
    if (layer == nullptr) {
        mask_panel_->setInfo({});
        return;
    }
    const double f = layer->selected_fraction();
    mask_panel_->setInfo(f == 0 ? tr("Nothing selected yet: paint over what the tool should change.")
                                : tr("%1% of the photo selected").arg(f * 100, 0, 'f', f < 0.1 ? 2 : 1));
}

void MainWindow::syncMaskSizes() {
    if (session_ == nullptr) return;
    const cv::Size size = session_->current().size();
    for (auto& [id, layer] : masks_) {
        if (layer->size() != size) layer->resample(size);  // an operation changed the image size
    }
}

void MainWindow::recordStep(bool mask, const std::string& op, const QString& label) {
    steps_.resize(step_pos_);
    steps_.push_back({mask, op, label});
    ++step_pos_;
    updateUndoActions();
}

void MainWindow::updateUndoActions() {
    const bool idle = session_ != nullptr && running_id_ == 0;
    undo_action_->setEnabled(idle && step_pos_ > 0);
    redo_action_->setEnabled(idle && step_pos_ < steps_.size());
    undo_action_->setText(step_pos_ > 0 ? tr("&Undo %1").arg(steps_[step_pos_ - 1].label) : tr("&Undo"));
    redo_action_->setText(step_pos_ < steps_.size() ? tr("&Redo %1").arg(steps_[step_pos_].label) : tr("&Redo"));
}

// A tool whose model is missing or corrupt is disabled, with the command that restores it.
void MainWindow::updateAvailability() {
    QString problem;
    const Operation* op = Registry::instance().find(s(op_box_->currentData().toString()));
    if (op != nullptr) {
        // Checking a model hashes its weight file: remember the answer per tool and settings.
        std::string key = op->info().id;
        for (const auto& [k, v] : currentParameters()) key += ";" + k + "=" + v;
        auto cached = availability_cache_.find(key);
        if (cached == availability_cache_.end()) {
            QString result;
            try {
                op->check_available(op->resolve(currentParameters()));
            } catch (const std::exception& e) {
                result = q(e.what());
            }
            cached = availability_cache_.emplace(key, result).first;
        }
        problem = cached->second;
        const MaskLayer* layer = view_->maskLayer();
        if (problem.isEmpty() && op->info().mask == MaskUse::Required && session_ != nullptr &&
            (layer == nullptr || layer->empty())) {
            problem = tr("Paint over what this tool should change (B brush, R rectangle, L lasso) or import a mask.");
        }
    }
    availability_->setText(problem);
    availability_->setVisible(!problem.isEmpty());
    apply_button_->setEnabled(problem.isEmpty() && session_ != nullptr && running_id_ == 0);
    preview_button_->setEnabled(apply_button_->isEnabled());
}

bool MainWindow::openFile(const QString& path) {
    if (running_id_ != 0) {
        showError(tr("Busy"), tr("Wait for the running job to finish or cancel it first."));
        return false;
    }
    try {
        auto next = std::make_unique<EditSession>(s(path));
        view_->setMaskLayer(nullptr);
        masks_.clear();  // masks belong to a photo
        steps_.clear();
        step_pos_ = 0;
        session_ = std::move(next);
    } catch (const std::exception& e) {
        showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), q(e.what()));
        return false;
    }
    last_export_.clear();
    availability_cache_.clear();
    addRecent(path);
    refresh(false);
    rebuildParameters();  // attaches the tool's (new) mask
    schedulePreview();
    status_->setText(tr("Opened %1").arg(QFileInfo(path).fileName()));
    return true;
}

void MainWindow::refresh(bool keep_view) {
    const bool has = session_ != nullptr;
    if (has) {
        syncMaskSizes();
        view_->setImages(to_qimage(session_->before_last()), to_qimage(session_->current()), keep_view);
        const cv::Mat& m = session_->current();
        size_label_->setText(QString("%1 × %2, %3-bit").arg(m.cols).arg(m.rows).arg(m.depth() == CV_16U ? 16 : 8));
        setWindowTitle(QString("%1 — Restora").arg(QFileInfo(q(session_->path().string())).fileName()));
        history_->clear();
        history_->addItem(tr("Original"));
        for (const auto& e : session_->history().entries) {
            QString line = q(e.op);
            for (const auto& [k, v] : e.params) line += QString(" %1=%2").arg(q(k), q(v));
            if (!e.precision.empty()) line += QString(" (%1)").arg(q(e.precision));  // bf16: Settings → Precision
            history_->addItem(line);
        }
        history_->setCurrentRow(history_->count() - 1);
    } else {
        view_->setImages({}, {}, false);
    }
    QString device = "cpu";
    QString precision = "fp32";
    try {
        const DeviceKind kind = parse_device(s(QSettings().value("engine/device", "auto").toString()));
        device = q(resolve_device_name(kind));
        precision = q(precision_name(precisionFor(kind)));
    } catch (const std::exception&) {
    }
    device_label_->setText(tr("Device: %1 (%2)").arg(device, precision));
    updateUndoActions();
    updateMaskInfo();
    updateAvailability();
}

void MainWindow::apply() {
    if (session_ == nullptr || running_id_ != 0) return;
    Job job;
    job.id = next_id_++;
    job.op = s(op_box_->currentData().toString());
    job.params = currentParameters();
    job.image = session_->current();
    try {
        job.device = parse_device(s(QSettings().value("engine/device", "auto").toString()));
        const Operation& op = Registry::instance().get(job.op);
        const Params p = op.resolve(job.params);
        op.check_available(p);
        if (MaskLayer* m = currentMask(); m != nullptr && !m->empty()) job.mask = m->binary();
        if (op.info().mask == MaskUse::Required && job.mask.empty()) {
            showError(tr("Nothing selected"),
                      tr("Paint over what %1 should change (B brush, R rectangle, L lasso) or import a mask first.")
                          .arg(op_box_->currentText()));
            return;
        }
        job.tile = tileFor(job.device, op, p);
        job.precision = precisionFor(job.device);
    } catch (const std::exception& e) {
        showError(tr("Cannot apply"), q(e.what()));
        return;
    }
    job.threads = QSettings().value("engine/threads", 0).toInt();
    if (!confirmEstimate(job, job.tile)) return;
    invalidatePreview();
    preview_timer_.stop();
    preview_armed_ = false;  // after Apply, preview again only when the tool or a setting changes
    running_id_ = job.id;
    running_cancel_ = job.cancel;
    job_timer_.start();
    setBusy(true);
    status_->setText(tr("Running %1 (estimated %2 s)…").arg(op_box_->currentText()).arg(qRound(estimate_seconds_)));
    host_.submit(job);
}

bool MainWindow::askYesNo(const QString& title, const QString& text) {
    if (QApplication::platformName() == "offscreen") return true;  // tests: no modal dialogs
    return QMessageBox::question(this, title, text) == QMessageBox::Yes;
}

bool MainWindow::confirmEstimate(const Job& job, int& tile) {
    const Operation& op = Registry::instance().get(job.op);
    const Params p = op.resolve(job.params);
    const double gflops = conv_gflops_ > 0 ? conv_gflops_ : 100.0;  // until measured: a slow CPU
    const int bpp = static_cast<int>(job.image.elemSize());
    if (op.has_cached_pass(job.image, p, OpContext{job.device, tile, {}, nullptr, job.precision})) {
        estimate_seconds_ = 1;  // after a preview of retouch or enhance-lowlight: the whole-photo pass is done
        return true;
    }
    JobEstimate e = estimate_job(op, p, job.image.size(), bpp, tile, gflops, job.precision);
    const double avail = 0.8 * static_cast<double>(available_memory_bytes());
    if (avail > 0 && e.peak_bytes + e.output_bytes > avail) {
        const int smaller = tile_that_fits(op, p, job.image.size(), bpp, tile, gflops, avail, job.precision);
        const QString need = QString::number((e.peak_bytes + e.output_bytes) / 1e9, 'f', 1);
        const QString have = QString::number(avail / 1e9, 'f', 1);
        if (smaller == 0) {
            showError(tr("Not enough memory"),
                      tr("This job needs about %1 GB and %2 GB are available, even with small tiles.").arg(need, have));
            return false;
        }
        if (!askYesNo(tr("Not enough memory"),
                      tr("At tiles of %1 px this job needs about %2 GB, and %3 GB are available.\n\nUse tiles of %4 px "
                         "instead? (Same result, a little slower.)").arg(tile).arg(need, have).arg(smaller))) {
            return false;
        }
        tile = smaller;
        e = estimate_job(op, p, job.image.size(), bpp, tile, gflops, job.precision);
    }
    if (e.seconds > 120) {
        if (!askYesNo(tr("Long job"), tr("%1 on this photo will take about %2 minutes on this device (%3). Continue?")
                                          .arg(op_box_->currentText())
                                          .arg(qRound(e.seconds / 60))
                                          .arg(q(e.basis)))) {
            return false;
        }
    }
    estimate_seconds_ = e.seconds;
    return true;
}

void MainWindow::setLivePreview(bool on) { live_preview_->setChecked(on); }

void MainWindow::invalidatePreview() {
    preview_valid_from_ = next_id_;
    pending_preview_.reset();
    if (preview_running_id_ != 0) preview_cancel_.request();
    view_->clearPreview();
}

void MainWindow::schedulePreview() {
    invalidatePreview();
    preview_armed_ = true;
    if (session_ == nullptr || live_preview_ == nullptr || !live_preview_->isChecked()) return;
    preview_timer_.start();
}

void MainWindow::previewNow() {
    if (session_ == nullptr || running_id_ != 0) return;
    preview_timer_.stop();
    invalidatePreview();
    startPreview(true);
}

void MainWindow::startPreview(bool requested) {
    preview_skipped_ = false;
    if (session_ == nullptr || running_id_ != 0 || (!requested && !live_preview_->isChecked())) return;
    double seconds = 0;
    Job job;
    job.op = s(op_box_->currentData().toString());
    job.params = currentParameters();
    job.image = session_->current();
    job.preview = true;
    try {
        job.device = parse_device(s(QSettings().value("engine/device", "auto").toString()));
        const Operation& op = Registry::instance().get(job.op);
        const Params p = op.resolve(job.params);
        op.check_available(p);
        if (MaskLayer* m = currentMask(); m != nullptr && !m->empty()) job.mask = m->binary();
        if (op.info().mask == MaskUse::Required && job.mask.empty()) return;
        const QRect v = view_->visibleImageRect();
        if (v.isEmpty()) return;
        job.region = cv::Rect(v.x(), v.y(), v.width(), v.height());
        if (!requested && shown_preview_id_ >= preview_valid_from_ && shown_preview_id_ != 0 &&
            (job.region & last_preview_region_) == job.region) {
            return;  // the preview on screen already covers the view (a redraw, or zoomed in on it)
        }
        job.tile = tileFor(job.device, op, p);
        job.precision = precisionFor(job.device);
        job.threads = QSettings().value("engine/threads", 0).toInt();
        JobEstimate e = estimate_preview(op, p, job.image.size(), job.region.size(),
                                         static_cast<int>(job.image.elemSize()), job.tile,
                                         conv_gflops_ > 0 ? conv_gflops_ : 100.0, job.precision);
        if (e.seconds > 5.0 && op.has_cached_pass(job.image, p, OpContext{job.device, job.tile, {}, nullptr, job.precision})) {
            e.seconds = 0.5;  // this photo's whole-photo pass is done; only carrying it is left
        }
        if (e.seconds > 5.0 && !requested) {
            preview_skipped_ = true;
            status_->setText(tr("Live preview skipped: about %1 s for the visible area on this device; "
                                "press Preview (P) to compute it anyway, or Apply")
                                 .arg(qRound(e.seconds)));
            return;
        }
        seconds = e.seconds;
    } catch (const std::exception& e) {
        if (requested) showError(tr("Cannot preview"), q(e.what()));
        return;  // the live preview stays quiet: the tool panel already says what is wrong
    }
    job.id = next_id_++;
    if (requested) {
        if (requested_preview_id_ != 0) endRequestedPreview(requested_preview_id_);
        requested_preview_id_ = job.id;
        progress_->setValue(0);
        progress_->setVisible(true);
        cancel_button_->setVisible(true);
        status_->setText(tr("Previewing the visible area (about %1 s)…").arg(std::max(1, qRound(seconds))));
        job_timer_.start();
    }
    if (preview_running_id_ != 0) {
        preview_cancel_.request();  // the newest request wins
        pending_preview_ = job;
    } else {
        submitPreview(job);
    }
}

void MainWindow::submitPreview(const Job& job) {
    preview_running_id_ = job.id;
    preview_cancel_ = job.cancel;
    host_.submit(job);
}

void MainWindow::endRequestedPreview(int id) {
    if (id != requested_preview_id_ || id == 0) return;
    requested_preview_id_ = 0;
    if (running_id_ == 0) {  // else the bar and the button belong to the running job now
        progress_->setVisible(false);
        cancel_button_->setVisible(false);
    }
}

void MainWindow::cancelJob() {
    if (running_id_ == 0 && requested_preview_id_ != 0) {
        if (pending_preview_ && pending_preview_->id == requested_preview_id_) {  // not started yet
            pending_preview_.reset();
            endRequestedPreview(requested_preview_id_);
            status_->setText(tr("Preview cancelled"));
            emit previewFailed(true);
            return;
        }
        preview_cancel_.request();
        status_->setText(tr("Cancelling the preview…"));
        return;
    }
    if (running_id_ == 0) return;
    running_cancel_.request();
    status_->setText(tr("Cancelling…"));
}

void MainWindow::onProgress(int id, int percent) {
    if (id != 0 && id == requested_preview_id_ && running_id_ == 0) {
        progress_->setValue(percent);
        if (percent > 0) {
            const double elapsed = job_timer_.elapsed() / 1000.0;
            status_->setText(tr("Previewing the visible area: %1% — about %2 s left")
                                 .arg(percent)
                                 .arg(qRound(elapsed * (100 - percent) / percent)));
        }
        return;
    }
    if (id != running_id_) return;  // live previews run without a progress bar
    progress_->setValue(percent);
    emit jobProgress(percent);
    if (percent > 0) {
        const double elapsed = job_timer_.elapsed() / 1000.0;
        const double left = elapsed * (100 - percent) / percent;
        status_->setText(tr("%1% — about %2 s left").arg(percent).arg(qRound(left)));
    }
}

void MainWindow::onFinished(const JobResult& r) {
    if (r.preview) {
        if (r.id == preview_running_id_) preview_running_id_ = 0;
        const bool requested = r.id == requested_preview_id_;
        endRequestedPreview(r.id);
        const bool show = r.id >= preview_valid_from_ && running_id_ == 0 && session_ != nullptr;
        if (requested && !show) emit previewFailed(true);  // replaced by a newer request or by Apply
        if (show) {
            last_preview_ = r.pixels;
            last_preview_region_ = r.region;
            shown_preview_id_ = r.id;
            const QImage current = to_qimage(session_->current());
            view_->setImages(current, current, true);  // compare: the photo now vs the preview
            view_->setPreview(to_qimage(r.pixels), QRectF(r.region.x, r.region.y, r.region.width, r.region.height));
            status_->setText(tr("Preview of the visible area in %1 s").arg(r.seconds, 0, 'f', 1));
            emit previewShown();
        }
        if (pending_preview_ && running_id_ == 0) {
            const Job next = *pending_preview_;
            pending_preview_.reset();
            submitPreview(next);
        }
        return;
    }
    if (r.id != running_id_) return;
    running_id_ = 0;
    if (r.detect_text) {
        setBusy(false);
        if (r.text_regions == 0) {
            status_->setText(tr("No text found; paint over the text to remove instead"));
        } else {
            MaskEdit e;
            e.kind = MaskEdit::Kind::Union;
            e.bitmap = r.mask;
            editMask(e);
            status_->setText(tr("%n text region(s) found and added to the mask in %1 s — adjust it, then Apply", "",
                                r.text_regions)
                                 .arg(r.seconds, 0, 'f', 1));
        }
        emit jobDone(true);
        return;
    }
    session_->push(r.pixels, r.entry, r.mask);
    recordStep(false, r.entry.op, q(r.entry.op));
    setBusy(false);
    refresh(true);
    QString msg = tr("%1 done in %2 s").arg(q(r.entry.op)).arg(r.seconds, 0, 'f', 1);
    for (const auto& w : r.warnings) msg += " — " + q(w);
    status_->setText(msg);
    emit jobDone(true);
}

void MainWindow::onFailed(int id, const QString& message, bool cancelled) {
    if (id == requested_preview_id_ && id != 0) {
        endRequestedPreview(id);
        if (running_id_ == 0) {
            status_->setText(cancelled ? tr("Preview cancelled") : tr("Preview failed"));
            if (!cancelled) showError(tr("The preview failed"), message);
        }
        emit previewFailed(cancelled);
    }
    if (id == preview_running_id_) {
        preview_running_id_ = 0;
        if (pending_preview_ && running_id_ == 0) {
            const Job next = *pending_preview_;
            pending_preview_.reset();
            submitPreview(next);
        }
        return;
    }
    if (id != running_id_) return;
    running_id_ = 0;
    setBusy(false);
    refresh(true);  // nothing was pushed: the state before the job is what is shown
    status_->setText(cancelled ? tr("Cancelled; nothing changed") : tr("Failed"));
    if (!cancelled) showError(tr("The operation failed"), message);
    emit jobDone(false);
}

void MainWindow::setBusy(bool busy) {
    progress_->setVisible(busy);
    progress_->setValue(0);
    cancel_button_->setVisible(busy);
    op_box_->setEnabled(!busy);
    param_widget_->setEnabled(!busy);
    updateAvailability();
    if (mask_panel_ != nullptr) mask_panel_->setEnabled(!busy);
    updateUndoActions();
}

void MainWindow::undo() {
    if (session_ == nullptr || running_id_ != 0 || step_pos_ == 0) return;
    const UndoStep step = steps_[step_pos_ - 1];
    if (step.mask) {
        selectOperation(q(step.op));  // show the mask being changed
        auto it = masks_.find(step.op);
        if (it == masks_.end() || !it->second->can_undo()) return;
        --step_pos_;
        view_->updateImageRect(it->second->undo());
        updateMaskInfo();
        updateUndoActions();
        updateAvailability();
        schedulePreview();
        return;
    }
    if (!session_->can_undo()) return;
    --step_pos_;
    session_->undo();
    refresh(true);
    schedulePreview();
}

void MainWindow::redo() {
    if (session_ == nullptr || running_id_ != 0 || step_pos_ >= steps_.size()) return;
    const UndoStep step = steps_[step_pos_];
    if (step.mask) {
        selectOperation(q(step.op));
        auto it = masks_.find(step.op);
        if (it == masks_.end() || !it->second->can_redo()) return;
        ++step_pos_;
        view_->updateImageRect(it->second->redo());
        updateMaskInfo();
        updateUndoActions();
        updateAvailability();
        schedulePreview();
        return;
    }
    if (!session_->can_redo()) return;
    ++step_pos_;
    session_->redo();
    refresh(true);
    schedulePreview();
}

QString MainWindow::exportTo(const QString& path, bool allow_loss) {
    if (session_ == nullptr) return tr("Nothing to export");
    try {
        ExportOptions o;
        o.allow_loss = allow_loss;
        o.overwrite = true;  // the dialog already asked
        o.jpeg_quality = QSettings().value("export/quality", 95).toInt();
        o.webp_quality = o.jpeg_quality;
        session_->export_to(s(path), o);
    } catch (const std::exception& e) {
        return q(e.what());
    }
    last_export_ = path;
    status_->setText(tr("Exported %1").arg(QFileInfo(path).fileName()));
    return {};
}

void MainWindow::exportDialog() {
    if (session_ == nullptr) return;
    const QFileInfo src(q(session_->path().string()));
    QString ext = QSettings().value("export/format", "same").toString();
    if (ext == "same") ext = src.suffix().compare("bmp", Qt::CaseInsensitive) == 0 ? "png" : src.suffix();
    const QString suggested = src.dir().filePath(src.completeBaseName() + "-restored." + ext);
    const QString path = QFileDialog::getSaveFileName(this, tr("Export"), suggested,
                                                      "JPEG (*.jpg);;PNG (*.png);;TIFF (*.tif);;WebP (*.webp)");
    if (path.isEmpty()) return;
    bool allow = false;
    const auto losses = session_->export_losses_for(s(path));
    if (!losses.empty()) {
        QString list;
        for (const auto& l : losses) list += "\n• " + q(l);
        if (QMessageBox::question(this, tr("Export would lose data"),
                                  tr("Saving as %1 would lose:%2\n\nExport anyway?").arg(QFileInfo(path).suffix().toUpper(), list)) !=
            QMessageBox::Yes) {
            return;
        }
        allow = true;
    }
    const QString err = exportTo(path, allow);
    if (!err.isEmpty()) showError(tr("Export failed"), err);
}

void MainWindow::openDialog() {
    const QString dir = QSettings().value("files/last_dir").toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open photo"), dir, kFilter);
    if (path.isEmpty()) return;
    QSettings().setValue("files/last_dir", QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::measureDevice() {
    try {
        host_.measure(parse_device(s(QSettings().value("engine/device", "auto").toString())));
    } catch (const std::exception&) {
        host_.measure(DeviceKind::Cpu);
    }
}

// The networks' arithmetic from Settings → Precision; a choice this device cannot take (bfloat16
// on CUDA, float16 on the CPU) falls back to float32.
Precision MainWindow::precisionFor(DeviceKind device) {
    try {
        return resolve_precision(s(QSettings().value("engine/precision", "auto").toString()), device);
    } catch (const std::exception&) {
        return Precision::F32;
    }
}

int MainWindow::tileFor(DeviceKind device, const Operation& op, const Params& params) {
    const QVariant chosen = QSettings().value("engine/tile");
    return chosen.isValid() ? chosen.toInt() : default_tile_for(device, op, params);
}

void MainWindow::chooseTileSize() {
    const DeviceKind device = parse_device(s(QSettings().value("engine/device", "auto").toString()));
    QInputDialog dialog(this);
    dialog.setWindowTitle(tr("Tile size"));
    dialog.setLabelText(tr("Tile size in pixels (0 = whole image in one call).\nAutomatic: %1 px on this device, "
                           "1024 px for MAXIM's tools when the memory allows.")
                            .arg(default_tile(device)));
    dialog.setInputMode(QInputDialog::IntInput);
    dialog.setIntRange(-32, 4096);
    dialog.setIntStep(32);
    dialog.setIntValue(QSettings().value("engine/tile", -32).toInt());
    // The range's lowest value reads "Automatic": each tool's own default (default_tile_for).
    if (auto* spin = dialog.findChild<QSpinBox*>()) spin->setSpecialValueText(tr("Automatic"));
    if (dialog.exec() != QDialog::Accepted) return;
    const int tile = dialog.intValue();
    if (tile < 0) {
        QSettings().remove("engine/tile");
    } else {
        QSettings().setValue("engine/tile", tile == 0 ? 0 : std::max(32, tile));
    }
}

void MainWindow::addRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("files/recent").toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    recent.removeAll(abs);
    recent.prepend(abs);
    while (recent.size() > 10) recent.removeLast();
    settings.setValue("files/recent", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recent_menu_->clear();
    const QStringList recent = QSettings().value("files/recent").toStringList();
    for (const QString& p : recent) {
        recent_menu_->addAction(QFileInfo(p).fileName(), this, [this, p] { openFile(p); })->setToolTip(p);
    }
    recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::showError(const QString& title, const QString& message) {
    status_->setText(title);
    if (QApplication::platformName() == "offscreen") return;  // tests read the status line
    QMessageBox::warning(this, title, message);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) openFile(urls.first().toLocalFile());
}

void MainWindow::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Backslash && !event->isAutoRepeat()) {
        view_->setShowOriginal(true);
        return;
    }
    QMainWindow::keyPressEvent(event);
}

void MainWindow::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Backslash && !event->isAutoRepeat()) {
        view_->setShowOriginal(false);
        return;
    }
    QMainWindow::keyReleaseEvent(event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (running_id_ != 0) {
        running_cancel_.request();
    }
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    event->accept();
}

}  // namespace restora::ui
