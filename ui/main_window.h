#pragma once
// The main window: open (dialog, drag and drop, recent files, command line), the tool panel
// (ParameterForm from the registry's schemas, MaskPanel), jobs on the worker with progress, ETA
// and cancel (JobController), undo/redo over operations and mask edits (UndoTimeline) with a
// history list, compare modes, export with a confirmation naming any loss. Settings persist
// through EngineSettings. The window wires these parts together.
#include <QMainWindow>

#include <functional>
#include <map>
#include <memory>

#include "image_view.h"
#include "job_controller.h"
#include "mask_layer.h"
#include "restora/core/session.h"
#include "undo_timeline.h"

class QLabel;
class QMenu;
class QActionGroup;
class QScrollArea;

namespace restora::ui {

class AutoPanel;
class HistoryList;
class MaskPanel;
class ToolPanel;

class MainWindow : public QMainWindow, private JobSource {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a photo; returns false (after telling the user why) when it cannot be read.
    bool openFile(const QString& path);
    // Exports without dialogs (for tests and scripting); returns an error message or empty.
    QString exportTo(const QString& path, bool allow_loss);
    void selectOperation(const QString& id);
    void setParameter(const QString& key, const QString& value);
    // Imports a mask image into the current tool's mask (an undoable edit); false after telling
    // why.
    bool setMaskFile(const QString& path);
    // Writes the current tool's mask as a PNG (white = selected); returns an error message or
    // empty.
    QString exportMask(const QString& path);
    // The current tool's mask (created on first use); nullptr when the tool takes no mask.
    [[nodiscard]] MaskLayer* currentMask();
    [[nodiscard]] MaskPanel* maskPanel() const { return mask_panel_; }
    // Edits the current tool's mask as the panel's buttons do (one undo step).
    void editMask(const MaskEdit& edit);
    // Runs the current tool's detect action on the worker (erase-text: the text detector); what
    // it finds is added to the tool's mask. Nothing happens for a tool without one.
    void detectMask();
    void detectText() { detectMask(); }
    void setCompareMode(CompareMode mode);
    [[nodiscard]] EditSession* session() const { return session_.get(); }
    [[nodiscard]] ImageView* view() const { return view_; }
    [[nodiscard]] bool busy() const { return jobs_->busy(); }
    void setLivePreview(bool on);
    // The last preview shown: result pixels and the input region they cover.
    [[nodiscard]] const cv::Mat& lastPreview() const { return jobs_->lastPreview(); }
    [[nodiscard]] cv::Rect lastPreviewRegion() const { return jobs_->lastPreviewRegion(); }
    [[nodiscard]] int previewJobsSubmitted() const { return jobs_->previewJobsSubmitted(); }
    // Whether the photo on screen differs from what was opened or last exported (undoing back to
    // it counts as no change).
    [[nodiscard]] bool hasUnexportedChanges() const;
    // What to do with unexported changes before another photo opens or the window closes.
    enum class UnsavedChoice { Export, Discard, Cancel };
    // Replaces the question (tests, scripting). Without it the window asks with a dialog; on the
    // offscreen platform, where nobody can answer, it discards and says so in the status line.
    void setUnsavedQuestion(std::function<UnsavedChoice(const QString& file)> ask) { ask_unsaved_ = std::move(ask); }

  public slots:
    void apply();
    // Computes the preview of the visible area now, however long the estimate (the live preview
    // skips anything over 5 s), with progress and Cancel; works with the live preview off too.
    void previewNow();
    void cancelJob();
    void undo();
    void redo();
    // Shows the photo after `applied` of this session's operations (History clicks): undoes or
    // redoes to it; the steps after it stay in the list until a new edit replaces them.
    void showStep(int applied);

  signals:
    void jobDone(bool ok);
    void previewShown();
    void previewFailed(bool cancelled);  // a requested preview (previewNow) that showed nothing
    void jobProgress(int percent);

  protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

  private:
    [[nodiscard]] bool hasPhoto() const override { return session_ != nullptr; }
    [[nodiscard]] JobInputs jobInputs() override;
    void connectJobs();
    void buildMenus();
    void buildViewMenu();
    void buildToolPanel();
    void fitToScreen(bool first_layout);  // never larger than the screen; docks tabbed on small ones
    void connectMaskPanel();
    void rebuildParameters();
    void refresh(bool keep_view);
    void updateAvailability();
    void rebuildRecentMenu();
    void setBusy(bool busy);
    void showError(const QString& title, const QString& message);
    void openDialog();
    void exportDialog();
    void step(bool back);  // undo (back) or redo, whichever kind of step comes next
    // Asks about unexported changes (Export / Discard / Cancel); false when the user stays.
    bool settleUnsavedChanges();
    void onApplied(const ApplyResult& r);
    void onMaskEdited();
    void updateMaskInfo();
    void setMaskVisible(bool on);
    void updateUndoActions();

    std::unique_ptr<EditSession> session_;
    cv::Mat exported_;  // the pixels last opened or exported (shares the session's buffer)
    std::function<UnsavedChoice(const QString&)> ask_unsaved_;
    std::unique_ptr<JobController> jobs_;
    UndoTimeline timeline_;
    ImageView* view_ = nullptr;
    ToolPanel* tools_ = nullptr;
    MaskPanel* mask_panel_ = nullptr;  // in tools_
    QList<QAction*> mask_actions_;     // enabled only for tools that take a mask
    HistoryList* history_ = nullptr;
    QScrollArea* tools_scroll_ = nullptr;
    AutoPanel* auto_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* device_label_ = nullptr;
    QLabel* size_label_ = nullptr;
    QLabel* zoom_label_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QActionGroup* compare_group_ = nullptr;
    QAction* undo_action_ = nullptr;
    QAction* redo_action_ = nullptr;
    QString last_export_;
};

}  // namespace restora::ui
