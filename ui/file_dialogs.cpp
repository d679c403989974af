#include "file_dialogs.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>

#include "engine_settings.h"
#include "restora/core/session.h"

namespace restora::ui {

namespace {

const char* kFilter = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)";

// The window's messages keep their translation context.
QString tr(const char* text) { return QCoreApplication::translate("restora::ui::MainWindow", text); }

QFileInfo original(const EditSession& session) { return QFileInfo(QString::fromStdString(session.path().string())); }

}  // namespace

QString askPhotoToOpen(QWidget* parent) {
    const QString path = QFileDialog::getOpenFileName(parent, tr("Open photo"), EngineSettings::lastDir(), kFilter);
    if (!path.isEmpty()) EngineSettings::setLastDir(QFileInfo(path).absolutePath());
    return path;
}

std::optional<ExportChoice> askExport(QWidget* parent, const EditSession& session) {
    const QFileInfo src = original(session);
    QString ext = EngineSettings::exportFormat();
    if (ext == "same") ext = src.suffix().compare("bmp", Qt::CaseInsensitive) == 0 ? "png" : src.suffix();
    const QString suggested = src.dir().filePath(src.completeBaseName() + "-restored." + ext);
    ExportChoice choice;
    choice.path = QFileDialog::getSaveFileName(parent, tr("Export"), suggested,
                                               "JPEG (*.jpg);;PNG (*.png);;TIFF (*.tif);;WebP (*.webp)");
    if (choice.path.isEmpty()) return std::nullopt;
    const auto losses = session.export_losses_for(choice.path.toStdString());
    if (!losses.empty()) {
        QString list;
        for (const auto& l : losses) list += "\n• " + QString::fromStdString(l);
        if (QMessageBox::question(parent, tr("Export would lose data"),
                                  tr("Saving as %1 would lose:%2\n\nExport anyway?")
                                      .arg(QFileInfo(choice.path).suffix().toUpper(), list)) != QMessageBox::Yes) {
            return std::nullopt;
        }
        choice.allow_loss = true;
    }
    return choice;
}

QString askMaskToImport(QWidget* parent) {
    return QFileDialog::getOpenFileName(parent, tr("Import mask (white = selected)"), EngineSettings::lastDir(),
                                        kFilter);
}

QString askMaskExport(QWidget* parent, const EditSession& session, const QString& tool_id) {
    const QFileInfo src = original(session);
    return QFileDialog::getSaveFileName(parent, tr("Export mask"),
                                        src.dir().filePath(src.completeBaseName() + "-" + tool_id + "-mask.png"),
                                        "PNG (*.png)");
}

}  // namespace restora::ui
