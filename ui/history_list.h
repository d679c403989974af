#pragma once
// The History dock's list: the original, then each applied operation with its parameters (and
// its arithmetic where it was not float32), the current state selected.
#include <QListWidget>

namespace restora {
struct History;
}

namespace restora::ui {

class HistoryList : public QListWidget {
    Q_OBJECT
  public:
    using QListWidget::QListWidget;
    void showHistory(const History& history);
};

}  // namespace restora::ui
