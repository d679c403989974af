#include "job_controller.h"

#include <QApplication>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>

#include <algorithm>

#include "engine_settings.h"
#include "restora/core/estimate.h"
#include "restora/core/finishing.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

constexpr double kUnmeasuredGflops = 100.0;  // until measured: a slow CPU
constexpr double kLivePreviewLimit = 5.0;    // seconds; longer previews wait for Preview (P)

}  // namespace

JobController::JobController(QWidget* window, JobSource* source) : window_(window), source_(source) {
    live_ = EngineSettings::livePreview();
    progress_ = new QProgressBar(window);
    progress_->setRange(0, 100);
    progress_->setMaximumWidth(220);
    progress_->setVisible(false);
    cancel_ = new QPushButton(tr("Cancel"), window);
    cancel_->setVisible(false);
    connect(cancel_, &QPushButton::clicked, this, &JobController::cancel);
    preview_timer_.setSingleShot(true);
    preview_timer_.setInterval(350);
    connect(&preview_timer_, &QTimer::timeout, this, [this] { startPreview(false); });

    Worker* w = host_.worker();
    connect(w, &Worker::progress, this, &JobController::onProgress, Qt::QueuedConnection);
    connect(w, &Worker::finished, this, &JobController::onFinished, Qt::QueuedConnection);
    connect(w, &Worker::failed, this, &JobController::onFailed, Qt::QueuedConnection);
    // The best of the measurements for the current device: the first one runs while the window
    // decodes and draws the photo, on the same cores, so the worker measures again once the
    // window is idle. A live preview skipped on an estimate made before a faster measurement is
    // decided again with it.
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
}

JobController::~JobController() { cancelRunning(); }

void JobController::cancelRunning() {
    if (running_id_ != 0) running_cancel_.request();
}

void JobController::fill(JobBase& job, const JobInputs& in) {
    job.op = in.op;
    job.params = in.params;
    job.image = in.image;
    job.device = EngineSettings::deviceKind();
    job.threads = EngineSettings::threads();
}

const Operation& JobController::prepare(ApplyJob& job, const JobInputs& in, Params& params) {
    fill(job, in);
    const Operation& op = Registry::instance().get(job.op);
    params = op.resolve(job.params);
    op.check_available(params);
    job.mask = in.mask;
    job.tile = EngineSettings::tileFor(job.device, op, params);
    job.precision = EngineSettings::precisionFor(job.device);
    return op;
}

void JobController::apply() {
    if (!source_->hasPhoto() || running_id_ != 0) return;
    const JobInputs in = source_->jobInputs();
    ApplyJob job;
    job.id = next_id_++;
    try {
        Params p;
        const Operation& op = prepare(job, in, p);
        if (op.info().mask == MaskUse::Required && job.mask.empty()) {
            emit errorRaised(tr("Nothing selected"),
                             tr("Paint over what %1 should change (B brush, R rectangle, L lasso) "
                                "or import a mask first.")
                                 .arg(in.tool));
            return;
        }
    } catch (const std::exception& e) {
        emit errorRaised(tr("Cannot apply"), q(e.what()));
        return;
    }
    if (!confirmEstimate(job, in.tool, job.tile)) return;
    preview_armed_ = false;  // after Apply, preview again only when the tool or a setting changes
    start(job, tr("Running %1 (%2)…").arg(in.tool, humanDuration(estimate_seconds_)));
}

void JobController::detect(const QString& label, const QString& region_noun) {
    if (!source_->hasPhoto() || running_id_ != 0) return;
    const JobInputs in = source_->jobInputs();
    DetectJob job;
    job.id = next_id_++;
    const QString action = label.left(1).toLower() + label.mid(1);  // "Detect text" -> "detect text"
    try {
        fill(job, in);
    } catch (const std::exception& e) {
        emit errorRaised(tr("Cannot %1").arg(action), q(e.what()));
        return;
    }
    running_detect_ = action;
    region_noun_ = region_noun;
    estimate_seconds_ = 0;  // the rate alone tells the time left
    start(job, tr("Looking for %1s…").arg(region_noun));
}

void JobController::start(const Job& job, const QString& status) {
    invalidatePreview();
    preview_timer_.stop();
    const JobBase& base = job_base(job);
    running_id_ = base.id;
    running_cancel_ = base.cancel;
    job_timer_.start();
    eta_.start(estimate_seconds_);
    setBusy(true);
    emit statusChanged(status);
    host_.submit(job);
}

void JobController::setBusy(bool busy) {
    progress_->setVisible(busy);
    progress_->setValue(0);
    cancel_->setVisible(busy);
    emit busyChanged(busy);
}

