// restora-bench-mask: how fluid mask painting is on a large photo. Drives the real ImageView
// (Qt's offscreen platform unless a display is set) with mouse events and measures, per event,
// the stroke rasterisation plus the partial repaint Qt performs for the dirty region. Baseline in
// the same process: a full repaint of the view (what every event would cost without dirty regions).
//   restora-bench-mask [--width 6000 --height 4000 --view 1600x1000 --events 200]
#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "image_view.h"
#include "mask_layer.h"

using restora::ui::ImageView;
using restora::ui::MaskLayer;
using restora::ui::MaskTool;

namespace {

struct Stats {
    double median = 0;
    double p95 = 0;
    double max = 0;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 95 / 100)], v.back()};
}

void send(ImageView& v, QEvent::Type type, const QPointF& at) {
    const Qt::MouseButton b = type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton;
    const Qt::MouseButtons held = type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::LeftButton;
    QMouseEvent e(type, at, v.mapToGlobal(at), b, held, Qt::NoModifier);
    QApplication::sendEvent(&v, &e);
}

// One stroke across the view; returns per-event milliseconds (event + the repaint it causes).
std::vector<double> paint_stroke(ImageView& v, int events, double y_frac) {
    std::vector<double> ms;
    QElapsedTimer t;
    const double w = v.width();
    const double h = v.height();
    send(v, QEvent::MouseButtonPress, {0.1 * w, y_frac * h});
    QApplication::processEvents();
    for (int i = 1; i <= events; ++i) {
        const double f = static_cast<double>(i) / events;
        const QPointF at(0.1 * w + 0.8 * w * f, (y_frac + 0.15 * std::sin(6.28 * f)) * h);
        t.start();
        send(v, QEvent::MouseMove, at);
        QApplication::sendPostedEvents(nullptr, QEvent::UpdateRequest);
        QApplication::processEvents();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    send(v, QEvent::MouseButtonRelease, {0.9 * w, y_frac * h});
    QApplication::processEvents();
    return ms;
}

std::vector<double> full_repaints(ImageView& v, int n) {
    std::vector<double> ms;
    QElapsedTimer t;
    for (int i = 0; i < n; ++i) {
        t.start();
        v.repaint();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    int width = 6000;
    int height = 4000;
    int vw = 1600;
    int vh = 1000;
    int events = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--width") width = std::stoi(argv[i + 1]);
        if (k == "--height") height = std::stoi(argv[i + 1]);
        if (k == "--events") events = std::stoi(argv[i + 1]);
        if (k == "--view") std::sscanf(argv[i + 1], "%dx%d", &vw, &vh);
    }
    // A photo-like image: smooth gradients with fine texture (content does not change paint cost much).
    QImage photo(width, height, QImage::Format_RGB32);
    for (int y = 0; y < height; ++y) {
        auto* row = reinterpret_cast<QRgb*>(photo.scanLine(y));
        for (int x = 0; x < width; ++x) {
            row[x] = qRgb((x * 255 / width) ^ (y & 15), (y * 255 / height), ((x + y) & 63) * 4);
        }
    }
    MaskLayer mask({width, height});
    ImageView v;
    v.resize(vw, vh);
    v.show();
    v.setImages(photo, photo, false);
    v.setMaskLayer(&mask);
    v.setMaskTool(MaskTool::Brush);
    QApplication::processEvents();
    std::printf("photo %dx%d (%.1f MP), view %dx%d, %d move events per stroke, platform %s\n", width, height,
                width * height / 1e6, vw, vh, events, qPrintable(QGuiApplication::platformName()));
    std::printf("%-34s %9s %9s %9s\n", "case", "median ms", "p95 ms", "max ms");
    const auto row = [](const char* name, const Stats& s) {
        std::printf("%-34s %9.2f %9.2f %9.2f\n", name, s.median, s.p95, s.max);
    };
    struct Case {
        const char* name;
        double zoom;  // 0: fit
        double radius;
    };
    const Case cases[] = {{"fit, brush 60 px", 0, 60},
                          {"fit, brush 300 px", 0, 300},
                          {"100%, brush 30 px", 1, 30},
                          {"100%, brush 150 px", 1, 150}};
    double y = 0.2;
    for (const Case& c : cases) {
        if (c.zoom == 0) {
            v.fitToWindow();
        } else {
            v.actualSize();
        }
        v.setBrush(c.radius, 0.8);
        QApplication::processEvents();
        row(c.name, stats(paint_stroke(v, events, y)));
        y += 0.2;
        if (y > 0.85) y = 0.2;
    }
    v.fitToWindow();
    QApplication::processEvents();
    row("baseline: full repaint at fit", stats(full_repaints(v, 20)));
    v.actualSize();
    QApplication::processEvents();
    row("baseline: full repaint at 100%", stats(full_repaints(v, 20)));
    std::printf("mask selected: %.2f%% of the photo\n", 100 * mask.selected_fraction());
    return 0;
}
