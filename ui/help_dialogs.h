#pragma once
// The Help menu's windows: every keyboard shortcut (read from the window's own menus, plus the
// view's keys), and About (versions of Restora and the libraries it runs on, and each model's
// origin and licence).
#include <QString>

class QMainWindow;
class QWidget;

namespace restora::ui {

// An HTML table of the shortcuts: the menus' actions, then the keys the photo view takes.
QString shortcutsHtml(const QMainWindow* window);
// Restora, libtorch, Qt, OpenCV and Exiv2 versions, and the models with their licences.
QString aboutHtml();

void showShortcuts(QMainWindow* window);
void showAbout(QWidget* parent);

}  // namespace restora::ui
