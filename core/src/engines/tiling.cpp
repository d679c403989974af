#include <cstring>

#include "restora/core/engines/tiling.h"
#include "restora/core/image.h"
#include "restora/models/tile_plan.h"

namespace restora {

cv::Mat extract_mirrored(const cv::Mat& src, int x, int y, int w, int h) {
    if (x >= 0 && y >= 0 && x + w <= src.cols && y + h <= src.rows) {
        return src(cv::Rect(x, y, w, h)).clone();
    }
    cv::Mat out(h, w, src.type());
    const size_t px = src.elemSize();
    std::vector<int> cols(w);
    for (int i = 0; i < w; ++i) cols[i] = tiling::mirror_index(x + i, src.cols);
    for (int j = 0; j < h; ++j) {
        const uchar* s = src.ptr(tiling::mirror_index(y + j, src.rows));
        uchar* d = out.ptr(j);
        for (int i = 0; i < w; ++i) std::memcpy(d + i * px, s + cols[i] * px, px);
    }
    return out;
}

cv::Mat apply_tiled(const cv::Mat& src, int tile, int context, const std::function<cv::Mat(const cv::Mat&)>& fn,
                    const JobControl& job, const cv::Rect& region_in) {
    tiling::PlanOptions o;
    o.tile = tile;
    o.context = context;
    o.feather = 0;
    const tiling::Plan plan = tiling::make_plan(src.cols, src.rows, o);
    const cv::Rect region = region_in.area() > 0 ? region_in : cv::Rect(0, 0, src.cols, src.rows);
    std::vector<const tiling::Tile*> todo;
    for (const tiling::Tile& t : plan.tiles) {
        if ((to_cv(t.core) & region).area() > 0) todo.push_back(&t);
    }
    cv::Mat dst(region.size(), src.type());
    ProgressStage progress(job, 0, 100);
    progress.update(0);
    size_t done = 0;
    for (const tiling::Tile* t : todo) {
        job.cancel.throw_if_requested();
        const cv::Mat in = extract_mirrored(src, t->source.x, t->source.y, t->source.w, t->source.h);
        const cv::Mat out = fn(in);
        const cv::Rect core = to_cv(t->core);
        const cv::Rect keep = core & region;  // the part of this core inside the region
        out(cv::Rect(keep.x - t->source.x, keep.y - t->source.y, keep.width, keep.height))
            .copyTo(dst(cv::Rect(keep.x - region.x, keep.y - region.y, keep.width, keep.height)));
        progress.update(static_cast<double>(++done) / todo.size());
    }
    return dst;
}

}  // namespace restora
