// The main window on the offscreen platform: open, apply on the worker, undo/redo, cancel,
// export with metadata and history, bad files.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <QCheckBox>
#include <QPushButton>

#include "help_dialogs.h"
#include "history_list.h"
#include "main_window.h"
#include "mask_panel.h"
#include "parameter_form.h"
#include "qt_image.h"
#include "restora/core/history.h"
#include "restora/core/image_io.h"
#include "restora/core/model_import.h"
#include "restora/core/model_store.h"

using restora::ui::ImageView;
using restora::ui::MainWindow;
using restora::ui::MaskEdit;
using restora::ui::MaskTool;
using restora::ui::to_qimage;

namespace {

// Sends a real mouse event to the view at a widget position.
void mouse(ImageView* v, QEvent::Type type, const QPointF& at, Qt::MouseButtons buttons,
           Qt::KeyboardModifiers mods = Qt::NoModifier) {
    const Qt::MouseButton b = type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent e(type, at, v->mapToGlobal(at), b, buttons, mods);
    QApplication::sendEvent(v, &e);
}

// Drags the left button through image points (the view maps them to widget positions).
void stroke(ImageView* v, const std::vector<QPointF>& image_points, double pane_x = 0) {
    std::vector<QPointF> w;
    for (const QPointF& p : image_points) w.push_back(v->imageToWidget(p) + QPointF(pane_x, 0));
    mouse(v, QEvent::MouseButtonPress, w.front(), Qt::LeftButton);
    for (std::size_t i = 1; i < w.size(); ++i) mouse(v, QEvent::MouseMove, w[i], Qt::LeftButton);
    mouse(v, QEvent::MouseButtonRelease, w.back(), Qt::NoButton);
}

bool selectedAt(const restora::ui::MaskLayer* m, int x, int y) { return m->coverage().at<uchar>(y, x) > 127; }

// The source tree (sample photo, test data): ctest passes it (tests/ui/CMakeLists.txt).
QString sourceDir() { return qEnvironmentVariable("RESTORA_TEST_SOURCE_DIR"); }

}  // namespace

// A 3-MP random photo: long enough to denoise that a job can be watched and cancelled.
QString writeNoisePhoto(const QTemporaryDir& dir) {
    const QString path = dir.filePath("big.png");
    cv::Mat img(1500, 2000, CV_8UC3);
    cv::randu(img, 0, 255);
    cv::imwrite(path.toStdString(), img);
    return path;
}

// A 1100x750 window on the bundled sample, fitted.
bool openSample(MainWindow& w, bool live_preview) {
    w.resize(1100, 750);
    w.show();
    w.setLivePreview(live_preview);
    return w.openFile(sourceDir() + "/resources/sample/chelsea-noisy.jpg");
}

// A 900x600 window on the bundled sample at 1:1, zoomed in once: only part of the photo is in view.
bool openSampleZoomedIn(MainWindow& w, bool live_preview) {
    w.resize(900, 600);
    w.show();
    w.setLivePreview(live_preview);
    if (!w.openFile(sourceDir() + "/resources/sample/chelsea-noisy.jpg")) return false;
    w.view()->actualSize();
    w.view()->zoomIn();
    return true;
}

