#include "restora/models/job.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace restora {

namespace {
thread_local const CallScope* current_call = nullptr;
}  // namespace

CallScope::CallScope(const CancelToken& token, std::function<void(double)> progress)
    : token_(token), progress_(std::move(progress)), previous_(current_call) {
    current_call = this;
}

CallScope::~CallScope() { current_call = previous_; }

void CallScope::checkpoint(double fraction) {
    if (current_call == nullptr) return;
    current_call->token_.throw_if_requested();
    if (current_call->progress_) current_call->progress_(fraction);
}

ProgressStage::ProgressStage(const JobControl& job, int begin, int end)
    : job_(job), begin_(begin), end_(end), last_(std::make_shared<int>(-1)) {}

void ProgressStage::update(double fraction) {
    if (!job_.progress) return;
    const double f = std::clamp(fraction, 0.0, 1.0);
    const int value = begin_ + static_cast<int>(std::floor(f * (end_ - begin_)));
    if (value != *last_) {
        *last_ = value;
        job_.progress(value);
    }
}

JobControl ProgressStage::sub_job(int sub_begin, int sub_end) const {
    JobControl sub = job_;
    if (!job_.progress) return sub;
    const int lo = begin_ + (end_ - begin_) * sub_begin / 100;
    const int hi = begin_ + (end_ - begin_) * sub_end / 100;
    auto last = std::make_shared<int>(-1);
    auto parent = job_.progress;
    sub.progress = [parent, lo, hi, last](int percent) {
        const int v = lo + (hi - lo) * std::clamp(percent, 0, 100) / 100;
        if (v != *last) {
            *last = v;
            parent(v);
        }
    };
    return sub;
}

}  // namespace restora