bool JobController::askYesNo(const QString& title, const QString& text) {
    if (QApplication::platformName() == "offscreen") return true;  // tests: no modal dialogs
    return QMessageBox::question(window_, title, text) == QMessageBox::Yes;
}

bool JobController::confirmEstimate(const ApplyJob& job, const QString& tool, int& tile) {
    const Operation& op = Registry::instance().get(job.op);
    const Params p = op.resolve(job.params);
    const double gflops = conv_gflops_ > 0 ? conv_gflops_ : kUnmeasuredGflops;
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
            emit errorRaised(
                tr("Not enough memory"),
                tr("This job needs about %1 GB and %2 GB are available, even with small tiles.").arg(need, have));
            return false;
        }
        if (!askYesNo(tr("Not enough memory"), tr("At tiles of %1 px this job needs about %2 GB, "
                                                  "and %3 GB are available.\n\nUse tiles of %4 px "
                                                  "instead? (Same result, a little slower.)")
                                                   .arg(tile)
                                                   .arg(need, have)
                                                   .arg(smaller))) {
            return false;
        }
        tile = smaller;
        e = estimate_job(op, p, job.image.size(), bpp, tile, gflops, job.precision);
    }
    if (e.seconds > 120) {
        if (!askYesNo(tr("Long job"),
                      tr("%1 on this photo will take %2 on this computer.\n\nTo judge it sooner: zoom in on a "
                         "detail and press Preview (P), which computes only what is in view; choose a faster "
                         "method if the tool offers one; or run it on a graphics card (Settings → Device). "
                         "Start it now?")
                          .arg(tool, humanDuration(e.seconds)))) {
            return false;
        }
    }
    estimate_seconds_ = e.seconds;
    return true;
}

void JobController::measureDevice() {
    try {
        host_.measure(EngineSettings::deviceKind());
    } catch (const std::exception&) {
        host_.measure(DeviceKind::Cpu);
    }
}

void JobController::deviceChanged() {
    conv_gflops_ = 0;  // another device: measure it afresh
    measureDevice();
}

void JobController::setLivePreview(bool on) {
    live_ = on;
    schedulePreview();
}

bool JobController::reblend() {
    if (!full_preview_ || !live_ || running_id_ != 0 || !source_->hasPhoto()) return false;
    const JobInputs in = source_->jobInputs();
    const FullPreview& f = *full_preview_;
    auto params = in.params;
    const auto amount_text = params.find("amount");
    if (amount_text == params.end()) return false;
    params.erase("amount");
    const auto same_mat = [](const cv::Mat& a, const cv::Mat& b) {
        if (a.empty() || b.empty()) return a.empty() && b.empty();
        return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
    };
    if (in.op != f.op || in.image.data != f.image.data || in.image.size() != f.image.size() ||
        !same_mat(in.mask, f.mask)) {
        return false;
    }
    // The form's other values, canonicalised as the job's were.
    std::map<std::string, std::string> canonical;
    try {
        canonical = Registry::instance().get(in.op).resolve(in.params).values();
    } catch (const std::exception&) {
        return false;
    }
    const double amount = std::stod(canonical.at("amount"));
    canonical.erase("amount");
    if (canonical != f.params || (in.visible & f.region) != in.visible || in.visible.empty()) return false;
    preview_amount_ = amount;
    // What is on screen now counts as the newest preview: one still running was asked for other
    // settings and is dropped.
    preview_valid_from_ = next_id_;
    shown_preview_id_ = next_id_++;
    pending_preview_.reset();
    if (preview_running_id_ != 0) preview_cancel_.request();
    PreviewResult r;
    r.id = shown_preview_id_;
    r.region = f.region;
    r.pixels = blend_result(in.image(f.region), f.pixels, {}, amount);
    last_preview_ = r.pixels;
    last_preview_region_ = r.region;
    emit previewReady(r);
    emit statusChanged(tr("Amount %1%: blended from the last preview").arg(qRound(amount * 100)));
    emit previewShown();
    return true;
}

void JobController::invalidatePreview() {
    preview_valid_from_ = next_id_;
    pending_preview_.reset();
    if (preview_running_id_ != 0) preview_cancel_.request();
    emit previewCleared();
}

void JobController::schedulePreview() {
    if (reblend()) return;
    invalidatePreview();
    preview_armed_ = true;
    if (!source_->hasPhoto() || !live_) return;
    preview_timer_.start();
}

void JobController::holdPreview() {
    preview_timer_.stop();
    invalidatePreview();
    preview_armed_ = false;
}

void JobController::viewMoved() {
    if (preview_armed_ && live_) preview_timer_.start();
}

