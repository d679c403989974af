#pragma once
// The main window: open (dialog, drag and drop, recent files, command line), a tool panel built
// from the registry's parameter schemas, apply on the worker with progress, ETA and cancel,
// undo/redo with a history list, compare modes, export with a confirmation naming any loss.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <optional>

#include <map>
#include <memory>

#include "image_view.h"
#include "mask_layer.h"
#include "restora/core/session.h"
#include "worker.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QPushButton;
class QActionGroup;
class QCheckBox;

namespace restora::ui {

class MaskPanel;

class MainWindow : public QMainWindow {
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
    // Imports a mask image into the current tool's mask (an undoable edit); false after telling why.
    bool setMaskFile(const QString& path);
    // Writes the current tool's mask as a PNG (white = selected); returns an error message or empty.
    QString exportMask(const QString& path);
    // The current tool's mask (created on first use); nullptr when the tool takes no mask.
    [[nodiscard]] MaskLayer* currentMask();
    [[nodiscard]] MaskPanel* maskPanel() const { return mask_panel_; }
    // Edits the current tool's mask as the panel's buttons do (one undo step).
    void editMask(const MaskEdit& edit);
    // Runs the text detector on the worker; the found text is added to the erase-text mask.
    void detectText();
    void setCompareMode(CompareMode mode);
    [[nodiscard]] EditSession* session() const { return session_.get(); }
    [[nodiscard]] ImageView* view() const { return view_; }
    [[nodiscard]] bool busy() const { return running_id_ != 0; }
    void setLivePreview(bool on);
    // The last preview shown: result pixels and the input region they cover.
    [[nodiscard]] const cv::Mat& lastPreview() const { return last_preview_; }
    [[nodiscard]] cv::Rect lastPreviewRegion() const { return last_preview_region_; }

public slots:
    void apply();
    // Computes the preview of the visible area now, however long the estimate (the live preview
    // skips anything over 5 s), with progress and Cancel; works with the live preview off too.
    void previewNow();
    void cancelJob();
    void undo();
    void redo();

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
    void buildMenus();
    void buildToolPanel();
    void rebuildParameters();
    void refresh(bool keep_view);
    void updateAvailability();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void setBusy(bool busy);
    void showError(const QString& title, const QString& message);
    void onProgress(int id, int percent);
    void onFinished(const JobResult& result);
    void onFailed(int id, const QString& message, bool cancelled);
    void openDialog();
    void exportDialog();
    void chooseTileSize();
    void measureDevice();  // the worker measures the device's convolution rate (measured())
    // The tile size set in Settings, else the tool's own default (default_tile_for).
    static int tileFor(DeviceKind device, const Operation& op, const Params& params);
    static Precision precisionFor(DeviceKind device);
    [[nodiscard]] std::map<std::string, std::string> currentParameters() const;
    // Asks before long jobs and offers smaller tiles for jobs that would not fit in memory;
    // returns false when the user declines.
    bool confirmEstimate(const Job& job, int& tile);
    void schedulePreview();
    void startPreview(bool requested = false);
    void endRequestedPreview(int id);
    void submitPreview(const Job& job);
    void invalidatePreview();
    [[nodiscard]] bool askYesNo(const QString& title, const QString& text);

    std::unique_ptr<EditSession> session_;
    WorkerHost host_;
    ImageView* view_ = nullptr;
    QComboBox* op_box_ = nullptr;
    QFormLayout* param_form_ = nullptr;
    QWidget* param_widget_ = nullptr;
    std::map<std::string, QWidget*> param_editors_;
    std::map<std::string, QWidget*> param_rows_;  // the form row of each editor
    // Whether the parameter's only_for condition holds for the current choices.
    [[nodiscard]] bool parameterApplies(const std::string& key) const;
    void updateParameterRows();
    std::map<std::string, QString> availability_cache_;  // tool + settings -> problem (empty: ok)
    MaskPanel* mask_panel_ = nullptr;
    QList<QAction*> mask_actions_;  // enabled only for tools that take a mask
    QLabel* availability_ = nullptr;
    QPushButton* apply_button_ = nullptr;
    QPushButton* preview_button_ = nullptr;
    QListWidget* history_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancel_button_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* device_label_ = nullptr;
    QLabel* size_label_ = nullptr;
    QLabel* zoom_label_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QActionGroup* device_group_ = nullptr;
    QActionGroup* compare_group_ = nullptr;
    QAction* undo_action_ = nullptr;
    QAction* redo_action_ = nullptr;
    // One mask per mask-using tool, kept across operations (resampled when the size changes).
    std::map<std::string, std::unique_ptr<MaskLayer>> masks_;
    // One undo order for operations and mask edits: Ctrl+Z undoes whichever came last.
    struct UndoStep {
        bool mask = false;  // a mask edit of tool `op`, else an applied operation
        std::string op;
        QString label;
    };
    std::vector<UndoStep> steps_;
    std::size_t step_pos_ = 0;
    void recordStep(bool mask, const std::string& op, const QString& label);
    void onMaskEdited();
    void updateMaskInfo();
    void syncMaskSizes();
    void updateUndoActions();
    QString last_export_;
    int next_id_ = 1;
    int running_id_ = 0;
    CancelToken running_cancel_;
    QElapsedTimer job_timer_;
    double conv_gflops_ = 0;
    bool preview_skipped_ = false;  // the live preview was skipped on its estimate (startPreview)
    double estimate_seconds_ = 0;
    // Live preview of the visible region: debounced; a newer request replaces a pending one and
    // cancels the running one; results older than the last change are dropped.
    QCheckBox* live_preview_ = nullptr;
    QTimer preview_timer_;
    int preview_running_id_ = 0;
    CancelToken preview_cancel_;
    std::optional<Job> pending_preview_;
    int preview_valid_from_ = 0;
    bool preview_armed_ = false;
    int requested_preview_id_ = 0;  // a previewNow() job: shown with progress and Cancel
    int shown_preview_id_ = 0;      // the job of the preview on screen (valid from preview_valid_from_)
    cv::Mat last_preview_;
    cv::Rect last_preview_region_;  // measured on the worker at start-up; 0 until then
};

}  // namespace restora::ui
