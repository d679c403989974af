#include "main_window.h"

#include <algorithm>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

#include "auto_panel.h"
#include "engine_settings.h"
#include "file_dialogs.h"
#include "help_dialogs.h"
#include "history_list.h"
#include "mask_files.h"
#include "mask_panel.h"
#include "parameter_form.h"
#include "qt_image.h"
#include "settings_menu.h"
#include "tool_panel.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string s(const QString& q) { return q.toStdString(); }

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle("Restora");
    setAcceptDrops(true);
    view_ = new ImageView(this);
    setCentralWidget(view_);
    jobs_ = std::make_unique<JobController>(this, static_cast<JobSource*>(this));
    status_ = new QLabel(this);
    device_label_ = new QLabel(this);
    size_label_ = new QLabel(this);
    zoom_label_ = new QLabel(this);
    connectJobs();
    buildToolPanel();
    buildMenus();
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(jobs_->progressBar());
    statusBar()->addPermanentWidget(jobs_->cancelButton());
    statusBar()->addPermanentWidget(size_label_);
    statusBar()->addPermanentWidget(zoom_label_);
    statusBar()->addPermanentWidget(device_label_);
    connect(view_, &ImageView::viewChanged, jobs_.get(), &JobController::viewMoved);
    connect(view_, &ImageView::zoomChanged, this,
            [this](double z) { zoom_label_->setText(QString("%1%").arg(qRound(z * 100))); });
    restoreGeometry(EngineSettings::windowGeometry());
    const bool restored = restoreState(EngineSettings::windowState());
    resize(EngineSettings::windowSize());
    fitToScreen(!restored);
    refresh(false);
}

MainWindow::~MainWindow() = default;

void MainWindow::fitToScreen(bool first_layout) {
    const QScreen* s = screen();
    if (s == nullptr) return;
    const QRect avail = s->availableGeometry();
    if (width() > avail.width() || height() > avail.height()) {
        resize(std::min(width(), avail.width()), std::min(height(), avail.height()));
        move(avail.topLeft());
    }
    // On a small screen History and Auto share the left dock with the Tools (tabs), so the photo
    // keeps most of the width.
    if (first_layout && avail.width() < 1100) {
        auto* tools = findChild<QDockWidget*>("tools-dock");
        if (tools != nullptr) {
            for (const char* name : {"history-dock", "auto-dock"}) {
                if (auto* dock = findChild<QDockWidget*>(name)) tabifyDockWidget(tools, dock);
            }
            tools->raise();
        }
    }
}

void MainWindow::connectJobs() {
    JobController* j = jobs_.get();
    connect(j, &JobController::statusChanged, status_, &QLabel::setText);
    connect(j, &JobController::errorRaised, this, &MainWindow::showError);
    connect(j, &JobController::busyChanged, this, &MainWindow::setBusy);
    connect(j, &JobController::applied, this, &MainWindow::onApplied);
    connect(j, &JobController::applyFailed, this, [this] { refresh(true); });
    connect(j, &JobController::detected, this,
            [this](const cv::Mat& mask) { editMask(MaskEdit::whole(MaskEdit::Kind::Union, 0, mask)); });
    connect(j, &JobController::previewReady, this, [this](const PreviewResult& r) {
        const QImage current = to_qimage(session_->current());
        view_->setImages(current, current, true);  // compare: the photo now vs the preview
        view_->setAfterLabel({});
        view_->setPreview(to_qimage(r.pixels), QRectF(r.region.x, r.region.y, r.region.width, r.region.height));
    });
    connect(j, &JobController::previewCleared, view_, &ImageView::clearPreview);
    connect(j, &JobController::jobDone, this, &MainWindow::jobDone);
    connect(j, &JobController::previewShown, this, &MainWindow::previewShown);
    connect(j, &JobController::previewFailed, this, &MainWindow::previewFailed);
    connect(j, &JobController::jobProgress, this, &MainWindow::jobProgress);
}

