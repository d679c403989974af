#include "help_dialogs.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <opencv2/core/version.hpp>

#include "restora/core/metadata.h"
#include "restora/core/model_store.h"
#include "restora/models/engine.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString row(const QString& key, const QString& what) {
    return QString("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
        .arg(key.toHtmlEscaped(), what.toHtmlEscaped());
}

void addMenu(const QMenu* menu, const QString& path, QString& html) {
    for (const QAction* a : menu->actions()) {
        if (a->menu() != nullptr) {
            addMenu(a->menu(), path + " › " + a->menu()->title().remove('&'), html);
            continue;
        }
        if (a->shortcut().isEmpty() || a->isSeparator()) continue;
        html += row(a->shortcut().toString(QKeySequence::NativeText), path + " › " + a->text().remove('&'));
    }
}

void showHtml(QWidget* parent, const QString& title, const QString& html) {
    QDialog dialog(parent);
    dialog.setWindowTitle(title);
    auto* layout = new QVBoxLayout(&dialog);
    auto* text = new QTextBrowser(&dialog);
    text->setOpenExternalLinks(false);
    text->setHtml(html);
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(560, 520);
    dialog.exec();
}

}  // namespace

QString shortcutsHtml(const QMainWindow* window) {
    QString html = "<h3>" + QObject::tr("Menus") + "</h3><table>";
    for (const QAction* a : window->menuBar()->actions()) {
        if (a->menu() != nullptr) addMenu(a->menu(), a->menu()->title().remove('&'), html);
    }
    html += "</table><h3>" + QObject::tr("In the photo") + "</h3><table>";
    const std::pair<const char*, const char*> keys[] = {
        {"B / E", "Brush / eraser"},
        {"R / L / G", "Rectangle / lasso / fill (Alt removes)"},
        {"H, Space + drag, middle button", "Pan"},
        {"[ and ]", "Smaller / larger brush"},
        {"M", "Show or hide the mask"},
        {"\\ (hold)", "See the original"},
        {"P", "Preview the visible area now"},
        {"Wheel, + and -", "Zoom"},
        {"Drag the divider", "Move the split between Before and After"}};
    for (const auto& [k, what] : keys) html += row(QObject::tr(k), QObject::tr(what));
    return html + "</table>";
}

QString aboutHtml() {
    QString html = QObject::tr(
                       "<h2>Restora %1</h2><p>Photo restoration on your own computer: upscale, "
                       "denoise, repair, erase text and more, with every bit of metadata kept.</p>")
                       .arg(QStringLiteral("0.1.0"));
    html += "<table>";
    html += row("libtorch", q(torch_version()));
    html += row("Qt", QString::fromLatin1(qVersion()));
    html += row("OpenCV", QStringLiteral(CV_VERSION));
    html += row("Exiv2", q(metadata_library_version()));
    html += "</table><h3>" + QObject::tr("Models") + "</h3><table>";
    for (const ModelStatus& m : list_models()) {
        const QString state = m.state == ModelState::Installed ? QString()
                              : m.state == ModelState::Missing ? QObject::tr(" (not installed)")
                                                               : QObject::tr(" (damaged)");
        html += row(q(m.entry.id) + state, QObject::tr("%1 · %2").arg(q(m.entry.source), q(m.entry.licence)));
    }
    return html + "</table>";
}

void showShortcuts(QMainWindow* window) { showHtml(window, QObject::tr("Keyboard shortcuts"), shortcutsHtml(window)); }

void showAbout(QWidget* parent) { showHtml(parent, QObject::tr("About Restora"), aboutHtml()); }

}  // namespace restora::ui
