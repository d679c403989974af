#pragma once
// Durations as people say them ("about 9 minutes"), and an ETA that does not jump: the job's
// estimate at the start, its measured rate as it goes, smoothed.
#include <QString>

namespace restora::ui {

// "a few seconds", "about 40 seconds", "about 1 minute", "about 9 minutes", "about 1.5 hours".
QString humanDuration(double seconds);

class EtaSmoother {
  public:
    // `estimate`: the estimated whole duration (seconds; 0 when unknown).
    void start(double estimate) {
        estimate_ = estimate;
        shown_ = -1;
    }
    // Seconds left at `percent` (1..99) after `elapsed` seconds.
    double update(int percent, double elapsed);

  private:
    double estimate_ = 0;
    double shown_ = -1;
};

}  // namespace restora::ui