JobInputs MainWindow::jobInputs() {
    JobInputs in;
    in.op = s(tools_->operationId());
    in.tool = tools_->toolName();
    in.params = tools_->form()->values();
    in.image = session_->current();
    if (MaskLayer* m = currentMask(); m != nullptr) in.mask = m->job_mask();
    const QRect v = view_->visibleImageRect();
    in.visible = cv::Rect(v.x(), v.y(), v.width(), v.height());
    return in;
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), this, &MainWindow::openDialog)->setShortcut(QKeySequence::Open);
    recent_menu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    QAction* save = file->addAction(tr("&Export"), this, [this] {
        if (last_export_.isEmpty() || session_ == nullptr) {
            exportDialog();
        } else {
            const QString err = exportTo(last_export_, false);
            if (!err.isEmpty()) showError(tr("Export failed"), err);
        }
    });
    save->setShortcut(QKeySequence::Save);
    file->addAction(tr("Export &As…"), this, &MainWindow::exportDialog)->setShortcut(QKeySequence("Ctrl+Shift+S"));
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    undo_action_ = edit->addAction(tr("&Undo"), this, &MainWindow::undo);
    undo_action_->setShortcut(QKeySequence("Ctrl+Z"));
    redo_action_ = edit->addAction(tr("&Redo"), this, &MainWindow::redo);
    redo_action_->setShortcut(QKeySequence("Ctrl+Shift+Z"));

    buildViewMenu();

    mask_actions_ = mask_panel_->fillMenu(menuBar()->addMenu(tr("&Mask")));
    const Operation* current = tools_->operation();
    for (QAction* a : mask_actions_) a->setEnabled(current != nullptr && current->info().mask != MaskUse::None);

    auto* settings = new SettingsMenu(this);
    menuBar()->addMenu(settings);
    connect(settings, &SettingsMenu::deviceChanged, this, [this] {
        jobs_->deviceChanged();
        refresh(true);
    });
    connect(settings, &SettingsMenu::precisionChanged, this, [this] { refresh(true); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), this, [this] { showShortcuts(this); })
        ->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About Restora"), this, [this] { showAbout(this); });
}

void MainWindow::buildViewMenu() {
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit"), QKeySequence("F"), view_, &ImageView::fitToWindow);
    view->addAction(tr("&100%"), QKeySequence("1"), view_, &ImageView::actualSize);
    view->addAction(tr("Zoom &In"), QKeySequence("+"), view_, &ImageView::zoomIn);
    view->addAction(tr("Zoom &In"), QKeySequence("="), view_, &ImageView::zoomIn)->setVisible(false);
    view->addAction(tr("Zoom &Out"), QKeySequence("-"), view_, &ImageView::zoomOut);
    view->addSeparator();
    view->addAction(tr("&Preview the Visible Area"), QKeySequence("P"), this, &MainWindow::previewNow);
    view->addSeparator();
    QToolBar* bar = addToolBar(tr("Compare"));
    bar->setObjectName("compare-toolbar");
    compare_group_ = view_->addCompareActions(view, bar);
    view->addAction(tr("Hold \\ to see the original"))->setEnabled(false);
}

