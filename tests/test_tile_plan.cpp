// The planner is pure: these sweeps check its invariants over many sizes and option sets.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "restora/models/tile_plan.h"

using namespace restora::tiling;

TEST(MirrorIndex, ReflectsWithoutRepeatingTheEdge) {
    EXPECT_EQ(mirror_index(-1, 5), 1);
    EXPECT_EQ(mirror_index(-2, 5), 2);
    EXPECT_EQ(mirror_index(5, 5), 3);
    EXPECT_EQ(mirror_index(6, 5), 2);
    EXPECT_EQ(mirror_index(0, 1), 0);
    EXPECT_EQ(mirror_index(-7, 1), 0);
    EXPECT_EQ(mirror_index(-9, 2), 1);
    for (int n = 1; n < 12; ++n) {
        for (int i = -50; i < 60; ++i) {
            const int m = mirror_index(i, n);
            ASSERT_GE(m, 0);
            ASSERT_LT(m, n);
            if (i >= 0 && i < n) {
                ASSERT_EQ(m, i);
            }
            if (n > 1) {
                ASSERT_EQ(mirror_index(-i, n), mirror_index(i, n));  // symmetric about 0
            }
        }
    }
}

TEST(SplitEdges, EvenPartsThatCoverTheRange) {
    for (int n = 1; n < 300; n += 7) {
        for (int tile = 1; tile < 80; tile += 3) {
            const auto e = split_edges(n, tile);
            ASSERT_EQ(e.front(), 0);
            ASSERT_EQ(e.back(), n);
            int lo = n;
            int hi = 0;
            for (size_t k = 1; k < e.size(); ++k) {
                const int part = e[k] - e[k - 1];
                ASSERT_LE(part, tile);
                lo = std::min(lo, part);
                hi = std::max(hi, part);
            }
            ASSERT_LE(hi - lo, 1);
        }
    }
}

TEST(MakePlan, RejectsInvalidOptions) {
    EXPECT_THROW(make_plan(0, 10, {}), std::invalid_argument);
    EXPECT_THROW(make_plan(10, -1, {}), std::invalid_argument);
    PlanOptions o;
    o.scale = 0;
    EXPECT_THROW(make_plan(10, 10, o), std::invalid_argument);
    o = {};
    o.tile = -3;
    EXPECT_THROW(make_plan(10, 10, o), std::invalid_argument);
}

TEST(MakePlan, TileZeroIsOneRawCallPaddedToTheMultiple) {
    PlanOptions o;
    o.tile = 0;
    o.context = 16;
    o.multiple = 64;
    o.scale = 2;
    const Plan p = make_plan(130, 70, o);
    ASSERT_EQ(p.tiles.size(), 1U);
    const Tile& t = p.tiles[0];
    EXPECT_EQ(p.context, 0);
    EXPECT_EQ(t.source, (Rect{0, 0, 130, 70}));
    EXPECT_EQ(t.input_w, 192);
    EXPECT_EQ(t.input_h, 128);
    EXPECT_EQ(t.out_crop, (Rect{0, 0, 260, 140}));
}

