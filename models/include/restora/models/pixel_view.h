#pragma once
// A non-owning view of interleaved pixels. It lets the tiled runner read and write images held by
// other layers (OpenCV matrices in core) without models/ depending on anything but libtorch.
#include <cstddef>

namespace restora {

enum class PixelType { U8, U16, F32 };

struct PixelView {
    void* data = nullptr;
    int width = 0;
    int height = 0;
    int channels = 3;               // 1 (grey, replicated), 3 or 4 (the 4th is alpha, ignored)
    std::ptrdiff_t row_stride = 0;  // bytes between rows
    PixelType type = PixelType::U8;
    bool bgr = true;  // OpenCV order; the models see RGB

    [[nodiscard]] float full_scale() const {
        return type == PixelType::U8 ? 255.0F : (type == PixelType::U16 ? 65535.0F : 1.0F);
    }
};

}  // namespace restora