void MainWindow::buildToolPanel() {
    auto* dock = new QDockWidget(tr("Tools"), this);
    dock->setObjectName("tools-dock");
    tools_ = new ToolPanel(dock);
    mask_panel_ = tools_->maskPanel();
    connect(tools_->form(), &ParameterForm::choiceChanged, this, [this] {
        updateAvailability();
        jobs_->schedulePreview();
    });
    connect(tools_->form(), &ParameterForm::numberChanged, jobs_.get(), &JobController::schedulePreview);
    connectMaskPanel();
    tools_->livePreview()->setChecked(jobs_->livePreview());
    connect(tools_->livePreview(), &QCheckBox::toggled, this, [this](bool on) {
        EngineSettings::setLivePreview(on);
        jobs_->setLivePreview(on);
    });
    connect(tools_, &ToolPanel::previewClicked, this, &MainWindow::previewNow);
    connect(tools_, &ToolPanel::applyClicked, this, &MainWindow::apply);
    // The panel scrolls when the window is short, so Apply is always reachable.
    tools_scroll_ = new QScrollArea(dock);
    tools_scroll_->setWidget(tools_);
    tools_scroll_->setWidgetResizable(true);
    tools_scroll_->setFrameShape(QFrame::NoFrame);
    tools_scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    dock->setWidget(tools_scroll_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    auto* hist_dock = new QDockWidget(tr("History"), this);
    hist_dock->setObjectName("history-dock");
    history_ = new HistoryList(hist_dock);
    connect(history_, &HistoryList::stepRequested, this, &MainWindow::showStep);
    hist_dock->setWidget(history_);
    addDockWidget(Qt::RightDockWidgetArea, hist_dock);
    auto_ = AutoPanel::attach(this, tools_, jobs_.get());

    connect(tools_, &ToolPanel::operationChanged, this, [this] { rebuildParameters(); });
    rebuildParameters();
}

void MainWindow::connectMaskPanel() {
    connect(mask_panel_, &MaskPanel::toolChanged, view_, &ImageView::setMaskTool);
    connect(mask_panel_, &MaskPanel::brushChanged, view_, &ImageView::setBrush);
    connect(mask_panel_, &MaskPanel::overlayChanged, view_, &ImageView::setMaskOverlay);
    connect(mask_panel_, &MaskPanel::visibilityChanged, view_, &ImageView::setMaskVisible);
    connect(mask_panel_, &MaskPanel::editRequested, this,
            [this](MaskEdit::Kind kind, double amount) { editMask(MaskEdit::whole(kind, amount)); });
    connect(mask_panel_, &MaskPanel::detectRequested, this, &MainWindow::detectMask);
    connect(mask_panel_, &MaskPanel::protectChanged, this, [this](bool on) {
        MaskLayer* layer = currentMask();
        if (layer == nullptr) return;
        layer->set_protect(on);
        updateMaskInfo();
        jobs_->schedulePreview();
    });
    connect(mask_panel_, &MaskPanel::importRequested, this, [this] {
        const QString p = askMaskToImport(this);
        if (!p.isEmpty()) setMaskFile(p);
    });
    connect(mask_panel_, &MaskPanel::exportRequested, this, [this] {
        const QString p = session_ != nullptr ? askMaskExport(this, *session_, tools_->operationId()) : QString();
        if (p.isEmpty()) return;
        const QString err = exportMask(p);
        if (!err.isEmpty()) showError(tr("Cannot export the mask"), err);
    });
    view_->setBrush(mask_panel_->brushRadius(), mask_panel_->hardness());
    view_->setMaskOverlay(mask_panel_->overlayColor(), mask_panel_->overlayOpacity());
    view_->setMaskTool(mask_panel_->tool());
    connect(view_, &ImageView::maskEdited, this, &MainWindow::onMaskEdited);
}

void MainWindow::rebuildParameters() {
    SourceInfo source;
    if (session_ != nullptr) source.jpeg_quality = session_->original().jpeg_quality;
    tools_->rebuild(session_ != nullptr ? &source : nullptr);
    if (tools_scroll_ != nullptr) {  // as wide as the widest tool's controls: nothing is cut off
        const int w = tools_->minimumSizeHint().width() + tools_scroll_->verticalScrollBar()->sizeHint().width();
        tools_scroll_->setMinimumWidth(std::max(tools_scroll_->minimumWidth(), w));
    }
    const Operation* op = tools_->operation();
    if (op == nullptr) return;
    const bool mask = op->info().mask != MaskUse::None;
    for (QAction* a : mask_actions_) a->setEnabled(mask);
    view_->setMaskLayer(mask ? currentMask() : nullptr);
    const auto& params = op->info().params;
    const bool limits_only =  // the mask only limits where the tool acts (not what to fill)
        mask && std::any_of(params.begin(), params.end(), [](const ParamSpec& p) { return p.key == "feather"; });
    mask_panel_->setProtectAvailable(limits_only);
    if (limits_only && currentMask() != nullptr) mask_panel_->setProtect(currentMask()->protect());
    updateMaskInfo();
    updateAvailability();
    jobs_->schedulePreview();
}

void MainWindow::setCompareMode(CompareMode mode) {
    for (QAction* a : compare_group_->actions()) {
        if (a->data().toInt() == static_cast<int>(mode)) a->trigger();
    }
}

void MainWindow::selectOperation(const QString& id) { tools_->selectOperation(id); }

void MainWindow::setParameter(const QString& key, const QString& value) {
    tools_->form()->setValue(s(key), value);
    updateAvailability();
}

void MainWindow::setLivePreview(bool on) { tools_->livePreview()->setChecked(on); }

void MainWindow::apply() { jobs_->apply(); }

void MainWindow::previewNow() { jobs_->previewNow(); }

void MainWindow::cancelJob() { jobs_->cancel(); }

MaskLayer* MainWindow::currentMask() {
    if (session_ == nullptr) return nullptr;
    const Operation* op = tools_->operation();
    if (op == nullptr || op->info().mask == MaskUse::None) return nullptr;
    return timeline_.mask(op->info().id, session_->current().size());
}

void MainWindow::detectMask() {
    const Operation* op = tools_->operation();
    if (op == nullptr || session_ == nullptr || busy() || currentMask() == nullptr) return;
    const OperationHints hints = op->hints();
    if (hints.detect_label.empty()) return;
    jobs_->detect(q(hints.detect_label), q(hints.region_noun));
}

void MainWindow::editMask(const MaskEdit& edit) {
    MaskLayer* layer = currentMask();
    if (layer == nullptr || busy()) return;
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
        // A mask of the photo's shape at another size is resampled.
        editMask(MaskEdit::whole(MaskEdit::Kind::Import, 0, load_mask_file(path, layer->size())));
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
    const QString err = save_mask_file(layer->coverage(), path);
    if (!err.isEmpty()) return err;
    status_->setText(tr("Mask exported to %1").arg(QFileInfo(path).fileName()));
    return {};
}

void MainWindow::onMaskEdited() {
    MaskLayer* layer = currentMask();
    if (layer == nullptr || !layer->can_undo()) return;
    timeline_.record(true, s(tools_->operationId()), q(mask_edit_name(layer->last_edit().kind)));
    updateUndoActions();
    mask_panel_->setMaskVisible(view_->maskVisible());
    updateMaskInfo();
    updateAvailability();
    jobs_->schedulePreview();
}

void MainWindow::setMaskVisible(bool on) {
    view_->setMaskVisible(on);
    mask_panel_->setMaskVisible(on);
}

void MainWindow::updateMaskInfo() { mask_panel_->showCoverage(view_->maskLayer()); }

void MainWindow::onApplied(const ApplyResult& r) {
    session_->push(r.pixels, r.entry, r.mask);
    timeline_.record(false, r.entry.op, q(r.entry.op));
    setMaskVisible(false);  // judge the result without the overlay; painting shows it again
    refresh(true);
}

void MainWindow::setBusy(bool busy) {
    tools_->setBusy(busy);
    updateAvailability();
    updateUndoActions();
}

void MainWindow::undo() { step(true); }

void MainWindow::redo() { step(false); }

void MainWindow::step(bool back) {
    if (session_ == nullptr || busy()) return;
    const std::optional<UndoTimeline::Step> next = timeline_.next(back);
    if (!next) return;
    if (next->mask) {
        selectOperation(q(next->op));  // show the mask being changed
        const std::optional<cv::Rect> changed = timeline_.moveMask(back);
        if (!changed) return;
        view_->updateImageRect(*changed);
        updateMaskInfo();
        updateUndoActions();
        updateAvailability();
        jobs_->schedulePreview();
        return;
    }
    if (back ? !session_->can_undo() : !session_->can_redo()) return;
    timeline_.move(back);
    if (back) {
        session_->undo();
    } else {
        session_->redo();
    }
    refresh(true);
    if (back) {
        jobs_->schedulePreview();  // the tool's preview over the photo as it is now
    } else {
        jobs_->holdPreview();  // Before: the photo before the redone edit; After: its result
    }
}

void MainWindow::showStep(int applied) {
    if (session_ == nullptr || busy() || applied < 0) return;
    // Walks the timeline (mask edits between operations included) to the chosen operation.
    while (session_->applied_count() > static_cast<std::size_t>(applied) && timeline_.canUndo()) step(true);
    while (session_->applied_count() < static_cast<std::size_t>(applied) && timeline_.canRedo()) step(false);
}

void MainWindow::updateUndoActions() {
    const bool idle = session_ != nullptr && !busy();
    undo_action_->setEnabled(idle && timeline_.canUndo());
    redo_action_->setEnabled(idle && timeline_.canRedo());
    undo_action_->setText(timeline_.canUndo() ? tr("&Undo %1").arg(timeline_.undoLabel()) : tr("&Undo"));
    redo_action_->setText(timeline_.canRedo() ? tr("&Redo %1").arg(timeline_.redoLabel()) : tr("&Redo"));
}

// A tool whose model is missing or corrupt is disabled, with the command that restores it.
void MainWindow::updateAvailability() { tools_->updateAvailability(session_ != nullptr, view_->maskLayer(), busy()); }

bool MainWindow::hasUnexportedChanges() const {
    return session_ != nullptr && session_->current().data != exported_.data;
}

bool MainWindow::settleUnsavedChanges() {
    if (!hasUnexportedChanges()) return true;
    const QString name = QFileInfo(q(session_->path().string())).fileName();
    UnsavedChoice choice = UnsavedChoice::Discard;
    if (ask_unsaved_) {
        choice = ask_unsaved_(name);
    } else if (QApplication::platformName() == "offscreen") {
        status_->setText(tr("Unexported changes to %1 discarded").arg(name));
    } else {
        QMessageBox box(QMessageBox::Warning, tr("Unexported changes"),
                        tr("The changes to %1 are not exported yet.").arg(name), QMessageBox::NoButton, this);
        box.setInformativeText(tr("Export them first, discard them, or cancel and keep working."));
        QPushButton* exp = box.addButton(tr("Export…"), QMessageBox::AcceptRole);
        box.addButton(tr("Discard"), QMessageBox::DestructiveRole);
        QPushButton* cancel = box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(exp);
        box.setEscapeButton(cancel);
        box.exec();
        choice = box.clickedButton() == exp      ? UnsavedChoice::Export
                 : box.clickedButton() == cancel ? UnsavedChoice::Cancel
                                                 : UnsavedChoice::Discard;
    }
    if (choice == UnsavedChoice::Cancel) return false;
    if (choice == UnsavedChoice::Discard) return true;
    if (last_export_.isEmpty()) {
        exportDialog();
    } else if (const QString err = exportTo(last_export_, false); !err.isEmpty()) {
        showError(tr("Export failed"), err);
    }
    return !hasUnexportedChanges();  // a cancelled or failed export keeps the photo open
}

bool MainWindow::openFile(const QString& path) {
    if (busy()) {
        showError(tr("Busy"), tr("Wait for the running job to finish or cancel it first."));
        return false;
    }
    if (!settleUnsavedChanges()) return false;
    try {
        auto next = std::make_unique<EditSession>(s(path));
        view_->setMaskLayer(nullptr);
        timeline_.clear();  // masks and steps belong to a photo
        session_ = std::move(next);
        exported_ = session_->current();
    } catch (const std::exception& e) {
        showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), q(e.what()));
        return false;
    }
    last_export_.clear();
    tools_->forgetAvailability();
    EngineSettings::addRecentFile(path);
    rebuildRecentMenu();
    setMaskVisible(true);  // a new photo starts with its masks in view
    refresh(false);
    rebuildParameters();  // attaches the tool's (new) mask
    jobs_->schedulePreview();
    auto_->analyse(session_->current(), session_->original().jpeg_quality);
    status_->setText(tr("Opened %1").arg(QFileInfo(path).fileName()));
    return true;
}

