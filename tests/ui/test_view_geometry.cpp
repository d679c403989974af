// View <-> image geometry: round trips, fit, zoom about a fixed point, pan clamping.
#include <gtest/gtest.h>

#include <tuple>

#include "view_geometry.h"

using namespace restora::view;

class ZoomAnchor : public ::testing::TestWithParam<std::tuple<double, double, double>> {};

TEST_P(ZoomAnchor, KeepsTheImagePointUnderTheAnchor) {
    const auto [factor, ax, ay] = GetParam();
    const ViewState s{0.37, 12.5, -40.0};
    const Point before = view_to_image(s, {ax, ay});
    const ViewState z = zoom_at(s, factor, {ax, ay});
    const Point after = view_to_image(z, {ax, ay});
    EXPECT_NEAR(before.x, after.x, 1e-9);
    EXPECT_NEAR(before.y, after.y, 1e-9);
    EXPECT_NEAR(z.zoom, std::clamp(0.37 * factor, kMinZoom, kMaxZoom), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Factors, ZoomAnchor,
                         ::testing::Combine(::testing::Values(0.001, 0.5, 1.25, 2.0, 1000.0),
                                            ::testing::Values(0.0, 333.0, 1920.0),
                                            ::testing::Values(0.0, 540.0, 1080.0)));

class FitCases : public ::testing::TestWithParam<std::tuple<double, double, double, double>> {};

TEST_P(FitCases, CentresAndNeverEnlarges) {
    const auto [iw, ih, vw, vh] = GetParam();
    const ViewState s = fit(iw, ih, vw, vh);
    EXPECT_LE(s.zoom, 1.0);
    EXPECT_LE(s.zoom * iw, vw + 1e-9);
    EXPECT_LE(s.zoom * ih, vh + 1e-9);
    // Centred: equal margins on both sides.
    EXPECT_NEAR(s.offset_x, vw - (s.offset_x + s.zoom * iw), 1e-9);
    EXPECT_NEAR(s.offset_y, vh - (s.offset_y + s.zoom * ih), 1e-9);
    // One side touches the view unless the image is smaller than the view.
    if (iw > vw || ih > vh) {
        EXPECT_TRUE(std::abs(s.zoom * iw - vw) < 1e-6 || std::abs(s.zoom * ih - vh) < 1e-6);
    }
}

INSTANTIATE_TEST_SUITE_P(Sizes, FitCases,
                         ::testing::Values(std::make_tuple(6000.0, 4000.0, 1600.0, 900.0),
                                           std::make_tuple(4000.0, 6000.0, 1600.0, 900.0),
                                           std::make_tuple(300.0, 200.0, 1600.0, 900.0),
                                           std::make_tuple(1600.0, 900.0, 1600.0, 900.0),
                                           std::make_tuple(1.0, 10000.0, 800.0, 600.0)));

TEST(ViewGeometry, RoundTripAndActualSize) {
    const ViewState s{2.5, 100, 50};
    const Point p = image_to_view(s, {10, 20});
    EXPECT_DOUBLE_EQ(p.x, 125);
    EXPECT_DOUBLE_EQ(p.y, 100);
    const Point back = view_to_image(s, p);
    EXPECT_DOUBLE_EQ(back.x, 10);
    EXPECT_DOUBLE_EQ(back.y, 20);
    EXPECT_DOUBLE_EQ(actual_size(s, {400, 300}).zoom, 1.0);
}

TEST(ViewGeometry, PanIsClampedSoTheImageStaysVisible) {
    const ViewState s = pan(fit(1000, 800, 500, 400), 1e6, -1e6);
    const ViewState c = clamp_pan(s, 1000, 800, 500, 400, 48);
    EXPECT_LE(c.offset_x, 500 - 48);
    EXPECT_GE(c.offset_y + c.zoom * 800, 48 - 1e-9);
}

TEST(ViewGeometry, ResizedImageKeepsItsPlaceOnScreen) {
    // An x4 upscale shown where the original was: same view rectangle.
    const ViewState s{0.8, 30, 40};
    const ViewState r = for_resized_image(s, 500, 2000);
    EXPECT_DOUBLE_EQ(r.zoom * 2000, s.zoom * 500);
    EXPECT_DOUBLE_EQ(r.offset_x, s.offset_x);
}
