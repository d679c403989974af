#include "mask_files.h"

#include <QCoreApplication>
#include <QImage>
#include <QSaveFile>

#include <cmath>
#include <stdexcept>

#include "restora/core/image_io.h"
#include "restora/core/mask.h"

namespace restora::ui {

cv::Mat load_mask_file(const QString& path, cv::Size photo) {
    const LoadedImage img = load_image(path.toStdString());
    cv::Mat bitmap = binarize_mask(img.pixels);
    if (bitmap.size() != photo) {
        const double a = static_cast<double>(bitmap.cols) / bitmap.rows;
        const double b = static_cast<double>(photo.width) / photo.height;
        if (std::abs(a / b - 1.0) > 0.01) {
            throw std::runtime_error(QString("the mask is %1 × %2 but the photo is %3 × %4; a mask must have the "
                                             "photo's size or at least its shape")
                                         .arg(bitmap.cols)
                                         .arg(bitmap.rows)
                                         .arg(photo.width)
                                         .arg(photo.height)
                                         .toStdString());
        }
    }
    return bitmap;
}

QString save_mask_file(const cv::Mat& coverage, const QString& path) {
    const auto tr = [](const char* text) { return QCoreApplication::translate("restora::ui::MainWindow", text); };
    const QImage img(coverage.data, coverage.cols, coverage.rows, static_cast<qsizetype>(coverage.step),
                     QImage::Format_Grayscale8);
    QSaveFile file(path);  // a temp file renamed over the target: never a half-written mask
    if (!file.open(QIODevice::WriteOnly)) return tr("Cannot write %1: %2").arg(path, file.errorString());
    if (!img.save(&file, "PNG") || !file.commit()) return tr("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

}  // namespace restora::ui