void MainWindow::refresh(bool keep_view) {
    if (session_ != nullptr) {
        timeline_.resampleMasks(session_->current().size());  // an operation may have changed the size
        view_->setImages(to_qimage(session_->before_last()), to_qimage(session_->current()), keep_view);
        const cv::Mat& m = session_->current();
        size_label_->setText(QString("%1 × %2, %3-bit").arg(m.cols).arg(m.rows).arg(m.depth() == CV_16U ? 16 : 8));
        setWindowTitle(QString("%1 — Restora").arg(QFileInfo(q(session_->path().string())).fileName()));
        history_->showHistory(session_->history(), session_->earlier_count(), session_->redo_entries());
        const std::size_t n = session_->applied_count();
        view_->setAfterLabel(n == 0 ? QString()
                                    : tr("After · %1 applied").arg(toolTitle(session_->history().entries.back().op)));
    } else {
        view_->setImages({}, {}, false);
    }
    const auto [device, precision] = EngineSettings::engineInUse();
    device_label_->setText(tr("Device: %1 (%2)").arg(device, precision));
    updateUndoActions();
    updateMaskInfo();
    updateAvailability();
}

QString MainWindow::exportTo(const QString& path, bool allow_loss) {
    if (session_ == nullptr) return tr("Nothing to export");
    try {
        ExportOptions o;
        o.allow_loss = allow_loss;
        o.overwrite = true;  // the dialog already asked
        o.jpeg_quality = EngineSettings::exportQuality();
        o.webp_quality = o.jpeg_quality;
        session_->export_to(s(path), o);
    } catch (const std::exception& e) {
        return q(e.what());
    }
    last_export_ = path;
    exported_ = session_->current();
    status_->setText(tr("Exported %1").arg(QFileInfo(path).fileName()));
    return {};
}

