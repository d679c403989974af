// The main window on the offscreen platform: open, apply on the worker, undo/redo, cancel,
// export with metadata and history, bad files.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "main_window.h"
#include "restora/core/history.h"
#include "restora/core/image_io.h"

using restora::ui::MainWindow;

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
        MainWindow w;
        w.show();
        QVERIFY(w.openFile(QString(RESTORA_SOURCE_DIR) + "/resources/sample/chelsea-noisy.jpg"));
        w.selectOperation("denoise");
        QSignalSpy done(&w, &MainWindow::jobDone);
        w.apply();
        w.cancelJob();
        QVERIFY(done.wait(60000));
        // Either it was cancelled (nothing changed) or it had already finished (one step).
        if (!done.takeFirst().at(0).toBool()) QVERIFY(!w.session()->can_undo());
        QVERIFY(!w.busy());
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
