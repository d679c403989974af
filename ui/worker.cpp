#include "worker.h"

#include <chrono>

#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/core/text_detect.h"
#include "restora/models/errors.h"

namespace restora::ui {

void Worker::run(const Job& job) {
    const auto t0 = std::chrono::steady_clock::now();
    // Whole-photo jobs hand their freed memory back to the system when they end (however they
    // end); previews keep it, as the next slider move needs the same blocks again.
    struct Release {
        bool enabled;
        ~Release() {
            if (enabled) release_free_memory();
        }
    } const release{!job.preview};
    try {
        configure_threads(job.threads);
        if (job.detect_text) {
            OpContext ctx;
            ctx.device = job.device;
            ctx.job.cancel = job.cancel;
            ctx.models = &models_;
            const int id = job.id;
            ctx.job.progress = [this, id](int p) { emit progress(id, p); };
            const std::vector<TextBox> boxes = detect_text(job.image, ctx);
            job.cancel.throw_if_requested();
            JobResult out;
            out.id = job.id;
            out.detect_text = true;
            out.text_regions = static_cast<int>(boxes.size());
            out.mask = text_mask(job.image.size(), boxes, 4);
            out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            emit finished(out);
            return;
        }
        const Operation& op = Registry::instance().get(job.op);
        const Params params = op.resolve(job.params);
        op.check_available(params);
        OpContext ctx;
        ctx.device = job.device;
        ctx.tile = job.tile;
        ctx.precision = job.precision;
        ctx.job.cancel = job.cancel;
        ctx.models = &models_;
        const int id = job.id;
        ctx.job.progress = [this, id](int p) { emit progress(id, p); };
        OpResult r = job.preview ? op.run_region(job.image, job.mask, params, ctx, job.region)
                                 : op.run(job.image, job.mask, params, ctx);
        job.cancel.throw_if_requested();
        JobResult out;
        out.id = job.id;
        out.pixels = r.pixels;
        out.entry = history_entry(op, params, r, ctx.tile);
        out.mask = job.mask;
        out.warnings = r.warnings;
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        out.preview = job.preview;
        out.region = job.region;
        emit finished(out);
    } catch (const Cancelled&) {
        emit failed(job.id, tr("Cancelled"), true);
    } catch (const std::exception& e) {
        emit failed(job.id, QString::fromStdString(e.what()), false);
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
    QMetaObject::invokeMethod(w, [w, device] { w->measure(device); }, Qt::QueuedConnection);
}

void WorkerHost::submit(const Job& job) {
    Worker* w = worker_;
    // The lambda holds its own copy of the job and runs in the worker's thread.
    QMetaObject::invokeMethod(w, [w, job] { w->run(job); }, Qt::QueuedConnection);
}

}  // namespace restora::ui
