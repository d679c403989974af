#pragma once
// The Settings menu: device, precision, tile size, threads and the export defaults, each choice
// saved through EngineSettings.
#include <QMenu>

namespace restora::ui {

class SettingsMenu : public QMenu {
    Q_OBJECT
  public:
    explicit SettingsMenu(QWidget* parent = nullptr);

  signals:
    void deviceChanged();
    void precisionChanged();

  private:
    void addDeviceMenu();
    void addPrecisionMenu();
    void addExportFormatMenu();
    void chooseTileSize();
};

}  // namespace restora::ui
