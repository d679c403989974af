// The main window on the offscreen platform: open, apply on the worker, undo/redo, cancel,
// export with metadata and history, bad files.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include "main_window.h"
#include "restora/core/history.h"
#include "restora/core/image_io.h"

using restora::ui::MainWindow;

// A 3-MP random photo: long enough to denoise that a job can be watched and cancelled.
QString writeNoisePhoto(const QTemporaryDir& dir) {
    const QString path = dir.filePath("big.png");
    cv::Mat img(1500, 2000, CV_8UC3);
    cv::randu(img, 0, 255);
    cv::imwrite(path.toStdString(), img);
    return path;
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
        const QString sample = QString(RESTORA_SOURCE_DIR) + "/resources/sample/chelsea-noisy.jpg";
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
        QVERIFY(w.openFile(QString(RESTORA_SOURCE_DIR) + "/resources/sample/chelsea-noisy.jpg"));
        using restora::ui::CompareMode;
        for (CompareMode m : {CompareMode::After, CompareMode::SplitVertical, CompareMode::SplitHorizontal,
                              CompareMode::SideBySide}) {
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
        w.resize(900, 600);
        w.show();
        w.setLivePreview(true);
        QVERIFY(w.openFile(QString(RESTORA_SOURCE_DIR) + "/resources/sample/chelsea-noisy.jpg"));
        w.view()->actualSize();
        w.view()->zoomIn();  // only part of the photo is visible now
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

    void badFilesAreRefusedAndTheWindowKeepsWorking() {
        MainWindow w;
        QTemporaryDir dir;
        QFile f(dir.filePath("broken.jpg"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a photo");
        f.close();
        QVERIFY(!w.openFile(f.fileName()));
        QVERIFY(w.session() == nullptr);
        QVERIFY(w.openFile(QString(RESTORA_SOURCE_DIR) + "/resources/sample/chelsea-noisy.jpg"));
    }
};

QTEST_MAIN(GuiTest)
#include "test_gui.moc"
