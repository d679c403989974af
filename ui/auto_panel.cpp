#include "auto_panel.h"

#include <algorithm>

#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>
#include <QPushButton>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include "job_controller.h"
#include "parameter_form.h"
#include "tool_panel.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString step_text(const ProposedStep& s) {
    QString t = q(s.op);
    for (const auto& [k, v] : s.params) {
        const bool chosen = std::find(s.chosen.begin(), s.chosen.end(), k) != s.chosen.end();
        t += QStringLiteral("  %1 %2").arg(q(k), q(v));
        if (chosen) t += QObject::tr(" (auto)");
    }
    t += QObject::tr("  - for %1").arg(q(s.reason));
    return t;
}

}  // namespace

AutoPanel* AutoPanel::attach(QMainWindow* window, ToolPanel* tools, JobController* jobs) {
    auto* dock = new QDockWidget(tr("Auto"), window);
    dock->setObjectName("auto-dock");
    auto* panel = new AutoPanel(dock);
    dock->setWidget(panel);
    window->addDockWidget(Qt::RightDockWidgetArea, dock);
    connect(panel, &AutoPanel::applyStep, window,
            [tools, jobs, panel](const QString& op, const std::map<std::string, std::string>& params) {
                tools->selectOperation(op);  // the window rebuilds the form with the photo's defaults
                for (const auto& [k, v] : params) tools->form()->setValue(k, q(v));
                jobs->apply();
                if (!jobs->busy()) panel->stepFailed();  // declined (a long job the user did not confirm) or refused
            });
    // After the window's own handler has pushed the result onto the session.
    connect(jobs, &JobController::applied, panel, &AutoPanel::stepApplied);
    connect(jobs, &JobController::applyFailed, panel, &AutoPanel::stepFailed);
    return panel;
}

AutoPanel::AutoPanel(QWidget* parent) : QWidget(parent), models_(std::make_shared<ModelCache>()) {
    auto* layout = new QVBoxLayout(this);
    status_ =
        new QLabel(tr("Open a photo: Restora looks at what is wrong with it and proposes the tools that help."), this);
    status_->setWordWrap(true);
    layout->addWidget(status_);
    findings_ = new QLabel(this);
    findings_->setWordWrap(true);
    findings_->setTextFormat(Qt::RichText);
    layout->addWidget(findings_);
    steps_layout_ = new QVBoxLayout();
    layout->addLayout(steps_layout_);
    apply_all_ = new QPushButton(tr("Apply all"), this);
    apply_all_->setToolTip(tr("Apply the checked steps in this order; each lands in the history as its own step"));
    apply_all_->setEnabled(false);
    layout->addWidget(apply_all_);
    layout->addStretch(1);
    connect(apply_all_, &QPushButton::clicked, this, &AutoPanel::applyAll);
}

AutoPanel::~AutoPanel() = default;

void AutoPanel::analyse(const cv::Mat& pixels, int file_jpeg_quality) {
    pending_ = std::make_unique<Pending>(Pending{pixels.clone(), file_jpeg_quality});
    ++generation_;
    queue_.clear();
    status_->setText(tr("Analysing the photo…"));
    findings_->clear();
    for (QCheckBox* b : boxes_) b->deleteLater();
    boxes_.clear();
    apply_all_->setEnabled(false);
    if (!running_) start();
}