void JobController::previewNow() {
    if (!source_->hasPhoto() || running_id_ != 0) return;
    preview_timer_.stop();
    invalidatePreview();
    startPreview(true);
}

void JobController::startPreview(bool requested) {
    preview_skipped_ = false;
    if (!source_->hasPhoto() || running_id_ != 0 || (!requested && !live_)) return;
    double seconds = 0;
    const JobInputs in = source_->jobInputs();
    PreviewJob job;
    try {
        Params p;
        const Operation& op = prepare(job, in, p);
        if (op.info().mask == MaskUse::Required && job.mask.empty()) return;
        if (in.visible.empty()) return;
        job.region = in.visible;
        if (op.output_size(job.image.size(), p) == job.image.size() && p.values().count("amount") != 0) {
            preview_amount_ = p.number("amount");
            job.params.insert_or_assign("amount",
                                        format_number(1));  // blended on this side, so that Amount re-blends at once
        } else {
            preview_amount_ = 1;
        }
        if (!requested && shown_preview_id_ >= preview_valid_from_ && shown_preview_id_ != 0 &&
            (job.region & last_preview_region_) == job.region) {
            return;  // the preview on screen already covers the view (a redraw, or zoomed in on it)
        }
        JobEstimate e =
            estimate_preview(op, p, job.image.size(), job.region.size(), static_cast<int>(job.image.elemSize()),
                             job.tile, conv_gflops_ > 0 ? conv_gflops_ : kUnmeasuredGflops, job.precision);
        if (e.seconds > kLivePreviewLimit &&
            op.has_cached_pass(job.image, p, OpContext{job.device, job.tile, {}, nullptr, job.precision})) {
            e.seconds = 0.5;  // this photo's whole-photo pass is done; only carrying it is left
        }
        if (e.seconds > kLivePreviewLimit && !requested) {
            preview_skipped_ = true;
            emit statusChanged(tr("Live preview skipped: %1 for the visible area on this computer; "
                                  "press Preview (P) to compute it anyway, or zoom in on a detail")
                                   .arg(humanDuration(e.seconds)));
            return;
        }
        seconds = e.seconds;
    } catch (const std::exception& e) {
        if (requested) emit errorRaised(tr("Cannot preview"), q(e.what()));
        return;  // the live preview stays quiet: the tool panel already says what is wrong
    }
    job.id = next_id_++;
    if (requested) {
        if (requested_preview_id_ != 0) endRequestedPreview(requested_preview_id_);
        requested_preview_id_ = job.id;
        progress_->setValue(0);
        progress_->setVisible(true);
        cancel_->setVisible(true);
        eta_.start(seconds);
        emit statusChanged(tr("Previewing the visible area (%1)…").arg(humanDuration(seconds)));
        job_timer_.start();
    }
    if (preview_running_id_ != 0) {
        preview_cancel_.request();  // the newest request wins
        pending_preview_ = job;
    } else {
        submitPreview(job);
    }
}

void JobController::submitPreview(const PreviewJob& job) {
    ++previews_submitted_;
    FullPreview f;
    f.op = job.op;
    try {
        f.params = Registry::instance().get(job.op).resolve(job.params).values();
    } catch (const std::exception&) {
        f.op.clear();  // never matches: the settings are checked again when the job runs
    }
    f.params.erase("amount");
    f.image = job.image;
    f.mask = job.mask;
    f.region = job.region;
    preview_inputs_[job.id] = f;
    preview_running_id_ = job.id;
    preview_cancel_ = job.cancel;
    host_.submit(job);
}

void JobController::submitPendingPreview() {
    if (!pending_preview_ || running_id_ != 0) return;
    const PreviewJob next = *pending_preview_;
    pending_preview_.reset();
    submitPreview(next);
}

void JobController::endRequestedPreview(int id) {
    if (id != requested_preview_id_ || id == 0) return;
    requested_preview_id_ = 0;
    if (running_id_ == 0) {  // else the bar and the button belong to the running job now
        progress_->setVisible(false);
        cancel_->setVisible(false);
    }
}

void JobController::cancel() {
    if (running_id_ == 0 && requested_preview_id_ != 0) {
        if (pending_preview_ && pending_preview_->id == requested_preview_id_) {  // not started yet
            pending_preview_.reset();
            endRequestedPreview(requested_preview_id_);
            emit statusChanged(tr("Preview cancelled"));
            emit previewFailed(true);
            return;
        }
        preview_cancel_.request();
        emit statusChanged(tr("Cancelling the preview…"));
        return;
    }
    if (running_id_ == 0) return;
    running_cancel_.request();
    emit statusChanged(tr("Cancelling…"));
}

