#pragma once
// The window's file questions: which photo to open, where to export (confirming what the format
// would lose), which mask to import and where to export one. Each returns empty or nullopt when
// the user cancels.
#include <QString>

#include <optional>

class QWidget;

namespace restora {
class EditSession;
}

namespace restora::ui {

// A photo to open, starting in the folder of the last one (remembered).
QString askPhotoToOpen(QWidget* parent);

struct ExportChoice {
    QString path;
    bool allow_loss = false;  // the user accepted what the format loses
};
// Suggests NAME-restored.EXT next to the original (Settings → Default export format).
std::optional<ExportChoice> askExport(QWidget* parent, const EditSession& session);

QString askMaskToImport(QWidget* parent);
// Suggests NAME-TOOL-mask.png next to the original.
QString askMaskExport(QWidget* parent, const EditSession& session, const QString& tool_id);

}  // namespace restora::ui