void AutoPanel::start() {
    if (!pending_) return;
    running_ = true;
    const std::shared_ptr<Pending> job(pending_.release());
    const unsigned generation = generation_;
    const std::shared_ptr<ModelCache> models = models_;
    QPointer<AutoPanel> self(this);
    QThread* thread = QThread::create([job, generation, models, self] {
        Analysis a;
        std::string error;
        try {
            a = analyze_image(job->pixels, job->quality, AnalysisOptions{}, models.get());
        } catch (const std::exception& e) {
            error = e.what();
        }
        QCoreApplication* app = QCoreApplication::instance();
        if (app == nullptr) return;  // the application is closing
        QMetaObject::invokeMethod(
            app,
            [a, error, generation, self] {
                if (self.isNull()) return;
                self->running_ = false;
                if (error.empty()) {
                    self->show(a, generation);
                } else if (generation == self->generation_) {
                    self->status_->setText(tr("The analysis failed: %1").arg(q(error)));
                }
                self->start();  // a photo opened meanwhile
            },
            Qt::QueuedConnection);
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start(QThread::LowPriority);
}

void AutoPanel::show(const Analysis& a, unsigned generation) {
    if (generation != generation_) return;  // an older photo's
    analysis_ = a;
    QString html;
    for (const Finding& f : a.findings) {
        if (!f.available) {
            html += tr("<span style='color:gray'>%1: not checked automatically yet</span><br>").arg(q(f.kind));
            continue;
        }
        const bool counts = f.confidence >= kFindingThreshold;
        const std::string unit = finding_unit(f.kind);
        // How sure, in words (the number is in `restora-cli analyze --json`).
        const QString sure = f.confidence >= 0.9   ? tr("sure")
                             : f.confidence >= 0.7 ? tr("likely")
                             : counts              ? tr("possible")
                                                   : tr("not found");
        const QString line = QStringLiteral("%1 (%2%3) · %4")
                                 .arg(q(f.kind))
                                 .arg(f.level)
                                 .arg(unit.empty() ? QString() : " " + q(unit))
                                 .arg(sure);
        html += counts ? QStringLiteral("<b>%1</b><br>").arg(line)
                       : QStringLiteral("<span style='color:gray'>%1</span><br>").arg(line);
    }
    findings_->setText(html);
    for (const ProposedStep& s : a.steps) {
        auto* box = new QCheckBox(step_text(s), this);
        box->setChecked(s.applied_by_auto);
        if (!s.applied_by_auto) {
            box->setEnabled(false);
            box->setToolTip(tr("Proposed only: Auto never changes the photo's size; use the tool itself"));
        }
        steps_layout_->addWidget(box);
        boxes_.push_back(box);
    }
    status_->setText(a.steps.empty() ? tr("Nothing to restore: no degradation found (%1 s).").arg(a.seconds, 0, 'f', 1)
                                     : tr("Proposed steps, in order (values marked auto were chosen for this "
                                          "photo; %1 s):")
                                           .arg(a.seconds, 0, 'f', 1));
    apply_all_->setEnabled(
        std::any_of(a.steps.begin(), a.steps.end(), [](const auto& s) { return s.applied_by_auto; }));
    emit analysed();
}

void AutoPanel::applyAll() {
    queue_.clear();
    for (size_t i = 0; i < boxes_.size() && i < analysis_.steps.size(); ++i) {
        if (boxes_[i]->isChecked() && analysis_.steps[i].applied_by_auto) queue_.push_back(analysis_.steps[i]);
    }
    apply_all_->setEnabled(false);
    nextStep();
}

void AutoPanel::nextStep() {
    if (queue_.empty()) {
        applying_ = false;
        apply_all_->setEnabled(!analysis_.steps.empty());
        status_->setText(tr("Applied: each step is in the history and can be undone or retuned with its tool."));
        return;
    }
    const ProposedStep s = queue_.front();
    queue_.pop_front();
    applying_ = true;
    status_->setText(tr("Applying %1…").arg(q(s.op)));
    emit applyStep(q(s.op), s.params);
}

void AutoPanel::stepApplied() {
    // After the window has finished with this result (it shows the new state first).
    if (applying_) QTimer::singleShot(0, this, &AutoPanel::nextStep);
}

void AutoPanel::stepFailed() {
    if (!applying_) return;
    applying_ = false;
    queue_.clear();
    apply_all_->setEnabled(true);
    status_->setText(tr("Stopped: a step failed or was cancelled."));
}

}  // namespace restora::ui