namespace {

void check_invariants(int w, int h, int tile, int context, int feather, int scale, int multiple, bool border) {
    SCOPED_TRACE(::testing::Message() << w << "x" << h << " tile " << tile << " context " << context << " feather "
                                      << feather << " scale " << scale << " multiple " << multiple << " border context "
                                      << border);
    PlanOptions o{tile, context, feather, scale, multiple, border};
    const Plan p = make_plan(w, h, o);
    ASSERT_EQ(p.tiles.size(), static_cast<size_t>(p.cols * p.rows));
    ASSERT_LE(p.feather, feather);
    ASSERT_LE(p.feather, p.context);

    // Cores partition the image exactly once.
    std::vector<int> cover(static_cast<size_t>(w) * h, 0);
    for (const Tile& t : p.tiles) {
        ASSERT_LE(t.core.w, tile);
        ASSERT_LE(t.core.h, tile);
        for (int y = t.core.y; y < t.core.bottom(); ++y)
            for (int x = t.core.x; x < t.core.right(); ++x) ++cover[static_cast<size_t>(y) * w + x];
        // Blend stays inside the image; source holds the blend plus full context (without border
        // context: none beyond the image's edges).
        ASSERT_GE(t.blend.x, 0);
        ASSERT_GE(t.blend.y, 0);
        ASSERT_LE(t.blend.right(), w);
        ASSERT_LE(t.blend.bottom(), h);
        if (border) {
            ASSERT_EQ(t.source.x, t.blend.x - p.context);
            ASSERT_EQ(t.source.right(), t.blend.right() + p.context);
            ASSERT_EQ(t.source.y, t.blend.y - p.context);
            ASSERT_EQ(t.source.bottom(), t.blend.bottom() + p.context);
        } else {
            // The context towards neighbours, nothing before the image; a tile whose context
            // reaches the far edge ends where a whole-image call's padding ends.
            const int wm = (w + multiple - 1) / multiple * multiple;
            const int hm = (h + multiple - 1) / multiple * multiple;
            ASSERT_GE(t.source.x, 0);
            ASSERT_LE(t.source.x, std::max(0, t.blend.x - p.context));
            ASSERT_EQ(t.source.right(), t.blend.right() + p.context >= w ? wm : t.blend.right() + p.context);
            ASSERT_GE(t.source.y, 0);
            ASSERT_LE(t.source.y, std::max(0, t.blend.y - p.context));
            ASSERT_EQ(t.source.bottom(), t.blend.bottom() + p.context >= h ? hm : t.blend.bottom() + p.context);
        }
        ASSERT_EQ(t.input_w % multiple, 0);
        ASSERT_EQ(t.input_h % multiple, 0);
        ASSERT_GE(t.input_w, t.source.w);
        ASSERT_LT(t.input_w - t.source.w, multiple);
        ASSERT_EQ(t.out_crop.w, t.blend.w * scale);
        ASSERT_EQ(t.out_crop.x, (t.blend.x - t.source.x) * scale);
    }
    for (int c : cover) ASSERT_EQ(c, 1);

    // Blend weights form a partition of unity on the output grid.
    const int ow = w * scale;
    const int oh = h * scale;
    std::vector<double> sum(static_cast<size_t>(ow) * oh, 0.0);
    for (const Tile& t : p.tiles) {
        for (int v = t.blend.y * scale; v < t.blend.bottom() * scale; ++v) {
            const float wy = axis_weight(v, t.core.y, t.core.bottom(), t.row > 0, t.row < p.rows - 1, p.feather, scale);
            for (int u = t.blend.x * scale; u < t.blend.right() * scale; ++u) {
                const float wx =
                    axis_weight(u, t.core.x, t.core.right(), t.col > 0, t.col < p.cols - 1, p.feather, scale);
                ASSERT_GT(wx * wy, 0.0F) << "a blend pixel with zero weight wastes work";
                sum[static_cast<size_t>(v) * ow + u] += static_cast<double>(wx) * wy;
            }
        }
    }
    for (double s : sum) ASSERT_NEAR(s, 1.0, 1e-6);
}

}  // namespace

TEST(MakePlan, InvariantsOverASweepOfSizesAndOptions) {
    for (int w : {1, 2, 17, 64, 130})
        for (int h : {1, 31, 64, 97})
            for (int tile : {8, 32, 64})
                for (int context : {0, 4, 16})
                    for (int feather : {0, 3, 8})
                        for (int scale : {1, 2, 3})
                            for (int multiple : {1, 8})
                                for (bool border : {true, false}) {
                                    check_invariants(w, h, tile, context, feather, scale, multiple, border);
                                    if (::testing::Test::HasFatalFailure()) return;
                                }
}
