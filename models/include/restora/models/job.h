#pragma once
// What a running job needs from its caller: a cancel flag it polls, a progress sink that hears
// only integer changes, and a log sink. Algorithms never print; they report here.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "restora/models/errors.h"

namespace restora {

// Copyable handle to one shared atomic flag: the CLI's signal handler or the GUI's Cancel button
// sets it, the worker polls it once per tile.
class CancelToken {
  public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
    void request() const { flag_->store(true, std::memory_order_relaxed); }
    [[nodiscard]] bool requested() const { return flag_->load(std::memory_order_relaxed); }
    void throw_if_requested() const {
        if (requested()) throw Cancelled();
    }
    // The raw flag, for an async-signal-safe store from a signal handler.
    [[nodiscard]] std::atomic<bool>* raw() const { return flag_.get(); }

  private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

// The job of the model call running on this thread, for calls long enough to act on it between
// their own steps (the MAXIM executor, every 64 operators it runs: one call of a 1024-px tile
// takes about a minute on a 2-core CPU): checkpoint() throws Cancelled once Cancel is requested
// and reports how far the call has got, which run_tiled maps into the current tile's share of the
// job's progress. run_tiled sets the scope for the duration of a run.
class CallScope {
  public:
    CallScope(const CancelToken& token, std::function<void(double fraction)> progress);
    ~CallScope();
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;
    static void checkpoint(double fraction);  // nothing outside a scope

  private:
    const CancelToken& token_;
    std::function<void(double)> progress_;
    const CallScope* previous_;
};

using ProgressFn = std::function<void(int percent)>;
using LogFn = std::function<void(const std::string& message)>;

struct JobControl {
    CancelToken cancel;
    ProgressFn progress;  // may be empty
    LogFn log;            // may be empty
};

// Maps the fraction done of one stage onto [begin, end] of the job's 0-100 range and forwards it
// only when the integer value changes.
class ProgressStage {
  public:
    ProgressStage(const JobControl& job, int begin, int end);
    void update(double fraction);  // fraction in [0,1]
    [[nodiscard]] JobControl sub_job(int sub_begin, int sub_end) const;

  private:
    JobControl job_;
    int begin_;
    int end_;
    std::shared_ptr<int> last_;
};

}  // namespace restora
