#pragma once
// Runs the window's jobs on the worker: builds each job once from what the window shows (apply,
// preview of the visible area, the tool's detect action), asks before long jobs and offers
// smaller tiles for jobs that would not fit in memory, shows progress with Cancel, and schedules
// the live preview: debounced; a newer request replaces a pending one and cancels the running
// one; results older than the last change are dropped.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <map>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "human_time.h"
#include "worker.h"

class QProgressBar;
class QPushButton;
class QWidget;

namespace restora::ui {

// What a job takes from the window at the moment it is built.
struct JobInputs {
    std::string op;
    QString tool;  // the tool's name, for messages
    std::map<std::string, std::string> params;
    cv::Mat image;
    cv::Mat mask;      // the tool's mask when something is selected, else empty
    cv::Rect visible;  // the part of the image in view (input pixels)
};

class JobSource {
  public:
    virtual ~JobSource() = default;
    [[nodiscard]] virtual bool hasPhoto() const = 0;
    [[nodiscard]] virtual JobInputs jobInputs() = 0;
};

class JobController : public QObject {
    Q_OBJECT
  public:
    // `window` parents the questions and the progress widgets; `source` outlives this.
    JobController(QWidget* window, JobSource* source);
    ~JobController() override;

    // The status bar's progress and Cancel, shown while a job the user waits for runs.
    [[nodiscard]] QProgressBar* progressBar() const { return progress_; }
    [[nodiscard]] QPushButton* cancelButton() const { return cancel_; }

    void apply();
    // Computes the preview of the visible area now, however long the estimate (the live preview
    // skips anything over 5 s), with progress and Cancel; works with the live preview off too.
    void previewNow();
    // Runs the tool's detect action (Operation::detect_mask); `label` names it in messages.
    void detect(const QString& label, const QString& region_noun);
    void cancel();
    // The window closes: the running job stops without waiting for anything else.
    void cancelRunning();
    // Something the preview depends on changed: drop the preview shown and compute it again.
    void schedulePreview();
    // Clears the preview and waits for the next change of tool, setting or mask (after a redo,
    // the applied result is what the view compares).
    void holdPreview();
    // Zoom or pan moved the visible area: preview it once the view settles.
    void viewMoved();
    void setLivePreview(bool on);
    [[nodiscard]] bool livePreview() const { return live_; }
    // Settings → Device changed: measure the new device afresh.
    void deviceChanged();

    [[nodiscard]] bool busy() const { return running_id_ != 0; }
    // The last preview shown: result pixels and the input region they cover.
    [[nodiscard]] const cv::Mat& lastPreview() const { return last_preview_; }
    [[nodiscard]] cv::Rect lastPreviewRegion() const { return last_preview_region_; }
    // How many preview jobs went to the worker (moving Amount re-blends without one).
    [[nodiscard]] int previewJobsSubmitted() const { return previews_submitted_; }

  signals:
    void statusChanged(const QString& text);
    void errorRaised(const QString& title, const QString& message);
    void busyChanged(bool busy);
    void applied(const restora::ui::ApplyResult& result);  // push it onto the session
    void applyFailed();                                    // show the state before the job again
    void detected(const cv::Mat& mask);                    // add it to the tool's mask
    void previewReady(const restora::ui::PreviewResult& result);
    void previewCleared();
    void jobDone(bool ok);
    void previewShown();
    void previewFailed(bool cancelled);  // a requested preview (previewNow) that showed nothing
    void jobProgress(int percent);

  private:
    // Every job is built here: fill() sets what all kinds share, prepare() what an apply or a
    // preview adds (checking that the tool can run). Both throw what the user should read.
    static void fill(JobBase& job, const JobInputs& in);
    static const Operation& prepare(ApplyJob& job, const JobInputs& in, Params& params);
    // Asks before long jobs and offers smaller tiles for jobs that would not fit in memory;
    // returns false when the user declines.
    bool confirmEstimate(const ApplyJob& job, const QString& tool, int& tile);
    [[nodiscard]] bool askYesNo(const QString& title, const QString& text);
    void start(const Job& job, const QString& status);
    void setBusy(bool busy);
    void measureDevice();
    void startPreview(bool requested);
    void submitPreview(const PreviewJob& job);
    void submitPendingPreview();
    void endRequestedPreview(int id);
    void invalidatePreview();
    void onProgress(int id, int percent);
    void onFinished(const JobResult& result);
    void onPreview(const PreviewResult& r);
    void onFailed(int id, const QString& message, bool cancelled);
    // Amount alone changed since the last preview: blend its full-strength result with the photo
    // again at once, without a job. False when anything else changed.
    bool reblend();

    QWidget* window_;
    JobSource* source_;
    WorkerHost host_;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancel_ = nullptr;
    int next_id_ = 1;
    int running_id_ = 0;
    CancelToken running_cancel_;
    QString running_detect_;  // the detect action's label while one runs
    QString region_noun_;
    QElapsedTimer job_timer_;
    double conv_gflops_ = 0;        // measured on the worker at start-up; 0 until then
    bool preview_skipped_ = false;  // the live preview was skipped on its estimate (startPreview)
    double estimate_seconds_ = 0;
    EtaSmoother eta_;
    bool live_ = true;
    QTimer preview_timer_;
    int preview_running_id_ = 0;
    CancelToken preview_cancel_;
    std::optional<PreviewJob> pending_preview_;
    int preview_valid_from_ = 0;
    bool preview_armed_ = false;
    int requested_preview_id_ = 0;  // a previewNow() job: shown with progress and Cancel
    int shown_preview_id_ = 0;      // the job of the preview on screen (valid from preview_valid_from_)
    cv::Mat last_preview_;
    cv::Rect last_preview_region_;
    int previews_submitted_ = 0;
    // Previews of same-size tools run at amount 1; the window blends them at its Amount. The last
    // one and what it was computed from, for reblend().
    struct FullPreview {
        std::string op;
        std::map<std::string, std::string> params;  // without amount
        cv::Mat image, mask, pixels;
        cv::Rect region;
    };
    std::optional<FullPreview> full_preview_;
    std::map<int, FullPreview> preview_inputs_;  // running preview jobs: what each was computed from
    double preview_amount_ = 1;
};

}  // namespace restora::ui
