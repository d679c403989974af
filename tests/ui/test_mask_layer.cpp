// The mask editor's model: rasterisation of each edit kind, per-edit undo/redo, resampling.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "mask_layer.h"

using restora::ui::MaskEdit;
using restora::ui::MaskLayer;

namespace {

int selected(const MaskLayer& l) { return cv::countNonZero(l.binary()); }

bool same(const cv::Mat& a, const cv::Mat& b) { return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0; }

MaskEdit edit(MaskEdit::Kind k, double amount = 0) {
    MaskEdit e;
    e.kind = k;
    e.amount = amount;
    return e;
}

}  // namespace

TEST(MaskLayer, HardBrushStrokeCoversACapsule) {
    MaskLayer l({200, 100});
    l.begin_stroke(MaskEdit::Kind::Brush, {50, 50}, 10, 1.0);
    const cv::Rect r = l.extend_stroke({150, 50});
    l.end_stroke();
    EXPECT_TRUE(r.contains({100, 45}));
    EXPECT_EQ(l.coverage().at<uchar>(50, 100), 255);
    EXPECT_EQ(l.coverage().at<uchar>(45, 100), 255);
    EXPECT_EQ(l.coverage().at<uchar>(62, 100), 0);
    EXPECT_EQ(l.coverage().at<uchar>(50, 170), 0);
    const double area = 100 * 20 + M_PI * 100;  // rectangle plus two half discs
    EXPECT_NEAR(selected(l), area, 0.03 * area);
    EXPECT_EQ(l.undo_count(), 1u);
}

TEST(MaskLayer, SoftBrushFallsOffAndTheOperationsSeeHalfCoverage) {
    MaskLayer l({100, 100});
    l.begin_stroke(MaskEdit::Kind::Brush, {50, 50}, 20, 0.0);
    l.end_stroke();
    const auto& c = l.coverage();
    EXPECT_GT(c.at<uchar>(50, 50), 250);
    EXPECT_GT(c.at<uchar>(50, 62), 0);
    EXPECT_LT(c.at<uchar>(50, 62), 255);
    EXPECT_EQ(c.at<uchar>(50, 71), 0);
    // Selected where coverage > half: a disc of radius r/2 for a smoothstep falloff.
    EXPECT_NEAR(selected(l), M_PI * 100, 0.1 * M_PI * 100);
}

TEST(MaskLayer, EachStrokeUndoesAndRedoesOnItsOwn) {
    MaskLayer l({120, 120});
    l.begin_stroke(MaskEdit::Kind::Brush, {20, 20}, 8, 0.7);
    l.extend_stroke({60, 30});
    l.end_stroke();
    const cv::Mat one = l.coverage().clone();
    l.begin_stroke(MaskEdit::Kind::Brush, {80, 90}, 12, 0.7);
    l.extend_stroke({100, 60});
    l.extend_stroke({30, 100});
    l.end_stroke();
    const cv::Mat two = l.coverage().clone();
    ASSERT_FALSE(same(one, two));
    l.undo();
    EXPECT_TRUE(same(l.coverage(), one));
    l.undo();
    EXPECT_EQ(cv::countNonZero(l.coverage()), 0);
    EXPECT_FALSE(l.can_undo());
    l.redo();
    EXPECT_TRUE(same(l.coverage(), one));
    l.redo();
    EXPECT_TRUE(same(l.coverage(), two));
    EXPECT_FALSE(l.can_redo());
    // A new edit after an undo drops the redo branch.
    l.undo();
    l.apply(edit(MaskEdit::Kind::Invert));
    EXPECT_FALSE(l.can_redo());
    EXPECT_EQ(l.undo_count(), 2u);
}

TEST(MaskLayer, EraserRemovesWhatTheBrushPainted) {
    MaskLayer l({100, 100});
    MaskEdit all = edit(MaskEdit::Kind::Rect);
    all.points = {{0, 0}, {100, 100}};
    l.apply(all);
    EXPECT_EQ(selected(l), 100 * 100);
    l.begin_stroke(MaskEdit::Kind::Eraser, {10, 50}, 5, 1.0);
    l.extend_stroke({90, 50});
    l.end_stroke();
    EXPECT_EQ(l.coverage().at<uchar>(50, 50), 0);
    EXPECT_EQ(l.coverage().at<uchar>(20, 50), 255);
    EXPECT_NEAR(selected(l), 10000 - (80 * 10 + M_PI * 25), 40);
}

TEST(MaskLayer, RectangleLassoAndSubtract) {
    MaskLayer l({100, 100});
    MaskEdit rect = edit(MaskEdit::Kind::Rect);
    rect.points = {{60, 70}, {10, 20}};  // any corner order
    l.apply(rect);
    EXPECT_EQ(selected(l), 50 * 50);
    MaskEdit lasso = edit(MaskEdit::Kind::Lasso);
    lasso.points = {{10, 20}, {60, 20}, {10, 70}};  // the upper-left half of the rectangle
    lasso.subtract = true;
    l.apply(lasso);
    EXPECT_NEAR(selected(l), 50 * 50 / 2, 100);  // fillPoly includes the diagonal edge
    EXPECT_EQ(l.coverage().at<uchar>(25, 15), 0);
    EXPECT_EQ(l.coverage().at<uchar>(65, 55), 255);
}

