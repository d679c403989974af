#pragma once
// Every setting the desktop app keeps between runs, in one place: typed getters and setters over
// QSettings. The keys are the ones earlier versions wrote, so existing users keep their choices.
#include <QByteArray>
#include <QColor>
#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

#include "restora/core/registry.h"
#include "restora/models/engine.h"

namespace restora::ui {

class EngineSettings {
  public:
    // Settings → Device: "auto", "cpu" or "cuda".
    [[nodiscard]] static QString device();
    static void setDevice(const QString& device);
    // The device as the engine takes it; throws on a value it does not know.
    [[nodiscard]] static DeviceKind deviceKind();
    // Settings → Precision: "auto", "fp32", "bf16" or "fp16".
    [[nodiscard]] static QString precision();
    static void setPrecision(const QString& precision);
    // The networks' arithmetic for `device`; a choice this device cannot take (bfloat16 on CUDA,
    // float16 on the CPU) falls back to float32.
    [[nodiscard]] static Precision precisionFor(DeviceKind device);
    // Settings → Tile size: nullopt = each tool's own default (default_tile_for); 0 = whole image.
    // The device and the arithmetic the engine runs with now, as the status bar names them
    // ("cpu", "bf16"); "cpu" and "fp32" when the saved device is unknown.
    [[nodiscard]] static std::pair<QString, QString> engineInUse();
    [[nodiscard]] static std::optional<int> tile();
    static void setTile(std::optional<int> tile);
    // The tile size set in Settings, else the tool's own default.
    [[nodiscard]] static int tileFor(DeviceKind device, const Operation& op, const Params& params);
    [[nodiscard]] static int threads();  // 0 = all cores
    static void setThreads(int threads);
    [[nodiscard]] static bool livePreview();
    static void setLivePreview(bool on);

    [[nodiscard]] static int exportQuality();  // JPEG and WebP, 1-100
    static void setExportQuality(int quality);
    [[nodiscard]] static QString exportFormat();  // "same" or an extension
    static void setExportFormat(const QString& format);

    [[nodiscard]] static QString lastDir();
    static void setLastDir(const QString& dir);
    [[nodiscard]] static QStringList recentFiles();
    // Puts `path` first in the recent files (at most 10) and returns the new list.
    static QStringList addRecentFile(const QString& path);

    [[nodiscard]] static QByteArray windowGeometry();
    [[nodiscard]] static QByteArray windowState();
    [[nodiscard]] static QSize windowSize();
    static void setWindowLayout(const QByteArray& geometry, const QByteArray& state);

    // The mask panel's brush and overlay.
    struct MaskBrush {
        int size = 60;  // diameter in photo pixels
        int hardness = 80;
        int amount = 8;  // px for grow / shrink / feather
        int opacity = 50;
        QColor color = QColor(255, 40, 80);
    };
    [[nodiscard]] static MaskBrush maskBrush();
    static void setMaskBrush(int size, int hardness);
    static void setMaskAmount(int amount);
    static void setMaskOpacity(int opacity);
    static void setMaskColor(const QColor& color);
};

}  // namespace restora::ui
