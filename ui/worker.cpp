#include "worker.h"

#include <chrono>

#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"

namespace restora::ui {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void Worker::run(const Job& job) {
    const auto t0 = std::chrono::steady_clock::now();
    const JobBase& base = job_base(job);
    const bool preview = std::holds_alternative<PreviewJob>(job);
    // Whole-photo jobs hand their freed memory back to the system when they end (however they
    // end); previews keep it, as the next slider move needs the same blocks again.
    struct Release {
        bool enabled;
        ~Release() {
            if (enabled) release_free_memory();
        }
    } const release{!preview};
    try {
        configure_threads(base.threads);
        const Operation& op = Registry::instance().get(base.op);
        const Params params = op.resolve(base.params);
        OpContext ctx;
        ctx.device = base.device;
        ctx.job.cancel = base.cancel;
        ctx.models = &models_;
        const int id = base.id;
        ctx.job.progress = [this, id](int p) { emit progress(id, p); };
        if (const auto* detect = std::get_if<DetectJob>(&job)) {
            DetectedMask found = op.detect_mask(detect->image, params, ctx);
            detect->cancel.throw_if_requested();
            DetectResult out;
            out.id = id;
            out.mask = found.mask;
            out.regions = found.regions;
            out.seconds = seconds_since(t0);
            emit finished(out);
            return;
        }
        const ApplyJob& run =
            preview ? static_cast<const ApplyJob&>(std::get<PreviewJob>(job)) : std::get<ApplyJob>(job);
        op.check_available(params);
        ctx.tile = run.tile;
        ctx.precision = run.precision;
        if (preview) {
            const cv::Rect region = std::get<PreviewJob>(job).region;
            OpResult r = op.run_region(run.image, run.mask, params, ctx, region);
            run.cancel.throw_if_requested();
            PreviewResult out;
            out.id = id;
            out.pixels = r.pixels;
            out.region = region;
            out.seconds = seconds_since(t0);
            emit finished(out);
            return;
        }
        OpResult r = op.run(run.image, run.mask, params, ctx);
        run.cancel.throw_if_requested();
        ApplyResult out;
        out.id = id;
        out.pixels = r.pixels;
        out.entry = history_entry(op, params, r, ctx.tile);
        out.mask = run.mask;
        out.warnings = r.warnings;
        out.seconds = seconds_since(t0);
        emit finished(out);
    } catch (const Cancelled&) {
        emit failed(base.id, tr("Cancelled"), true);
    } catch (const std::exception& e) {
        emit failed(base.id, QString::fromStdString(e.what()), false);
    }
}

void Worker::measure(DeviceKind device) {
    try {
        configure_threads();
        const double g = measure_conv_gflops(device);
        emit measured(g, QString::fromStdString(resolve_device_name(device)));
    } catch (const std::exception&) {
        emit measured(0.0, QString());
    }
}

WorkerHost::WorkerHost(QObject* parent) : QObject(parent), worker_(new Worker) {
    qRegisterMetaType<restora::ui::JobResult>();
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName("restora-worker");
    thread_.start();
}

WorkerHost::~WorkerHost() {
    thread_.quit();
    thread_.wait();
}

void WorkerHost::measure(DeviceKind device) {
    Worker* w = worker_;
    QMetaObject::invokeMethod(
        w, [w, device] { w->measure(device); }, Qt::QueuedConnection);
}

void WorkerHost::submit(const Job& job) {
    Worker* w = worker_;
    // The lambda holds its own copy of the job and runs in the worker's thread.
    QMetaObject::invokeMethod(
        w, [w, job] { w->run(job); }, Qt::QueuedConnection);
}

}  // namespace restora::ui
