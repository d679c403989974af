#include "engine_settings.h"

#include <QFileInfo>
#include <QSettings>
#include <QVariant>

#include <algorithm>

#include "restora/core/estimate.h"

namespace restora::ui {

namespace {

// The keys, as earlier versions wrote them.
constexpr const char* kDevice = "engine/device";
constexpr const char* kPrecision = "engine/precision";
constexpr const char* kTile = "engine/tile";
constexpr const char* kThreads = "engine/threads";
constexpr const char* kLivePreview = "engine/live_preview";
constexpr const char* kExportQuality = "export/quality";
constexpr const char* kExportFormat = "export/format";
constexpr const char* kLastDir = "files/last_dir";
constexpr const char* kRecent = "files/recent";
constexpr const char* kGeometry = "window/geometry";
constexpr const char* kState = "window/state";
constexpr const char* kSize = "window/size";
constexpr const char* kMaskSize = "mask/size";
constexpr const char* kMaskHardness = "mask/hardness";
constexpr const char* kMaskAmount = "mask/amount";
constexpr const char* kMaskOpacity = "mask/opacity";
constexpr const char* kMaskColor = "mask/color";

constexpr int kRecentFiles = 10;

}  // namespace

QString EngineSettings::device() { return QSettings().value(kDevice, "auto").toString(); }

void EngineSettings::setDevice(const QString& device) { QSettings().setValue(kDevice, device); }

DeviceKind EngineSettings::deviceKind() { return parse_device(device().toStdString()); }

QString EngineSettings::precision() { return QSettings().value(kPrecision, "auto").toString(); }

void EngineSettings::setPrecision(const QString& precision) { QSettings().setValue(kPrecision, precision); }

Precision EngineSettings::precisionFor(DeviceKind device) {
    try {
        return resolve_precision(precision().toStdString(), device);
    } catch (const std::exception&) {
        return Precision::F32;
    }
}

std::pair<QString, QString> EngineSettings::engineInUse() {
    QString device = "cpu";
    QString arithmetic = "fp32";
    try {
        const DeviceKind kind = deviceKind();
        device = QString::fromStdString(resolve_device_name(kind));
        arithmetic = QString::fromStdString(precision_name(precisionFor(kind)));
    } catch (const std::exception&) {
    }
    return {device, arithmetic};
}

std::optional<int> EngineSettings::tile() {
    const QVariant chosen = QSettings().value(kTile);
    if (!chosen.isValid()) return std::nullopt;
    return chosen.toInt();
}

void EngineSettings::setTile(std::optional<int> tile) {
    if (tile) {
        QSettings().setValue(kTile, *tile);
    } else {
        QSettings().remove(kTile);
    }
}

int EngineSettings::tileFor(DeviceKind device, const Operation& op, const Params& params) {
    const std::optional<int> chosen = tile();
    return chosen ? *chosen : default_tile_for(device, op, params);
}

int EngineSettings::threads() { return QSettings().value(kThreads, 0).toInt(); }

void EngineSettings::setThreads(int threads) { QSettings().setValue(kThreads, threads); }

bool EngineSettings::livePreview() { return QSettings().value(kLivePreview, true).toBool(); }

void EngineSettings::setLivePreview(bool on) { QSettings().setValue(kLivePreview, on); }

int EngineSettings::exportQuality() { return QSettings().value(kExportQuality, 95).toInt(); }

void EngineSettings::setExportQuality(int quality) { QSettings().setValue(kExportQuality, quality); }

QString EngineSettings::exportFormat() { return QSettings().value(kExportFormat, "same").toString(); }

void EngineSettings::setExportFormat(const QString& format) { QSettings().setValue(kExportFormat, format); }

QString EngineSettings::lastDir() { return QSettings().value(kLastDir).toString(); }

void EngineSettings::setLastDir(const QString& dir) { QSettings().setValue(kLastDir, dir); }

QStringList EngineSettings::recentFiles() { return QSettings().value(kRecent).toStringList(); }

QStringList EngineSettings::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(kRecent).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    recent.removeAll(abs);
    recent.prepend(abs);
    while (recent.size() > kRecentFiles) recent.removeLast();
    settings.setValue(kRecent, recent);
    return recent;
}

QByteArray EngineSettings::windowGeometry() { return QSettings().value(kGeometry).toByteArray(); }

QByteArray EngineSettings::windowState() { return QSettings().value(kState).toByteArray(); }

QSize EngineSettings::windowSize() { return QSettings().value(kSize, QSize(1280, 800)).toSize(); }

void EngineSettings::setWindowLayout(const QByteArray& geometry, const QByteArray& state) {
    QSettings settings;
    settings.setValue(kGeometry, geometry);
    settings.setValue(kState, state);
}

EngineSettings::MaskBrush EngineSettings::maskBrush() {
    QSettings settings;
    MaskBrush b;
    b.size = settings.value(kMaskSize, b.size).toInt();
    b.hardness = settings.value(kMaskHardness, b.hardness).toInt();
    b.amount = settings.value(kMaskAmount, b.amount).toInt();
    b.opacity = settings.value(kMaskOpacity, b.opacity).toInt();
    b.color = settings.value(kMaskColor, b.color).value<QColor>();
    return b;
}

void EngineSettings::setMaskBrush(int size, int hardness) {
    QSettings settings;
    settings.setValue(kMaskSize, size);
    settings.setValue(kMaskHardness, hardness);
}

void EngineSettings::setMaskAmount(int amount) { QSettings().setValue(kMaskAmount, amount); }

void EngineSettings::setMaskOpacity(int opacity) { QSettings().setValue(kMaskOpacity, opacity); }

void EngineSettings::setMaskColor(const QColor& color) { QSettings().setValue(kMaskColor, color); }

}  // namespace restora::ui
