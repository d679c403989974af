#pragma once
// The one thread that owns libtorch work. Jobs carry values in and results out (no shared mutable
// state); cancel is the job's atomic flag; progress reaches the GUI as queued signals, only when
// its integer changes. The engine itself (core's Operation::run) knows nothing of Qt.
#include <QObject>
#include <QThread>

#include <map>
#include <string>

#include <opencv2/core.hpp>

#include "restora/core/history.h"
#include "restora/core/registry.h"
#include "restora/models/engine.h"
#include "restora/models/job.h"

namespace restora::ui {

struct Job {
    int id = 0;
    std::string op;
    std::map<std::string, std::string> params;
    cv::Mat image;  // shared read-only with the GUI's state; never written
    cv::Mat mask;
    DeviceKind device = DeviceKind::Auto;
    int tile = 512;
    Precision precision = Precision::F32;
    int threads = 0;  // 0 = all cores
    CancelToken cancel;
    bool preview = false;
    cv::Rect region;  // preview: the visible part of the image (input pixels)
    bool detect_text = false;  // find text instead of running `op`: the result's mask holds it
};

struct JobResult {
    int id = 0;
    cv::Mat pixels;
    HistoryEntry entry;
    cv::Mat mask;
    std::vector<std::string> warnings;
    double seconds = 0;
    bool preview = false;
    cv::Rect region;
    bool detect_text = false;
    int text_regions = 0;
};

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
