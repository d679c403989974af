#pragma once
// View <-> image geometry as pure functions (no Qt), tested with parameterised GoogleTest.
// Coordinate spaces:
//   image: pixels of the displayed image, origin top-left, x right, y down;
//   view:  device pixels of the view widget (logical pixels x devicePixelRatio).
// A view state is a zoom (device pixels per image pixel) and the view position of image (0,0).
namespace restora::view {

struct Point {
    double x = 0;
    double y = 0;
};

struct ViewState {
    double zoom = 1.0;
    double offset_x = 0;  // view x of image x = 0
    double offset_y = 0;  // view y of image y = 0
};

inline constexpr double kMinZoom = 1.0 / 64;
inline constexpr double kMaxZoom = 64.0;

// view = offset + zoom * image
Point image_to_view(const ViewState& s, Point image);
Point view_to_image(const ViewState& s, Point view);

// The whole image centred in the view, never enlarged beyond 100% (photo viewers' "fit").
ViewState fit(double image_w, double image_h, double view_w, double view_h);
// 100%: one image pixel per device pixel, keeping the image point under `anchor` fixed.
ViewState actual_size(const ViewState& s, Point anchor);
// Multiplies the zoom (clamped to [kMinZoom, kMaxZoom]) keeping the image point under `anchor`.
ViewState zoom_at(const ViewState& s, double factor, Point anchor);
// Moves by a view-space delta.
ViewState pan(const ViewState& s, double dx, double dy);
// Keeps at least `margin` device pixels of the image inside the view (no losing the image).
ViewState clamp_pan(const ViewState& s, double image_w, double image_h, double view_w, double view_h, double margin);

// Maps a state for an image of size (w0,h0) to the same on-screen placement of an image of size
// (w1,h1) covering the same scene (e.g. the original "before" shown at an upscaled result's
// geometry): zoom scales by w0/w1.
ViewState for_resized_image(const ViewState& s, double w0, double w1);

}  // namespace restora::view
