#include "history_list.h"

#include "restora/core/history.h"

namespace restora::ui {

void HistoryList::showHistory(const History& history) {
    const auto q = [](const std::string& s) { return QString::fromStdString(s); };
    clear();
    addItem(tr("Original"));
    for (const auto& e : history.entries) {
        QString line = q(e.op);
        for (const auto& [k, v] : e.params) line += QString(" %1=%2").arg(q(k), q(v));
        if (!e.precision.empty()) line += QString(" (%1)").arg(q(e.precision));  // bf16: Settings → Precision
        addItem(line);
    }
    setCurrentRow(count() - 1);
}

}  // namespace restora::ui
