#pragma once
// The one thread that owns libtorch work. Jobs carry values in and results out (no shared mutable
// state); cancel is the job's atomic flag; progress reaches the GUI as queued signals, only when
// its integer changes. The engine itself (core's Operation::run) knows nothing of Qt.
#include <QObject>
#include <QThread>

#include <map>
#include <string>
#include <variant>

#include <opencv2/core.hpp>

#include "restora/core/history.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"
#include "restora/models/job.h"

namespace restora::ui {

// What every job carries: operation `op` with its parameters on an image.
struct JobBase {
    int id = 0;
    std::string op;
    std::map<std::string, std::string> params;
    cv::Mat image;  // shared read-only with the GUI's state; never written
    DeviceKind device = DeviceKind::Auto;
    int threads = 0;  // 0 = all cores
    CancelToken cancel;
};

// Runs `op` on the whole image.
struct ApplyJob : JobBase {
    cv::Mat mask;
    int tile = 512;
    Precision precision = Precision::F32;
};

// Runs `op` on the visible part of the image only (Preview = Apply there).
struct PreviewJob : ApplyJob {
    cv::Rect region;  // input pixels
};

// Asks `op` to find its own mask (Operation::detect_mask).
struct DetectJob : JobBase {};

using Job = std::variant<ApplyJob, PreviewJob, DetectJob>;

struct ResultBase {
    int id = 0;
    double seconds = 0;
};

struct ApplyResult : ResultBase {
    cv::Mat pixels;
    HistoryEntry entry;
    cv::Mat mask;
    std::vector<std::string> warnings;
};

struct PreviewResult : ResultBase {
    cv::Mat pixels;
    cv::Rect region;
};

struct DetectResult : ResultBase {
    cv::Mat mask;  // CV_8U 0/255, the image's size
    int regions = 0;
};

using JobResult = std::variant<ApplyResult, PreviewResult, DetectResult>;

[[nodiscard]] inline const JobBase& job_base(const Job& job) {
    return std::visit([](const auto& j) -> const JobBase& { return j; }, job);
}

class Worker : public QObject {
    Q_OBJECT
  public:
    // Runs in the worker thread.
    void run(const Job& job);
    // Measures the device's convolution throughput once, for job estimates.
    void measure(DeviceKind device);

  private:
    ModelCache models_;  // loaded once, reused; touched only in the worker thread

  signals:
    void progress(int id, int percent);
    void finished(const restora::ui::JobResult& result);
    void failed(int id, const QString& message, bool cancelled);
    void measured(double conv_gflops, const QString& device);
};

// Owns the worker thread; submit() is called on the GUI thread.
class WorkerHost : public QObject {
    Q_OBJECT
  public:
    explicit WorkerHost(QObject* parent = nullptr);
    ~WorkerHost() override;
    void submit(const Job& job);
    void measure(DeviceKind device);
    [[nodiscard]] Worker* worker() const { return worker_; }

  private:
    QThread thread_;
    Worker* worker_;  // owned by thread_ via deleteLater
};

}  // namespace restora::ui

Q_DECLARE_METATYPE(restora::ui::JobResult)
