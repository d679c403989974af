#pragma once
// The History dock's list, a timeline: edits the file already carried (not undoable here), the
// photo as opened, each operation applied in this session as a sentence ("Denoise · tunable ·
// strength 0.6"), then the steps undone and not yet replaced, greyed. Clicking a step of this
// session shows the photo at that step (the window undoes or redoes to it).
#include <QListWidget>

#include <string>
#include <vector>

namespace restora {
struct History;
struct HistoryEntry;
}  // namespace restora

namespace restora::ui {

// The tool's name as the Tools panel shows it ("Denoise"); the id when it is unknown.
QString toolTitle(const std::string& op);
// One history entry in words: the tool, its method or model, then each setting that differs
// from its default ("Denoise · tunable · strength 0.6 · amount 0.5").
QString describeEntry(const HistoryEntry& entry);

class HistoryList : public QListWidget {
    Q_OBJECT
  public:
    explicit HistoryList(QWidget* parent = nullptr);
    // `earlier`: how many of history's entries the file carried when it was opened; `redo`: the
    // undone entries, the next redo first.
    void showHistory(const History& history, std::size_t earlier, const std::vector<HistoryEntry>& redo);

  signals:
    // The user clicked the step after `applied` of this session's operations (0: as opened).
    void stepRequested(int applied);
};

}  // namespace restora::ui
