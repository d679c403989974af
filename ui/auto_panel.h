#pragma once
// The Auto dock: what the analysis (core/analysis.h) finds in the open photo and the steps it
// proposes, each with a checkbox and the values it chose for this photo marked "auto"; Apply all
// runs the checked steps one after another through the window's own Apply, so each lands in the
// history as its own step and can be undone or retuned with its tool. The analysis runs on a
// thread of its own when a photo opens and never blocks the window.
#include <QPointer>
#include <QWidget>

#include <deque>
#include <memory>

#include <opencv2/core.hpp>

#include "restora/core/analysis.h"

class QCheckBox;
class QDockWidget;
class QLabel;
class QMainWindow;
class QPushButton;
class QVBoxLayout;

namespace restora::ui {

class JobController;
class ToolPanel;
class ParameterForm;

class AutoPanel : public QWidget {
    Q_OBJECT
  public:
    // Creates the panel in a dock of `window` (right side) and wires Apply all to the tool panel
    // and the window's jobs.
    static AutoPanel* attach(QMainWindow* window, ToolPanel* tools, JobController* jobs);
    explicit AutoPanel(QWidget* parent = nullptr);
    ~AutoPanel() override;

    // A photo opened: analyse it in the background (a newer photo replaces a pending one).
    void analyse(const cv::Mat& pixels, int file_jpeg_quality);
    [[nodiscard]] bool analysing() const { return running_; }
    [[nodiscard]] const Analysis& analysis() const { return analysis_; }

  signals:
    void analysed();  // the panel shows a new analysis
    // Select this tool with these values and apply it (the window's Apply).
    void applyStep(const QString& op, const std::map<std::string, std::string>& params);

  public slots:
    void stepApplied();  // the step applied: run the next
    void stepFailed();   // it failed or was cancelled: stop

  private:
    void start();
    void show(const Analysis& a, unsigned generation);
    void applyAll();
    void nextStep();

    QLabel* status_ = nullptr;
    QLabel* findings_ = nullptr;
    QVBoxLayout* steps_layout_ = nullptr;
    QPushButton* apply_all_ = nullptr;
    std::vector<QCheckBox*> boxes_;
    Analysis analysis_;
    bool running_ = false;
    bool applying_ = false;  // Apply all is working through queue_
    unsigned generation_ = 0;
    struct Pending {
        cv::Mat pixels;
        int quality = 0;
    };
    std::unique_ptr<Pending> pending_;
    std::shared_ptr<ModelCache> models_;  // the analysis thread's networks (the text detector)
    std::deque<ProposedStep> queue_;
};

}  // namespace restora::ui
