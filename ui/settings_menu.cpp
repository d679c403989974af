#include "settings_menu.h"

#include <QActionGroup>
#include <QInputDialog>
#include <QSpinBox>

#include "engine_settings.h"

namespace restora::ui {

SettingsMenu::SettingsMenu(QWidget* parent) : QMenu(tr("&Settings"), parent) {
    addDeviceMenu();
    addPrecisionMenu();
    addAction(tr("&Tile size…"), this, &SettingsMenu::chooseTileSize);
    addAction(tr("&Threads…"), this, [this] {
        bool ok = false;
        const int n =
            QInputDialog::getInt(parentWidget(), tr("Threads"), tr("CPU threads for the engine (0 = all cores):"),
                                 EngineSettings::threads(), 0, 256, 1, &ok);
        if (ok) EngineSettings::setThreads(n);
    });
    addAction(tr("Export &quality…"), this, [this] {
        bool ok = false;
        const int qv = QInputDialog::getInt(parentWidget(), tr("Export quality"), tr("JPEG and WebP quality (1-100):"),
                                            EngineSettings::exportQuality(), 1, 100, 1, &ok);
        if (ok) EngineSettings::setExportQuality(qv);
    });
    addExportFormatMenu();
}

void SettingsMenu::addDeviceMenu() {
    QMenu* device = addMenu(tr("&Device"));
    auto* group = new QActionGroup(this);
    const QString saved = EngineSettings::device();
    for (const QString& d : {QString("auto"), QString("cpu"), QString("cuda")}) {
        QAction* a = device->addAction(d == "auto" ? tr("Automatic (CUDA when available)") : d.toUpper());
        a->setCheckable(true);
        a->setData(d);
        a->setChecked(d == saved);
        a->setEnabled(d != "cuda" || cuda_available());
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, d] {
            EngineSettings::setDevice(d);
            emit deviceChanged();
        });
    }
}

void SettingsMenu::addPrecisionMenu() {
    QMenu* precision = addMenu(tr("&Precision"));
    auto* group = new QActionGroup(this);
    const QString saved = EngineSettings::precision();
    for (const QString& p : {QString("auto"), QString("fp32"), QString("bf16"), QString("fp16")}) {
        QAction* a = precision->addAction(
            p == "auto"   ? tr("Automatic (float16 on CUDA, bfloat16 on CPUs that compute it natively)")
            : p == "fp32" ? tr("Full (float32)")
            : p == "bf16" ? tr("bfloat16 (CPU; about 2x faster upscaling, within one 8-bit level)")
                          : tr("float16 (CUDA GPU; MAXIM tools about 1.3x faster, within one 8-bit level)"));
        a->setCheckable(true);
        a->setChecked(p == saved);
        if (p == "bf16" && !cpu_has_native_bf16()) {
            a->setEnabled(false);  // emulated: slower than float32
            a->setToolTip(tr("This CPU does not compute bfloat16 natively."));
        }
        if (p == "fp16" && !cuda_available()) {
            a->setEnabled(false);
            a->setToolTip(tr("float16 runs on a CUDA GPU; this build of libtorch has none."));
        }
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, p] {
            EngineSettings::setPrecision(p);
            emit precisionChanged();
        });
    }
}

void SettingsMenu::addExportFormatMenu() {
    QMenu* format = addMenu(tr("Default export &format"));
    auto* group = new QActionGroup(this);
    const QString current = EngineSettings::exportFormat();
    for (const QString& f : {QString("same"), QString("jpg"), QString("png"), QString("tif"), QString("webp")}) {
        QAction* a = format->addAction(f == "same" ? tr("Same as the original") : f.toUpper());
        a->setCheckable(true);
        a->setChecked(f == current);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [f] { EngineSettings::setExportFormat(f); });
    }
}

void SettingsMenu::chooseTileSize() {
    const DeviceKind device = EngineSettings::deviceKind();
    QInputDialog dialog(parentWidget());
    dialog.setWindowTitle(tr("Tile size"));
    dialog.setLabelText(tr("Tile size in pixels (0 = whole image in one call).\nAutomatic: %1 px on this device, "
                           "1024 px for MAXIM's tools when the memory allows.")
                            .arg(default_tile(device)));
    dialog.setInputMode(QInputDialog::IntInput);
    dialog.setIntRange(-32, 4096);
    dialog.setIntStep(32);
    dialog.setIntValue(EngineSettings::tile().value_or(-32));
    // The range's lowest value reads "Automatic": each tool's own default (default_tile_for).
    if (auto* spin = dialog.findChild<QSpinBox*>()) spin->setSpecialValueText(tr("Automatic"));
    if (dialog.exec() != QDialog::Accepted) return;
    const int tile = dialog.intValue();
    EngineSettings::setTile(tile < 0 ? std::nullopt : std::optional<int>(tile == 0 ? 0 : std::max(32, tile)));
}

}  // namespace restora::ui
