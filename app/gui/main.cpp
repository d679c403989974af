// restora: the desktop application. Thin: wiring and startup only.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <opencv2/core/utils/logger.hpp>

#include "main_window.h"
#include "restora/models/engine.h"

int main(int argc, char** argv) {
    restora::keep_freed_memory_for_reuse();  // before Qt or the worker start a thread
    // Failures reach the user as messages; OpenCV's own "[ WARN ]" log lines would only repeat them.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Restora");
    QApplication::setApplicationName("Restora");
    QApplication::setApplicationVersion("0.1.0");
    QApplication::setWindowIcon(QIcon(":/icons/restora-256.png"));
    QApplication::setDesktopFileName("restora");
    QCommandLineParser parser;
    parser.setApplicationDescription("Photo restoration");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("photo", "A photo to open");
    const QCommandLineOption apply_opt("apply", "Apply operation OP to the photo once it is open.", "OP");
    const QCommandLineOption set_opt("set", "Parameter for --apply (repeatable).", "KEY=VALUE");
    const QCommandLineOption tool_opt("tool", "Select tool OP (with --set) without applying it.", "OP");
    parser.addOption(tool_opt);
    const QCommandLineOption mask_opt("mask", "Import FILE as the tool's mask (white = selected).", "FILE");
    parser.addOption(mask_opt);
    const QCommandLineOption compare_opt("compare", "Compare mode: after, split, split-horizontal, side-by-side.",
                                         "MODE");
    parser.addOption(apply_opt);
    parser.addOption(set_opt);
    parser.addOption(compare_opt);
    const QCommandLineOption zoom_opt("zoom-in", "Zoom in N steps from 100% once the photo is open.", "N");
    parser.addOption(zoom_opt);
    parser.process(app);
    restora::ui::MainWindow window;
    window.show();
    const QString mode = parser.value(compare_opt);
    if (mode == "after") window.setCompareMode(restora::ui::CompareMode::After);
    if (mode == "split-horizontal") window.setCompareMode(restora::ui::CompareMode::SplitHorizontal);
    if (mode == "side-by-side") window.setCompareMode(restora::ui::CompareMode::SideBySide);
    if (!parser.positionalArguments().isEmpty() && window.openFile(parser.positionalArguments().first()) &&
        (parser.isSet(apply_opt) || parser.isSet(tool_opt))) {
        window.selectOperation(parser.isSet(apply_opt) ? parser.value(apply_opt) : parser.value(tool_opt));
        for (const QString& kv : parser.values(set_opt)) {
            const auto eq = kv.indexOf('=');
            if (eq > 0) window.setParameter(kv.left(eq), kv.mid(eq + 1));
        }
        if (parser.isSet(mask_opt)) window.setMaskFile(parser.value(mask_opt));
        if (parser.isSet(zoom_opt)) {
            window.view()->actualSize();
            for (int i = 0; i < parser.value(zoom_opt).toInt(); ++i) window.view()->zoomIn();
        }
        if (parser.isSet(apply_opt)) window.apply();
    }
    return QApplication::exec();
}