void MainWindow::exportDialog() {
    if (session_ == nullptr) {
        showError(tr("Nothing to export"), tr("Open a photo first (Ctrl+O, or drop one on the window)."));
        return;
    }
    const std::optional<ExportChoice> choice = askExport(this, *session_);
    if (!choice) return;
    const QString err = exportTo(choice->path, choice->allow_loss);
    if (!err.isEmpty()) showError(tr("Export failed"), err);
}

void MainWindow::openDialog() {
    const QString path = askPhotoToOpen(this);
    if (!path.isEmpty()) openFile(path);
}

void MainWindow::rebuildRecentMenu() {
    recent_menu_->clear();
    const QStringList recent = EngineSettings::recentFiles();
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

// Holding \ shows the original.
void MainWindow::keyPressEvent(QKeyEvent* event) {
    if (event->key() != Qt::Key_Backslash || event->isAutoRepeat()) return QMainWindow::keyPressEvent(event);
    view_->setShowOriginal(true);
}

void MainWindow::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() != Qt::Key_Backslash || event->isAutoRepeat()) return QMainWindow::keyReleaseEvent(event);
    view_->setShowOriginal(false);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!settleUnsavedChanges()) {
        event->ignore();
        return;
    }
    jobs_->cancelRunning();
    EngineSettings::setWindowLayout(saveGeometry(), saveState());
    event->accept();
}

}  // namespace restora::ui
