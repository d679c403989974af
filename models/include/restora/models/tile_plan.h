#pragma once
// Pure tile planner: how an image is cut into tiles for a model, what each tile reads (with
// mirrored border context and padding to the model's size multiple) and how tile outputs are
// blended back (linear feather ramps that form a partition of unity across each seam).
// All rectangles are in input-image pixels unless a name says "out" (model-output pixels).
#include <vector>

namespace restora::tiling {

struct Rect {
    int x = 0;
    int y = 0;
    int w = 0;
    int h = 0;
    [[nodiscard]] int right() const { return x + w; }
    [[nodiscard]] int bottom() const { return y + h; }
    bool operator==(const Rect&) const = default;
};

struct PlanOptions {
    int tile = 512;              // longest core side in input pixels; 0 = the whole image in one model call
    int context = 16;            // border context read around each tile (mirrored outside the image)
    int feather = 8;             // half-width of the blend ramp at interior seams (clamped to context)
    int scale = 1;               // model output pixels per input pixel
    int multiple = 1;            // model input sides must be a multiple of this
    bool border_context = true;  // false: context only towards neighbouring tiles, none at the image's edges
};

struct Tile {
    int col = 0;
    int row = 0;
    Rect core;        // cores of all tiles partition the image
    Rect blend;       // core grown by the feather at interior edges: the pixels this tile contributes to
    Rect source;      // blend grown by the context, may extend outside the image (read mirrored); without
                      // border_context it stops at the image's edges
    int input_w = 0;  // model input size: source rounded up to the multiple (extra read mirrored)
    int input_h = 0;
    Rect out_crop;  // the blend rect inside the model output (model-output pixels)
};

struct Plan {
    int width = 0;
    int height = 0;
    int scale = 1;
    int feather = 0;  // effective feather after clamping
    int context = 0;  // effective context
    int cols = 0;
    int rows = 0;
    std::vector<int> col_edges;  // cols+1 input x positions of core edges
    std::vector<int> row_edges;  // rows+1 input y positions of core edges
    std::vector<Tile> tiles;     // row-major
};

// Throws std::invalid_argument on non-positive sizes or inconsistent options.
Plan make_plan(int width, int height, const PlanOptions& options);

// What a tile spanning [begin, begin + length) of an axis of n pixels reads on that axis, before
// padding to the multiple: the context on both sides, or without border context none beyond the
// image, the far edge's tile reading on to the multiple as a whole-image call does (the span is
// then a multiple itself). Negative or >= n positions are read mirrored.
struct Span {
    int begin = 0;
    int end = 0;
};
Span source_span(int begin, int length, int n, int context, int multiple, bool border_context);

// Reflect-101 ("mirror without repeating the edge") for any integer index; n >= 1.
int mirror_index(int i, int n);

// Blend weight of the tile spanning core [lo, hi) on one axis at model-output pixel u.
// has_prev/has_next tell whether a neighbour shares the low/high edge.
float axis_weight(int u, int lo, int hi, bool has_prev, bool has_next, int feather, int scale);

// Even split of [0, n) into ceil(n / tile) parts (sizes differ by at most one).
std::vector<int> split_edges(int n, int tile);

}  // namespace restora::tiling