class GuiTest : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("RestoraTest");
        QCoreApplication::setApplicationName("RestoraTest");
    }

    void openApplyUndoRedoExport() {
        MainWindow w;
        w.resize(1000, 700);
        w.show();
        const QString sample = sourceDir() + "/resources/sample/chelsea-noisy.jpg";
        QVERIFY(w.openFile(sample));
        QCOMPARE(w.session()->current().cols, 451);
        w.selectOperation("upscale");
        w.setParameter("model", "bicubic");
        w.setParameter("scale", "2");
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(w.busy());
        QVERIFY(done.wait(30000));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        QCOMPARE(w.session()->current().cols, 902);
        QVERIFY(w.session()->can_undo());
        w.undo();
        QCOMPARE(w.session()->current().cols, 451);
        w.redo();
        QCOMPARE(w.session()->current().cols, 902);

        QTemporaryDir dir;
        const QString out = dir.filePath("out.jpg");
        QCOMPARE(w.exportTo(out, false), QString());
        const restora::LoadedImage back = restora::load_image(out.toStdString());
        QCOMPARE(back.pixels.cols, 902);
        QCOMPARE(QString::fromStdString(back.metadata.all_values().at("Exif.Image.Artist")),
                 QString("Stefan van der Walt"));
        const auto h = restora::History::from_json(back.metadata.history_json());
        QCOMPARE(static_cast<int>(h.entries.size()), 1);
        QCOMPARE(QString::fromStdString(h.entries[0].op), QString("upscale"));
        // Never onto the original.
        QVERIFY(!w.exportTo(sample, false).isEmpty());
    }

    void cancelRestoresTheStateBeforeTheJob() {
        QTemporaryDir dir;
        const QString big = writeNoisePhoto(dir);
        MainWindow w;
        w.show();
        QVERIFY(w.openFile(big));
        const cv::Mat before = w.session()->current();
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");  // the job machinery, not the network, is under test
        QSignalSpy progress(&w, &MainWindow::jobProgress);
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).toInt() > 0, 60000);
        w.cancelJob();
        QVERIFY(done.wait(60000));
        QCOMPARE(done.takeFirst().at(0).toBool(), false);  // cancelled mid-way
        QVERIFY(!w.session()->can_undo());
        QVERIFY(w.session()->current().data == before.data);  // the very state before the job
        QVERIFY(!w.busy());
    }

    void everyCompareModeAndTheOriginalKey() {
        MainWindow w;
        w.resize(900, 600);
        w.show();
        QVERIFY(w.openFile(sourceDir() + "/resources/sample/chelsea-noisy.jpg"));
        using restora::ui::CompareMode;
        for (CompareMode m :
             {CompareMode::After, CompareMode::SplitVertical, CompareMode::SplitHorizontal, CompareMode::SideBySide}) {
            w.setCompareMode(m);
            QCOMPARE(w.view()->compareMode(), m);
            const QImage shot = w.view()->grab().toImage();
            QVERIFY(!shot.isNull());
        }
        // Zoom shortcuts act on the view; the view keeps its zoom across modes.
        w.view()->actualSize();
        QCOMPARE(w.view()->zoom(), 1.0);
        w.view()->zoomIn();
        QVERIFY(w.view()->zoom() > 1.0);
        w.setCompareMode(CompareMode::SplitVertical);
        QVERIFY(w.view()->zoom() > 1.0);
        QTest::keyPress(&w, Qt::Key_Backslash);
        QTest::keyRelease(&w, Qt::Key_Backslash);
    }

    void eventLoopKeepsTurningDuringALongJob() {
        QTemporaryDir dir;
        const QString big = writeNoisePhoto(dir);
        MainWindow w;
        w.show();
        QVERIFY(w.openFile(big));
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, [&ticks] { ++ticks; });
        timer.start(20);
        QSignalSpy done(&w, &MainWindow::jobDone);
        QElapsedTimer clock;
        clock.start();
        w.apply();
        QVERIFY(done.wait(120000));
        const qint64 ms = clock.elapsed();
        // The GUI thread served its timer throughout: at least half the ticks a free loop gets.
        QVERIFY2(ticks >= ms / 40, qPrintable(QString("%1 ticks in %2 ms").arg(ticks).arg(ms)));
        QVERIFY(ms > 200);  // the job was long enough to tell
    }

    void livePreviewEqualsApplyInTheVisibleArea() {
        MainWindow w;
        QVERIFY(openSampleZoomedIn(w, true));
        QSignalSpy shown(&w, &MainWindow::previewShown);
        w.selectOperation("denoise");
        w.setParameter("strength", "0.4");
        QVERIFY(shown.wait(30000));
        const cv::Rect region = w.lastPreviewRegion();
        const cv::Mat preview = w.lastPreview().clone();
        QVERIFY(region.area() > 0);
        QVERIFY(region.area() < w.session()->current().size().area());  // a part, not the whole
        QCOMPARE(preview.cols, region.width);
        QVERIFY(!w.session()->can_undo());  // a preview changes nothing
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(30000));
        const cv::Mat applied = w.session()->current()(region);
        QCOMPARE(cv::norm(applied, preview, cv::NORM_INF), 0.0);  // Preview = Apply
    }

    // Opening another photo or closing with unexported changes asks first: Cancel stays, Export
    // writes the photo and goes on, Discard goes on; no question without changes (also after
    // undoing back to the opened photo or after an export).
    void unexportedChangesAskBeforeOpeningOrClosing() {
        QTemporaryDir dir;
        MainWindow w;
        w.resize(900, 600);
        w.show();
        w.setLivePreview(false);
        const QString sample = sourceDir() + "/resources/sample/chelsea-noisy.jpg";
        QVERIFY(w.openFile(sample));
        int asked = 0;
        QString named;
        auto answer = MainWindow::UnsavedChoice::Cancel;
        w.setUnsavedQuestion([&](const QString& file) {
            ++asked;
            named = file;
            return answer;
        });
        QVERIFY(w.openFile(sample));  // nothing changed: no question
        QCOMPARE(asked, 0);
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        QSignalSpy done(&w, &MainWindow::jobDone);
        const auto applyOnce = [&] {
            w.apply();
            return done.wait(30000);
        };
        QVERIFY(applyOnce());
        QVERIFY(w.hasUnexportedChanges());
        const cv::Mat edited = w.session()->current();
        QVERIFY(!w.openFile(sample));  // Cancel: the edit stays on screen
        QCOMPARE(asked, 1);
        QCOMPARE(named, QString("chelsea-noisy.jpg"));
        QVERIFY(w.session()->current().data == edited.data);
        QVERIFY(!w.close());  // Cancel keeps the window open
        QVERIFY(w.isVisible());
        QCOMPARE(asked, 2);
        w.undo();
        QVERIFY(!w.hasUnexportedChanges());
        w.redo();
        QVERIFY(w.hasUnexportedChanges());
        const QString out = dir.filePath("out.png");
        QVERIFY(w.exportTo(out, false).isEmpty());
        QVERIFY(!w.hasUnexportedChanges());
        QVERIFY(applyOnce());  // a second denoise, not exported yet
        const cv::Mat twice = w.session()->current().clone();
        answer = MainWindow::UnsavedChoice::Export;  // exports to the last export, then opens
        QVERIFY(w.openFile(sample));
        QCOMPARE(asked, 3);
        QCOMPARE(cv::norm(cv::imread(out.toStdString()), twice, cv::NORM_INF), 0.0);
        QVERIFY(!w.session()->can_undo());
        QVERIFY(applyOnce());
        answer = MainWindow::UnsavedChoice::Discard;
        QVERIFY(w.openFile(sample));
        QCOMPARE(asked, 4);
        QVERIFY(!w.hasUnexportedChanges());
        QVERIFY(w.close());  // nothing to lose: closes at once
        QCOMPARE(asked, 4);
    }

    // Amount re-blends the last preview at once, without running the tool again, and Apply gives
    // what the preview showed; the history records the amount.
    void amountReblendsThePreviewWithoutRunningTheToolAgain() {
        MainWindow w;
        QVERIFY(openSampleZoomedIn(w, true));
        QSignalSpy shown(&w, &MainWindow::previewShown);
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        QVERIFY(shown.wait(30000));
        for (int i = 0; i < 4 && shown.wait(1500); ++i) {
        }  // let the debounce settle
        const cv::Mat full = w.lastPreview().clone();
        const cv::Rect region = w.lastPreviewRegion();
        const cv::Mat photo = w.session()->current()(region).clone();
        QVERIFY(cv::norm(full, photo, cv::NORM_INF) > 10);
        const int jobs = w.previewJobsSubmitted();
        shown.clear();
        w.setParameter("amount", "0.5");
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() >= 1, 1000);
        QCOMPARE(w.previewJobsSubmitted(), jobs);  // no network, no job: a blend
        QCOMPARE(w.lastPreviewRegion(), region);
        const cv::Mat half = w.lastPreview().clone();
        cv::Mat expected;
        cv::addWeighted(photo, 0.5, full, 0.5, 0, expected);
        QVERIFY(cv::norm(half, expected, cv::NORM_INF) <= 1);
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(30000));
        QVERIFY(cv::norm(w.session()->current()(region), half, cv::NORM_INF) <= 1);  // Apply = preview
        QCOMPARE(QString::fromStdString(w.session()->history().entries.back().params.at("amount")), QString("0.5"));
    }

    // Preview (P) computes the visible area on request, with the live preview off, and equals
    // Apply there; a requested preview can be cancelled and leaves the photo as it was.
    void previewNowOnRequestAndCancel() {
        MainWindow w;
        QVERIFY(openSampleZoomedIn(w, false));
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        QSignalSpy shown(&w, &MainWindow::previewShown);
        QSignalSpy failed(&w, &MainWindow::previewFailed);
        QVERIFY(!shown.wait(1000));  // the live preview is off
        w.previewNow();
        QVERIFY(shown.wait(30000));
        QVERIFY(failed.isEmpty());
        const cv::Rect region = w.lastPreviewRegion();
        const cv::Mat preview = w.lastPreview().clone();
        QVERIFY(region.area() > 0 && region.area() < w.session()->current().size().area());
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(30000));
        QCOMPARE(cv::norm(w.session()->current()(region), preview, cv::NORM_INF), 0.0);

        // Cancel: MAXIM on the whole 3-MP photo would run for minutes on a CPU.
        QTemporaryDir dir;
        QVERIFY(w.openFile(writeNoisePhoto(dir)));
        w.view()->fitToWindow();
        w.selectOperation("denoise");
        w.setParameter("model", "maxim");
        const cv::Mat before = w.session()->current();
        shown.clear();
        failed.clear();
        QElapsedTimer clock;
        clock.start();
        w.previewNow();
        QTest::qWait(300);
        w.cancelJob();
        QVERIFY(failed.wait(60000));
        QCOMPARE(failed.takeFirst().at(0).toBool(), true);
        QVERIFY(shown.isEmpty());
        QVERIFY(clock.elapsed() < 30000);
        QVERIFY(!w.session()->can_undo());
        QVERIFY(w.session()->current().data == before.data);
    }

    // upscale model=tunable: moving the Realism slider refolds the network on the worker and the
    // preview changes; Apply records the value; other models get no realism parameter.
    void realismSliderRetunesThePreview() {
        QTemporaryDir dir;
        const QString path = dir.filePath("small.png");
        const cv::Mat photo = cv::imread(sourceDir().toStdString() + "/resources/sample/chelsea-noisy.jpg");
        cv::Mat small;
        cv::resize(photo, small, {photo.cols / 4, photo.rows / 4}, 0, 0, cv::INTER_AREA);
        cv::imwrite(path.toStdString(), small);
        MainWindow w;
        w.resize(900, 600);
        w.show();
        w.setLivePreview(true);
        QVERIFY(w.openFile(path));
        QSignalSpy shown(&w, &MainWindow::previewShown);
        w.selectOperation("upscale");
        w.setParameter("model", "tunable");
        w.setParameter("realism", "0");
        QVERIFY(shown.wait(30000));
        for (int i = 0; i < 4 && shown.wait(1500); ++i) {
        }  // let the debounce settle on the last value
        const cv::Mat fidelity = w.lastPreview().clone();
        w.setParameter("realism", "1");
        QVERIFY(shown.wait(30000));
        const cv::Mat realism = w.lastPreview().clone();
        QCOMPARE(realism.size(), fidelity.size());
        QVERIFY(cv::norm(fidelity, realism, cv::NORM_L1) / static_cast<double>(realism.total()) > 0.5);
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(60000));
        const auto entries = w.session()->history().entries;
        QVERIFY(!entries.empty());
        QCOMPARE(QString::fromStdString(entries.back().params.at("realism")), QString("1"));
        QCOMPARE(QString::fromStdString(entries.back().model), QString("sr-tunable-x4"));
        // Settings → Precision, Automatic (the default): bfloat16 where the CPU computes it natively.
        QCOMPARE(QString::fromStdString(entries.back().precision),
                 QString(restora::cpu_has_native_bf16() ? "bf16" : ""));
        // Another model: the realism row no longer applies and is not sent.
        w.setParameter("model", "bicubic");
        w.apply();
        QVERIFY(done.wait(60000));
        QCOMPARE(w.session()->history().entries.back().params.count("realism"), std::size_t{0});
    }

    // The mask editor end to end: paint, undo a stroke, invert, grow, apply, undo the operation
    // (the mask is still there), export the mask; then an upscale resamples it.
    // Drawing the mask's outline over the preview never changes the mask: an imported mask stays
    // whole through a live preview in split view at 100% and a brush dab adds to it (the outline
    // was once computed into the mask's own pixels, emptying the selection right of the divider).
    void importedMaskThenABrushDabAddsToIt() {
        QTemporaryDir dir;
        MainWindow w;
        w.resize(1280, 800);
        w.show();
        w.setLivePreview(true);
        QVERIFY(w.openFile(sourceDir() + "/resources/sample/chelsea-noisy.jpg"));
        w.setCompareMode(restora::ui::CompareMode::SplitVertical);
        w.selectOperation("denoise");
        const cv::Size size = w.session()->current().size();
        cv::Mat ellipse = cv::Mat::zeros(size, CV_8U);
        cv::ellipse(ellipse, {size.width / 2, size.height / 2}, {size.width / 3, size.height / 3}, 0, 0, 360,
                    cv::Scalar(255), cv::FILLED);
        const QString path = dir.filePath("ellipse.png");
        QVERIFY(cv::imwrite(path.toStdString(), ellipse));
        QVERIFY(w.setMaskFile(path));
        restora::ui::MaskLayer* m = w.currentMask();
        QCOMPARE(cv::countNonZero(m->binary() != ellipse), 0);
        QTest::qWait(1500);  // the live preview of the masked tool runs
        QCOMPARE(cv::countNonZero(m->binary() != ellipse), 0);
        QCOMPARE(w.currentMask(), m);
        QCOMPARE(w.view()->maskLayer(), m);
        w.maskPanel()->setTool(MaskTool::Brush);
        w.maskPanel()->setBrushRadius(20);
        stroke(w.view(), {{size.width * 0.78, size.height * 0.62}});
        cv::Mat lost;
        cv::bitwise_and(ellipse, ~m->binary(), lost);
        QCOMPARE(cv::countNonZero(lost), 0);
        QVERIFY(m->selected_fraction() > cv::countNonZero(ellipse) / static_cast<double>(ellipse.total()));
    }

    // Before/After mean one thing: after Apply, and after Undo then Redo, Before is the photo
    // before the edit and After its result, labelled as applied (no preview of the tool applied a
    // second time); after Undo, the live preview compares the photo with the tool's preview.
    void beforeAndAfterThroughUndoAndRedo() {
        MainWindow w;
        QVERIFY(openSample(w, true));
        w.setCompareMode(restora::ui::CompareMode::SplitVertical);
        const QImage original = to_qimage(w.session()->current());
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        QSignalSpy done(&w, &MainWindow::jobDone);
        QSignalSpy shown(&w, &MainWindow::previewShown);
        w.apply();
        QVERIFY(done.wait(60000));
        const QImage result = to_qimage(w.session()->current());
        QVERIFY(result != original);
        const auto applied = [&] {
            return w.view()->beforeImage() == original && w.view()->afterImage() == result && !w.view()->hasPreview() &&
                   w.view()->afterLabelText() == "After · Denoise applied";
        };
        QVERIFY(applied());
        w.undo();
        QVERIFY(shown.wait(60000));  // the tool's live preview over the photo as it is again
        QVERIFY(w.view()->beforeImage() == original);
        QVERIFY(w.view()->hasPreview());
        QCOMPARE(w.view()->afterLabelText(), QString("After · preview"));
        const int previews = w.previewJobsSubmitted();
        w.redo();
        QVERIFY(applied());
        QTest::qWait(1200);  // longer than the live preview's delay: no preview of it applied twice
        QCOMPARE(w.previewJobsSubmitted(), previews);
        QVERIFY(applied());
    }

    // The History list is a timeline: steps in words, a click shows the photo at that step, the
    // later steps stay (greyed) until a new edit replaces them.
    void historyClicksShowEachStep() {
        MainWindow w;
        QVERIFY(openSample(w, false));
        const cv::Mat original = w.session()->current().clone();
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        w.setParameter("strength", "0.8");
        w.apply();
        QVERIFY(done.wait(60000));
        const cv::Mat first = w.session()->current().clone();
        w.selectOperation("upscale");
        w.setParameter("model", "bicubic");
        w.setParameter("scale", "2");
        w.apply();
        QVERIFY(done.wait(60000));
        auto* list = w.findChild<restora::ui::HistoryList*>();
        QVERIFY(list != nullptr);
        QCOMPARE(list->count(), 3);
        QCOMPARE(list->item(1)->text(), QString("Denoise · nlmeans · strength 0.8"));
        QCOMPARE(list->item(2)->text(), QString("Upscale · bicubic · ×2"));
        const auto click = [&](int row) {
            const QRect r = list->visualItemRect(list->item(row));
            QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, r.center());
        };
        click(0);
        QCOMPARE(w.session()->applied_count(), std::size_t{0});
        QCOMPARE(cv::norm(w.session()->current(), original, cv::NORM_INF), 0.0);
        QCOMPARE(list->count(), 3);  // the undone steps are still listed
        click(1);
        QCOMPARE(w.session()->applied_count(), std::size_t{1});
        QCOMPARE(cv::norm(w.session()->current(), first, cv::NORM_INF), 0.0);
        QCOMPARE(list->currentRow(), 1);
        // A new edit at step 1 replaces the undone upscale.
        w.selectOperation("denoise");
        w.apply();
        QVERIFY(done.wait(60000));
        QCOMPARE(list->count(), 3);
        QVERIFY(list->item(2)->text().startsWith("Denoise"));
    }

    // Settings the user chose stay with the tool across photos; Reset brings back the defaults.
    // Applying hides the mask overlay (the result is judged without it); a new photo shows masks.
    void settingsStayAcrossPhotosAndMaskHidesAfterApply() {
        MainWindow w;
        QVERIFY(openSample(w, false));
        const QString sample = sourceDir() + "/resources/sample/chelsea-noisy.jpg";
        w.selectOperation("denoise");
        w.setParameter("strength", "0.8");
        w.selectOperation("inpaint");
        w.setParameter("model", "telea");
        w.maskPanel()->setTool(MaskTool::Brush);
        w.maskPanel()->setBrushRadius(8);
        stroke(w.view(), {{100, 100}, {140, 110}});
        QVERIFY(w.view()->maskVisible());
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(60000));
        QVERIFY(!w.view()->maskVisible());
        w.setUnsavedQuestion([](const QString&) { return MainWindow::UnsavedChoice::Discard; });
        QVERIFY(w.openFile(sample));
        QVERIFY(w.view()->maskVisible());
        w.selectOperation("denoise");
        auto* form = w.findChild<restora::ui::ParameterForm*>();
        QCOMPARE(QString::fromStdString(form->values().at("strength")), QString("0.8"));
        auto* reset = w.findChild<QPushButton*>(QString(), Qt::FindChildrenRecursively);
        for (QPushButton* b : w.findChildren<QPushButton*>()) {
            if (b->text() == "Reset") reset = b;
        }
        QVERIFY(reset != nullptr && reset->text() == "Reset");
        reset->click();
        QCOMPARE(QString::fromStdString(form->values().at("strength")), QString("0.5"));
    }

    // Protect mode: what is painted stays bit for bit; the tool changes the rest of the photo.
    void protectKeepsWhatIsPainted() {
        MainWindow w;
        QVERIFY(openSample(w, false));
        const cv::Mat original = w.session()->current().clone();
        w.selectOperation("denoise");
        w.setParameter("model", "nlmeans");
        auto* protect = w.maskPanel()->findChild<QCheckBox*>();
        for (QCheckBox* c : w.maskPanel()->findChildren<QCheckBox*>()) {
            if (c->text() == "Protect what I paint") protect = c;
        }
        QVERIFY(protect != nullptr && protect->text() == "Protect what I paint" && protect->isVisibleTo(&w));
        protect->setChecked(true);
        MaskEdit rect;
        rect.kind = MaskEdit::Kind::Rect;
        rect.points = {{100, 60}, {260, 200}};
        w.editMask(rect);
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(60000));
        const cv::Mat out = w.session()->current();
        const cv::Rect kept(100 + 1, 60 + 1, 160 - 2, 140 - 2);  // inside the painted rectangle
        QCOMPARE(cv::norm(out(kept), original(kept), cv::NORM_INF), 0.0);
        const cv::Rect changed(300 + 16, 0, 451 - 316, 300);  // beyond the feather band outside it
        QVERIFY(cv::norm(out(changed), original(changed), cv::NORM_INF) > 0);
        // Inpainting fills what is painted: no protect mode there.
        w.selectOperation("inpaint");
        QVERIFY(!protect->isVisibleTo(&w));
    }

    // Help: the shortcuts come from the window's own menus; About names every library's version.
    void helpListsShortcutsAndVersions() {
        MainWindow w;
        const QString keys = restora::ui::shortcutsHtml(&w);
        QVERIFY(keys.contains("Ctrl+O") && keys.contains("Open"));
        QVERIFY(keys.contains("Ctrl+Z") && keys.contains("Undo"));
        QVERIFY(keys.contains("Hold") || keys.contains("hold"));
        const QString about = restora::ui::aboutHtml();
        for (const char* lib : {"libtorch", "Qt", "OpenCV", "Exiv2"}) QVERIFY2(about.contains(lib), lib);
        QVERIFY(about.contains(QString::fromLatin1(qVersion())));
        QVERIFY(about.contains(QRegularExpression("Exiv2</b></td><td>0\\.\\d+")));
    }

    void paintMaskApplyUndoExport() {
        MainWindow w;
        QVERIFY(openSample(w, false));
        const cv::Mat original = w.session()->current().clone();
        w.selectOperation("inpaint");
        w.setParameter("model", "telea");
        restora::ui::MaskLayer* m = w.currentMask();
        QVERIFY(m != nullptr);
        QCOMPARE(m->size(), original.size());
        QVERIFY(m->empty());
        w.apply();  // nothing painted yet: refused, nothing runs
        QVERIFY(!w.busy());

        w.maskPanel()->setTool(MaskTool::Brush);
        w.maskPanel()->setBrushRadius(6);
        ImageView* v = w.view();
        QCOMPARE(v->maskLayer(), m);
        stroke(v, {{100, 100}, {140, 105}, {200, 120}});
        QVERIFY(selectedAt(m, 150, 108));
        QVERIFY(!selectedAt(m, 150, 140));
        const int first = cv::countNonZero(m->binary());
        stroke(v, {{300, 200}, {350, 220}});
        QVERIFY(selectedAt(m, 325, 210));
        w.undo();  // the second stroke only
        QVERIFY(!selectedAt(m, 325, 210));
        QCOMPARE(cv::countNonZero(m->binary()), first);

        MaskEdit e;
        e.kind = MaskEdit::Kind::Invert;
        w.editMask(e);
        QCOMPARE(cv::countNonZero(m->binary()), static_cast<int>(original.total()) - first);
        w.editMask(e);  // and back
        e.kind = MaskEdit::Kind::Grow;
        e.amount = 4;
        w.editMask(e);
        const cv::Mat grown = m->binary();
        QVERIFY(cv::countNonZero(grown) > first);

        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        QVERIFY(done.wait(30000));
        QCOMPARE(done.takeFirst().at(0).toBool(), true);
        const cv::Mat filled = w.session()->current().clone();
        cv::Mat diff;
        cv::absdiff(filled, original, diff);
        cv::Mat outside;
        cv::bitwise_not(grown, outside);
        QCOMPARE(cv::norm(diff, cv::NORM_INF, outside), 0.0);  // outside the mask: bit-identical
        QVERIFY(cv::norm(diff, cv::NORM_L1, grown) > 0);       // inside: filled

        w.undo();  // the operation
        QCOMPARE(cv::norm(w.session()->current(), original, cv::NORM_INF), 0.0);
        QCOMPARE(w.currentMask(), m);
        QCOMPARE(cv::norm(m->binary(), grown, cv::NORM_INF), 0.0);  // the mask is still there
        w.redo();
        QCOMPARE(cv::norm(w.session()->current(), filled, cv::NORM_INF), 0.0);
        QTemporaryDir dir;
        // The export records the painted mask next to the output (OUT.restora/<sha256>.png), so
        // `restora-cli replay` can reproduce the edit.
        const QString out = dir.filePath("filled.png");
        QCOMPARE(w.exportTo(out, false), QString());
        const QStringList sidecars = QDir(out + ".restora").entryList({"*.png"}, QDir::Files);
        QCOMPARE(sidecars.size(), 1);
        const cv::Mat recorded = cv::imread((out + ".restora/" + sidecars.first()).toStdString(), cv::IMREAD_GRAYSCALE);
        QCOMPARE(cv::norm(recorded > 127, grown, cv::NORM_INF), 0.0);
        w.undo();

        const QString mask_png = dir.filePath("mask.png");
        QCOMPARE(w.exportMask(mask_png), QString());
        const cv::Mat back = cv::imread(mask_png.toStdString(), cv::IMREAD_GRAYSCALE);
        QCOMPARE(back.size(), original.size());
        QCOMPARE(cv::norm(back > 127, grown, cv::NORM_INF), 0.0);
        QVERIFY(!w.exportMask(dir.filePath("no/such/folder/mask.png")).isEmpty());

        // The mask survives compare modes; painting on the right pane of side by side hits the
        // same photo pixels.
        w.setCompareMode(restora::ui::CompareMode::SideBySide);
        stroke(v, {{60, 250}, {80, 250}}, v->width() / 2.0);
        QVERIFY(selectedAt(m, 70, 250));
        w.setCompareMode(restora::ui::CompareMode::SplitVertical);

        // An upscale resamples every mask; undoing it brings the original size back.
        w.selectOperation("upscale");
        QVERIFY(w.currentMask() == nullptr);
        QVERIFY(w.view()->maskLayer() == nullptr);
        w.setParameter("model", "bicubic");
        w.setParameter("scale", "2");
        w.apply();
        QVERIFY(done.wait(30000));
        w.selectOperation("inpaint");
        QCOMPARE(w.currentMask()->size(), cv::Size(original.cols * 2, original.rows * 2));
        QVERIFY(selectedAt(w.currentMask(), 300, 216));  // (150, 108) doubled
        w.undo();
        QCOMPARE(w.currentMask()->size(), original.size());
        QVERIFY(selectedAt(w.currentMask(), 150, 108));

        // Import: a mask of another shape is refused with the sizes named; the mask is unchanged.
        const QString wrong = dir.filePath("wrong.png");
        cv::imwrite(wrong.toStdString(), cv::Mat(10, 40, CV_8U, cv::Scalar(255)));
        const cv::Mat before_import = w.currentMask()->coverage().clone();
        QVERIFY(!w.setMaskFile(wrong));
        QCOMPARE(cv::norm(w.currentMask()->coverage(), before_import, cv::NORM_INF), 0.0);
        QVERIFY(w.setMaskFile(mask_png));
        QCOMPARE(cv::norm(w.currentMask()->binary(), grown, cv::NORM_INF), 0.0);
    }

    // Erase text: Detect text fills the mask (one undoable step), the user edits it, Apply fills.
    void detectTextThenErase() {
        if (restora::find_model(restora::kTextDetectorId).state != restora::ModelState::Installed) {
            if (qgetenv("CI") == "true") QFAIL("the text detector is not imported");
            QSKIP("text detector not imported");
        }
        MainWindow w;
        w.resize(1000, 700);
        w.show();
        w.setLivePreview(false);
        QVERIFY(w.openFile(sourceDir() + "/tests/data/ocr/text-input.png"));
        const cv::Mat original = w.session()->current().clone();
        w.selectOperation("erase-text");
        w.setParameter("model", "inpaint");
        restora::ui::MaskLayer* m = w.currentMask();
        QVERIFY(m != nullptr && m->empty());
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.detectText();
        QVERIFY(w.busy());
        QVERIFY(done.wait(60000));
        QVERIFY(selectedAt(m, 60, 28));    // "RESTORA 2026"
        QVERIFY(selectedAt(m, 230, 200));  // the caption
        QVERIFY(!selectedAt(m, 120, 90));  // the cat's eye
        // The user removes the caption from the mask with the eraser before erasing.
        w.maskPanel()->setTool(MaskTool::Eraser);
        w.maskPanel()->setBrushRadius(40);
        stroke(w.view(), {{160, 200}, {310, 200}});
        QVERIFY(!selectedAt(m, 230, 200));
        const cv::Mat mask = m->binary();
        w.apply();
        QVERIFY(done.wait(60000));
        cv::Mat diff;
        cv::absdiff(w.session()->current(), original, diff);
        cv::Mat outside;
        cv::bitwise_not(mask, outside);
        QCOMPARE(cv::norm(diff, cv::NORM_INF, outside), 0.0);
        QVERIFY(cv::norm(diff, cv::NORM_L1, mask) > 0);
        w.undo();  // the erase
        w.undo();  // the eraser stroke
        QVERIFY(selectedAt(m, 230, 200));
        w.undo();  // the detection
        QVERIFY(m->empty());
    }

    void badFilesAreRefusedAndTheWindowKeepsWorking() {
        MainWindow w;
        QTemporaryDir dir;
        QFile f(dir.filePath("broken.jpg"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a photo");
        f.close();
        QVERIFY(!w.openFile(f.fileName()));
        QVERIFY(w.session() == nullptr);
        QVERIFY(w.openFile(sourceDir() + "/resources/sample/chelsea-noisy.jpg"));
    }
};

QTEST_MAIN(GuiTest)
#include "test_gui.moc"
