#include "view_geometry.h"

#include <algorithm>

namespace restora::view {

Point image_to_view(const ViewState& s, Point p) { return {s.offset_x + s.zoom * p.x, s.offset_y + s.zoom * p.y}; }

Point view_to_image(const ViewState& s, Point p) { return {(p.x - s.offset_x) / s.zoom, (p.y - s.offset_y) / s.zoom}; }

ViewState fit(double iw, double ih, double vw, double vh) {
    ViewState s;
    if (iw <= 0 || ih <= 0 || vw <= 0 || vh <= 0) return s;
    s.zoom = std::clamp(std::min({vw / iw, vh / ih, 1.0}), kMinZoom, kMaxZoom);
    s.offset_x = (vw - s.zoom * iw) / 2;
    s.offset_y = (vh - s.zoom * ih) / 2;
    return s;
}

ViewState zoom_at(const ViewState& s, double factor, Point anchor) {
    const Point fixed = view_to_image(s, anchor);
    ViewState out;
    out.zoom = std::clamp(s.zoom * factor, kMinZoom, kMaxZoom);
    out.offset_x = anchor.x - out.zoom * fixed.x;
    out.offset_y = anchor.y - out.zoom * fixed.y;
    return out;
}

ViewState actual_size(const ViewState& s, Point anchor) { return zoom_at(s, 1.0 / s.zoom, anchor); }

ViewState pan(const ViewState& s, double dx, double dy) {
    ViewState out = s;
    out.offset_x += dx;
    out.offset_y += dy;
    return out;
}

ViewState clamp_pan(const ViewState& s, double iw, double ih, double vw, double vh, double margin) {
    ViewState out = s;
    const double w = s.zoom * iw;
    const double h = s.zoom * ih;
    const double mx = std::min(margin, w);
    const double my = std::min(margin, h);
    out.offset_x = std::clamp(out.offset_x, mx - w, vw - mx);
    out.offset_y = std::clamp(out.offset_y, my - h, vh - my);
    return out;
}

ViewState for_resized_image(const ViewState& s, double w0, double w1) {
    ViewState out = s;
    if (w1 > 0) out.zoom = s.zoom * w0 / w1;
    return out;
}

}  // namespace restora::view
