#include "human_time.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace restora::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("restora::ui::HumanTime", text); }

}  // namespace

QString humanDuration(double seconds) {
    if (!(seconds >= 0)) return tr("an unknown time");
    if (seconds < 8) return tr("a few seconds");
    if (seconds < 55) return tr("about %1 seconds").arg(std::max(10, static_cast<int>(std::lround(seconds / 10) * 10)));
    const double minutes = seconds / 60;
    if (minutes < 1.5) return tr("about 1 minute");
    if (minutes < 80) return tr("about %1 minutes").arg(std::lround(minutes));
    const double hours = minutes / 60;
    if (hours < 10) return tr("about %1 hours").arg(std::round(hours * 2) / 2, 0, 'g', 3);
    return tr("about %1 hours").arg(std::lround(hours));
}

double EtaSmoother::update(int percent, double elapsed) {
    percent = std::clamp(percent, 1, 99);
    const double by_rate = elapsed * (100 - percent) / percent;
    // Early on the estimate knows more than a few percent of progress; later the rate does.
    const double w = estimate_ > 0 ? std::min(1.0, percent / 30.0) : 1.0;
    const double by_estimate = std::max(0.0, estimate_ - elapsed);
    const double left = w * by_rate + (1 - w) * by_estimate;
    // Smoothed, and never rising by more than the time that passed would explain.
    shown_ = shown_ < 0 ? left : 0.7 * shown_ + 0.3 * left;
    return shown_;
}

}  // namespace restora::ui
