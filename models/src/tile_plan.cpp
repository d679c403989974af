#include "restora/models/tile_plan.h"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace restora::tiling {

int mirror_index(int i, int n) {
    if (n <= 1) return 0;
    const int period = 2 * (n - 1);
    int m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - m;
}

std::vector<int> split_edges(int n, int tile) {
    const int parts = std::max(1, (n + tile - 1) / tile);
    std::vector<int> edges(parts + 1);
    for (int k = 0; k <= parts; ++k) {
        edges[k] = static_cast<int>(static_cast<long long>(n) * k / parts);
    }
    return edges;
}

float axis_weight(int u, int lo, int hi, bool has_prev, bool has_next, int feather, int scale) {
    if (feather <= 0) return 1.0F;
    // Input-space coordinate of the output pixel's centre.
    const double x = (u + 0.5) / scale;
    const double span = 2.0 * feather;
    double w = 1.0;
    if (has_prev) w = std::min(w, std::clamp((x - (lo - feather)) / span, 0.0, 1.0));
    if (has_next) w = std::min(w, std::clamp(((hi + feather) - x) / span, 0.0, 1.0));
    return static_cast<float>(w);
}

namespace {

int round_up(int v, int multiple) { return (v + multiple - 1) / multiple * multiple; }

int min_part(const std::vector<int>& edges) {
    int m = INT_MAX;
    for (size_t k = 1; k < edges.size(); ++k) m = std::min(m, edges[k] - edges[k - 1]);
    return m;
}

}  // namespace

Span source_span(int begin, int length, int n, int context, int multiple, bool border_context) {
    if (border_context) return {begin - context, begin + length + context};
    // No context beyond the image's edges. A tile whose context reaches the far edge reads to where
    // a whole-image call's padding ends (mirrored), as that call would, and takes its size multiple
    // from more context on the near side, so pixels by either edge see what the whole call sees.
    Span s{std::max(0, begin - context), begin + length + context};
    if (s.end >= n) {
        s.end = round_up(n, multiple);
        s.begin = std::min(s.begin, s.end - round_up(s.end - s.begin, multiple));
    }
    return s;
}

Plan make_plan(int width, int height, const PlanOptions& o) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("image size must be positive");
    if (o.tile < 0) throw std::invalid_argument("tile size must be >= 0");
    if (o.scale < 1 || o.multiple < 1) throw std::invalid_argument("scale and multiple must be >= 1");
    if (o.context < 0 || o.feather < 0) throw std::invalid_argument("context and feather must be >= 0");

    Plan p;
    p.width = width;
    p.height = height;
    p.scale = o.scale;
    if (o.tile == 0) {
        // The raw model call: whole image, no context, only the padding the model requires.
        p.col_edges = {0, width};
        p.row_edges = {0, height};
    } else {
        p.context = o.context;
        p.col_edges = split_edges(width, o.tile);
        p.row_edges = split_edges(height, o.tile);
    }
    p.cols = static_cast<int>(p.col_edges.size()) - 1;
    p.rows = static_cast<int>(p.row_edges.size()) - 1;
    if (p.cols > 1 || p.rows > 1) {
        // Ramps of the two edges of one core must not overlap, and blended pixels must lie
        // inside the context each tile reads.
        const int smallest =
            std::min(p.cols > 1 ? min_part(p.col_edges) : INT_MAX, p.rows > 1 ? min_part(p.row_edges) : INT_MAX);
        p.feather = std::min({o.feather, p.context, smallest / 2});
    }

    p.tiles.reserve(static_cast<size_t>(p.cols) * p.rows);
    for (int r = 0; r < p.rows; ++r) {
        for (int c = 0; c < p.cols; ++c) {
            Tile t;
            t.col = c;
            t.row = r;
            t.core = {p.col_edges[c], p.row_edges[r], p.col_edges[c + 1] - p.col_edges[c],
                      p.row_edges[r + 1] - p.row_edges[r]};
            const int fl = c > 0 ? p.feather : 0;
            const int fr = c < p.cols - 1 ? p.feather : 0;
            const int ft = r > 0 ? p.feather : 0;
            const int fb = r < p.rows - 1 ? p.feather : 0;
            t.blend = {t.core.x - fl, t.core.y - ft, t.core.w + fl + fr, t.core.h + ft + fb};
            const Span sx = source_span(t.blend.x, t.blend.w, width, p.context, o.multiple, o.border_context);
            const Span sy = source_span(t.blend.y, t.blend.h, height, p.context, o.multiple, o.border_context);
            t.source = {sx.begin, sy.begin, sx.end - sx.begin, sy.end - sy.begin};
            t.input_w = round_up(t.source.w, o.multiple);
            t.input_h = round_up(t.source.h, o.multiple);
            t.out_crop = {(t.blend.x - t.source.x) * o.scale, (t.blend.y - t.source.y) * o.scale, t.blend.w * o.scale,
                          t.blend.h * o.scale};
            p.tiles.push_back(t);
        }
    }
    return p;
}

}  // namespace restora::tiling