void JobController::onProgress(int id, int percent) {
    if (id != 0 && id == requested_preview_id_ && running_id_ == 0) {
        progress_->setValue(percent);
        if (percent > 0) {
            const double elapsed = job_timer_.elapsed() / 1000.0;
            emit statusChanged(tr("Previewing the visible area: %1% — %2 left")
                                   .arg(percent)
                                   .arg(humanDuration(eta_.update(percent, elapsed))));
        }
        return;
    }
    if (id != running_id_) return;  // live previews run without a progress bar
    progress_->setValue(percent);
    emit jobProgress(percent);
    if (percent > 0) {
        const double elapsed = job_timer_.elapsed() / 1000.0;
        emit statusChanged(tr("%1% — %2 left").arg(percent).arg(humanDuration(eta_.update(percent, elapsed))));
    }
}

void JobController::onPreview(const PreviewResult& r) {
    if (r.id == preview_running_id_) preview_running_id_ = 0;
    const bool requested = r.id == requested_preview_id_;
    endRequestedPreview(r.id);
    const bool show = r.id >= preview_valid_from_ && running_id_ == 0 && source_->hasPhoto();
    if (requested && !show) emit previewFailed(true);  // replaced by a newer request or by Apply
    cv::Mat computed_from;
    if (auto from = preview_inputs_.find(r.id); show && from != preview_inputs_.end()) {
        full_preview_ = from->second;
        full_preview_->pixels = r.pixels;
        computed_from = from->second.image;
    }
    for (auto it = preview_inputs_.begin(); it != preview_inputs_.end();) {
        it = it->first <= r.id ? preview_inputs_.erase(it) : std::next(it);
    }
    if (show) {
        PreviewResult shown = r;
        if (preview_amount_ < 1 && !computed_from.empty() && r.pixels.size() == r.region.size()) {
            shown.pixels = blend_result(computed_from(r.region), r.pixels, {}, preview_amount_);
        }
        last_preview_ = shown.pixels;
        last_preview_region_ = r.region;
        shown_preview_id_ = r.id;
        emit previewReady(shown);
        emit statusChanged(tr("Preview of the visible area in %1 s").arg(r.seconds, 0, 'f', 1));
        emit previewShown();
    }
    submitPendingPreview();
}

void JobController::onFinished(const JobResult& result) {
    if (const auto* preview = std::get_if<PreviewResult>(&result)) {
        onPreview(*preview);
        return;
    }
    if (const auto* found = std::get_if<DetectResult>(&result)) {
        if (found->id != running_id_) return;
        running_id_ = 0;
        running_detect_.clear();
        setBusy(false);
        if (found->regions == 0) {
            emit statusChanged(tr("No %1s found; paint over what to change instead").arg(region_noun_));
        } else {
            emit detected(found->mask);
            emit statusChanged(
                tr("%n %1(s) found and added to the mask in %2 s — adjust it, then Apply", "", found->regions)
                    .arg(region_noun_)
                    .arg(found->seconds, 0, 'f', 1));
        }
        emit jobDone(true);
        return;
    }
    const auto& r = std::get<ApplyResult>(result);
    if (r.id != running_id_) return;
    running_id_ = 0;
    setBusy(false);
    emit applied(r);
    QString msg = tr("%1 done in %2 s").arg(q(r.entry.op)).arg(r.seconds, 0, 'f', 1);
    for (const auto& w : r.warnings) msg += " — " + q(w);
    emit statusChanged(msg);
    emit jobDone(true);
}

void JobController::onFailed(int id, const QString& message, bool cancelled) {
    if (id == requested_preview_id_ && id != 0) {
        endRequestedPreview(id);
        if (running_id_ == 0) {
            emit statusChanged(cancelled ? tr("Preview cancelled") : tr("Preview failed"));
            if (!cancelled) emit errorRaised(tr("The preview failed"), message);
        }
        emit previewFailed(cancelled);
    }
    if (id == preview_running_id_) {
        preview_running_id_ = 0;
        submitPendingPreview();
        return;
    }
    if (id != running_id_) return;
    running_id_ = 0;
    const QString detect = running_detect_;
    running_detect_.clear();
    setBusy(false);
    emit applyFailed();  // nothing was pushed: the state before the job is what is shown
    emit statusChanged(cancelled ? tr("Cancelled; nothing changed") : tr("Failed"));
    if (!cancelled) {
        emit errorRaised(detect.isEmpty() ? tr("The operation failed") : tr("Cannot %1").arg(detect), message);
    }
    emit jobDone(false);
}

}  // namespace restora::ui
