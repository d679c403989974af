#include "history_list.h"

#include <QFont>

#include <cmath>

#include "restora/core/history.h"
#include "restora/core/registry.h"

namespace restora::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// A number as people write it: 0.6, 8, 0.25 (never 0.600000).
QString plain_number(const std::string& text) {
    try {
        const double v = std::stod(text);
        return QString::number(v, 'g', 4);
    } catch (const std::exception&) {
        return q(text);
    }
}

bool applies(const ParamSpec& spec, const std::map<std::string, std::string>& params) {
    if (spec.only_for.empty()) return true;
    const auto eq = spec.only_for.find('=');
    if (eq == std::string::npos) return true;
    const auto it = params.find(spec.only_for.substr(0, eq));
    return it != params.end() && it->second == spec.only_for.substr(eq + 1);
}

// The raw parameters, for the tooltip (what replay and the file's history record).
QString raw(const HistoryEntry& e) {
    QString line = q(e.op);
    for (const auto& [k, v] : e.params) line += QString(" %1=%2").arg(q(k), q(v));
    if (!e.precision.empty()) line += QString(" (%1)").arg(q(e.precision));
    return line;
}

}  // namespace

QString toolTitle(const std::string& op) {
    const Operation* o = Registry::instance().find(op);
    return o != nullptr ? q(o->info().name) : q(op);
}

QString describeEntry(const HistoryEntry& e) {
    const Operation* op = Registry::instance().find(e.op);
    if (op == nullptr) return raw(e);
    QStringList parts{q(op->info().name)};
    const auto is_method = [](const std::string& key) { return key == "model" || key == "method"; };
    for (const char* key : {"model", "method"}) {  // which method is always worth saying, first
        if (const auto it = e.params.find(key); it != e.params.end()) parts << q(it->second);
    }
    for (const ParamSpec& spec : op->info().params) {
        const auto it = e.params.find(spec.key);
        if (it == e.params.end() || !applies(spec, e.params) || is_method(spec.key)) continue;
        const QString label = q(spec.label).toLower();
        if (spec.key == "scale") {
            parts << QString("×%1").arg(q(it->second));
            continue;
        }
        if (spec.kind == ParamKind::Choice) {
            if (it->second != spec.def_choice) {
                parts << QString("%1 %2").arg(label, q(it->second));
            }
            continue;
        }
        double v = 0;
        try {
            v = std::stod(it->second);
        } catch (const std::exception&) {
            parts << QString("%1 %2").arg(label, q(it->second));
            continue;
        }
        if (std::abs(v - spec.def) < 1e-9) continue;
        QString text = QString("%1 %2").arg(label, plain_number(it->second));
        if (!spec.unit.empty()) text += " " + q(spec.unit);
        parts << text;
    }
    if (e.precision == "bf16") parts << "bf16";
    return parts.join(QStringLiteral(" · "));
}

HistoryList::HistoryList(QWidget* parent) : QListWidget(parent) {
    setWordWrap(true);
    setTextElideMode(Qt::ElideNone);
    setToolTip(
        tr("Click a step to see the photo at that step; the steps after it stay here until "
           "you apply something new"));
    connect(this, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        const QVariant v = item->data(Qt::UserRole);
        if (v.isValid()) emit stepRequested(v.toInt());
    });
}

void HistoryList::showHistory(const History& history, std::size_t earlier, const std::vector<HistoryEntry>& redo) {
    clear();
    const auto add = [this](const QString& text, const QString& tip, int applied, bool dim) {
        auto* item = new QListWidgetItem(text, this);
        item->setToolTip(tip);
        if (applied >= 0) item->setData(Qt::UserRole, applied);
        if (applied < 0) item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
        if (dim) {
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
            QFont f = item->font();
            f.setItalic(true);
            item->setFont(f);
        }
        return item;
    };
    for (std::size_t i = 0; i < earlier && i < history.entries.size(); ++i) {
        const HistoryEntry& e = history.entries[i];
        add(tr("Earlier: %1").arg(describeEntry(e)), tr("Recorded in the file before it was opened: %1").arg(raw(e)),
            -1, true);
    }
    add(earlier > 0 ? tr("As opened") : tr("Original"), tr("The photo as it was opened"), 0, false);
    int applied = 0;
    for (std::size_t i = earlier; i < history.entries.size(); ++i) {
        const HistoryEntry& e = history.entries[i];
        add(describeEntry(e), raw(e), ++applied, false);
    }
    const int current = count() - 1;
    int next = applied;
    for (const HistoryEntry& e : redo) {
        add(describeEntry(e), tr("Undone (Redo or click to bring it back): %1").arg(raw(e)), ++next, true);
    }
    setCurrentRow(current);
}

}  // namespace restora::ui