TEST(MaskLayer, FillSelectsTheEnclosedArea) {
    MaskLayer l({100, 100});
    MaskEdit ring = edit(MaskEdit::Kind::Brush);
    ring.radius = 2;
    ring.hardness = 1;
    for (int i = 0; i <= 64; ++i) {
        const double t = 2 * M_PI * i / 64;
        ring.points.emplace_back(50 + 30 * std::cos(t), 50 + 30 * std::sin(t));
    }
    l.apply(ring);
    const int outline = selected(l);
    MaskEdit fill = edit(MaskEdit::Kind::Fill);
    fill.points = {{50, 50}};
    l.apply(fill);
    EXPECT_EQ(l.coverage().at<uchar>(50, 50), 255);
    EXPECT_EQ(l.coverage().at<uchar>(5, 5), 0);
    EXPECT_NEAR(selected(l), M_PI * 32 * 32, 0.05 * M_PI * 32 * 32);
    l.undo();
    EXPECT_EQ(selected(l), outline);
    // Filling inside an already selected area changes nothing and records nothing.
    fill.points = {{80, 50}};
    const auto n = l.undo_count();
    EXPECT_EQ(l.apply(fill).area(), 0);
    EXPECT_EQ(l.undo_count(), n);
}

TEST(MaskLayer, GrowShrinkFeatherInvertClear) {
    MaskLayer l({80, 80});
    MaskEdit dot = edit(MaskEdit::Kind::Rect);
    dot.points = {{40, 40}, {41, 41}};
    l.apply(dot);
    ASSERT_EQ(selected(l), 1);
    l.apply(edit(MaskEdit::Kind::Grow, 10));
    EXPECT_NEAR(selected(l), M_PI * 100, 0.08 * M_PI * 100);
    l.apply(edit(MaskEdit::Kind::Shrink, 5));
    EXPECT_NEAR(selected(l), M_PI * 25, 0.2 * M_PI * 25);
    EXPECT_EQ(l.coverage().at<uchar>(40, 40), 255);
    l.apply(edit(MaskEdit::Kind::Feather, 4));
    EXPECT_GT(l.coverage().at<uchar>(40, 47), 0);  // soft values outside the old edge
    EXPECT_LT(l.coverage().at<uchar>(40, 45), 255);
    l.apply(edit(MaskEdit::Kind::Invert));
    EXPECT_EQ(l.coverage().at<uchar>(0, 0), 255);
    EXPECT_LT(l.coverage().at<uchar>(40, 40), 40);
    l.apply(edit(MaskEdit::Kind::Clear));
    EXPECT_EQ(cv::countNonZero(l.coverage()), 0);
    while (l.can_undo()) l.undo();
    EXPECT_EQ(cv::countNonZero(l.coverage()), 0);
}

TEST(MaskLayer, ShrinkDoesNotEatAwayFromTheImageEdge) {
    MaskLayer l({50, 50});
    MaskEdit rect = edit(MaskEdit::Kind::Rect);
    rect.points = {{0, 0}, {20, 50}};
    l.apply(rect);
    l.apply(edit(MaskEdit::Kind::Shrink, 3));
    EXPECT_EQ(l.coverage().at<uchar>(25, 0), 255);  // touches the left edge: kept
    EXPECT_EQ(l.coverage().at<uchar>(25, 17), 0);   // 3 px in from the inner edge: removed
    EXPECT_EQ(l.coverage().at<uchar>(25, 15), 255);
}

TEST(MaskLayer, ResamplingScalesTheEditsAndKeepsTheirHistory) {
    MaskLayer l({100, 80});
    MaskEdit rect = edit(MaskEdit::Kind::Rect);
    rect.points = {{10, 10}, {30, 20}};
    l.apply(rect);
    l.begin_stroke(MaskEdit::Kind::Brush, {60, 40}, 5, 1.0);
    l.extend_stroke({80, 40});
    l.end_stroke();
    const int before = selected(l);
    l.resample({400, 320});
    EXPECT_EQ(l.size(), cv::Size(400, 320));
    EXPECT_NEAR(selected(l), 16.0 * before, 0.03 * 16 * before);
    EXPECT_EQ(l.coverage().at<uchar>(60, 100), 255);   // the rectangle, four times as large
    EXPECT_EQ(l.coverage().at<uchar>(160, 280), 255);  // the stroke
    l.undo();
    EXPECT_EQ(selected(l), 80 * 40);
    l.resample({100, 80});
    EXPECT_EQ(selected(l), 20 * 10);
}

TEST(MaskLayer, ImportReplacesTheMaskAndUndoes) {
    MaskLayer l({64, 48});
    cv::Mat m = cv::Mat::zeros(48, 64, CV_8U);
    m(cv::Rect(5, 5, 10, 10)).setTo(255);
    MaskEdit imp = edit(MaskEdit::Kind::Import);
    imp.bitmap = m;
    l.apply(imp);
    EXPECT_TRUE(same(l.binary(), m));
    l.undo();
    EXPECT_TRUE(l.empty());
}
