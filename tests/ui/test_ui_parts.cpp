// The window's parts on their own: EngineSettings reads and writes the keys earlier versions
// wrote, UndoTimeline keeps one order over operations and mask edits, ParameterForm follows the
// schema (only_for rows, values as the engine's text).
#include <QSettings>

#include <QtTest>
#include <cmath>

#include "engine_settings.h"
#include "human_time.h"
#include "parameter_form.h"
#include "undo_timeline.h"

using restora::ui::EngineSettings;
using restora::ui::MaskEdit;
using restora::ui::UndoTimeline;

class UiPartsTest : public QObject {
    Q_OBJECT
  private slots:
    // Waiting, told in human units, and an ETA that does not jump.
    void durationsInHumanUnits() {
        using restora::ui::humanDuration;
        QCOMPARE(humanDuration(3), QString("a few seconds"));
        QCOMPARE(humanDuration(38), QString("about 40 seconds"));
        QCOMPARE(humanDuration(70), QString("about 1 minute"));
        QCOMPARE(humanDuration(540), QString("about 9 minutes"));
        QCOMPARE(humanDuration(1478), QString("about 25 minutes"));
        QCOMPARE(humanDuration(5400), QString("about 1.5 hours"));
        // A job estimated at 10 minutes whose first percent came slowly: the shown time left moves
        // smoothly from the estimate towards the measured rate instead of jumping 1478 -> 814 -> 690.
        restora::ui::EtaSmoother eta;
        eta.start(600);
        double previous = eta.update(1, 15);  // the rate alone would say 1485 s
        QVERIFY(previous < 700);
        for (int p = 2; p <= 60; ++p) {
            const double left = eta.update(p, 6.0 * p);  // 6 s per percent: 600 s in all
            QVERIFY2(left <= previous + 30, qPrintable(QString("%1 -> %2 at %3%").arg(previous).arg(left).arg(p)));
            previous = left;
        }
        QVERIFY(std::abs(previous - 240) < 40);  // at 60%, 240 s are left
    }

    void initTestCase() {
        QCoreApplication::setOrganizationName("RestoraTest");
        QCoreApplication::setApplicationName("RestoraPartsTest");
        QSettings().clear();
    }
    void cleanupTestCase() { QSettings().clear(); }

    // Existing users' settings keep working: each typed value is the old key's.
    void settingsKeepTheirKeys() {
        QSettings raw;
        QCOMPARE(EngineSettings::device(), QString("auto"));
        QCOMPARE(EngineSettings::exportQuality(), 95);
        QVERIFY(!EngineSettings::tile().has_value());
        QCOMPARE(EngineSettings::livePreview(), true);
        raw.setValue("engine/device", "cpu");
        raw.setValue("engine/precision", "fp32");
        raw.setValue("engine/tile", 256);
        raw.setValue("engine/threads", 3);
        raw.setValue("engine/live_preview", false);
        raw.setValue("export/quality", 80);
        raw.setValue("export/format", "png");
        raw.setValue("files/last_dir", "/photos");
        raw.setValue("mask/size", 30);
        raw.setValue("mask/color", QColor(1, 2, 3));
        raw.sync();
        QCOMPARE(EngineSettings::device(), QString("cpu"));
        QCOMPARE(EngineSettings::precision(), QString("fp32"));
        QCOMPARE(EngineSettings::tile().value_or(-1), 256);
        QCOMPARE(EngineSettings::threads(), 3);
        QCOMPARE(EngineSettings::livePreview(), false);
        QCOMPARE(EngineSettings::exportQuality(), 80);
        QCOMPARE(EngineSettings::exportFormat(), QString("png"));
        QCOMPARE(EngineSettings::lastDir(), QString("/photos"));
        QCOMPARE(EngineSettings::maskBrush().size, 30);
        QCOMPARE(EngineSettings::maskBrush().hardness, 80);  // unset: the default
        QCOMPARE(EngineSettings::maskBrush().color, QColor(1, 2, 3));
        EngineSettings::setTile(std::nullopt);  // Automatic removes the key
        QVERIFY(!QSettings().contains("engine/tile"));
        EngineSettings::setMaskBrush(12, 40);
        QCOMPARE(QSettings().value("mask/size").toInt(), 12);
        QCOMPARE(QSettings().value("mask/hardness").toInt(), 40);
        for (int i = 0; i < 12; ++i) EngineSettings::addRecentFile(QString("/p/%1.jpg").arg(i));
        const QStringList recent = QSettings().value("files/recent").toStringList();
        QCOMPARE(recent.size(), 10);
        QCOMPARE(recent.first(), QString("/p/11.jpg"));
    }

    void timelineMergesOperationsAndMaskEdits() {
        UndoTimeline t;
        restora::ui::MaskLayer* m = t.mask("inpaint", cv::Size(40, 30));
        QCOMPARE(t.mask("inpaint", cv::Size(40, 30)), m);  // one mask per tool
        m->apply(MaskEdit::whole(MaskEdit::Kind::Invert, 0));
        t.record(true, "inpaint", "Invert");
        t.record(false, "upscale", "upscale");
        QVERIFY(t.canUndo() && !t.canRedo());
        QCOMPARE(t.undoLabel(), QString("upscale"));
        QVERIFY(!t.next(true)->mask);  // the operation came last
        QVERIFY(!t.moveMask(true));    // not a mask step: nothing moves
        t.move(true);
        const auto mask_step = t.next(true);
        QVERIFY(mask_step && mask_step->mask && mask_step->op == "inpaint");
        QVERIFY(t.moveMask(true).has_value());
        QVERIFY(m->empty());
        QVERIFY(!t.canUndo());
        QVERIFY(t.moveMask(false).has_value());  // redo the mask edit
        QVERIFY(!m->empty());
        t.record(false, "denoise", "denoise");  // drops the upscale that could be redone
        QVERIFY(!t.canRedo());
        QCOMPARE(t.undoLabel(), QString("denoise"));
        t.resampleMasks(cv::Size(80, 60));
        QCOMPARE(m->size(), cv::Size(80, 60));
        t.clear();
        QVERIFY(!t.canUndo());
    }

    void formFollowsTheSchema() {
        const restora::Operation& upscale = restora::Registry::instance().get("upscale");
        restora::ui::ParameterForm form;
        form.rebuild(&upscale, nullptr);
        form.setValue("model", "tunable");
        QVERIFY(form.values().count("realism") == 1);
        form.setValue("realism", "0.35");
        QCOMPARE(QString::fromStdString(form.values().at("realism")), QString("0.35"));
        QSignalSpy choice(&form, &restora::ui::ParameterForm::choiceChanged);
        form.setValue("model", "bicubic");
        QCOMPARE(choice.size(), 1);
        QVERIFY(form.values().count("realism") == 0);  // only_for: model=tunable
        QCOMPARE(QString::fromStdString(form.values().at("model")), QString("bicubic"));
        form.setValue("no-such-key", "1");  // ignored
        form.rebuild(nullptr, nullptr);
        QVERIFY(form.values().empty());
    }
};

QTEST_MAIN(UiPartsTest)
#include "test_ui_parts.moc"
