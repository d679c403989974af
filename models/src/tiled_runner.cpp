// The tiled runner: reads each tile (mirrored outside the image), runs the model, and blends the
// tile outputs into the output view. Only two feather strips of the output width and one carry
// column block are kept in float, so memory beyond the input and output buffers stays small.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "restora/models/tile_plan.h"
#include "restora/models/torch_model.h"

namespace restora {

using tiling::Plan;
using tiling::Rect;
using tiling::Tile;

namespace {

template <typename T>
const T* row_ptr(const PixelView& v, int y) {
    return reinterpret_cast<const T*>(static_cast<const char*>(v.data) + v.row_stride * y);
}

template <typename T>
T* row_ptr_mut(const PixelView& v, int y) {
    return reinterpret_cast<T*>(static_cast<char*>(v.data) + v.row_stride * y);
}

template <typename T>
void gather_typed(const PixelView& in, const std::vector<int>& xs, const std::vector<int>& ys, float* dst) {
    const size_t plane = xs.size() * ys.size();
    const float inv = 1.0F / in.full_scale();
    const int ch = in.channels;
    const int r_idx = ch >= 3 ? (in.bgr ? 2 : 0) : 0;
    const int g_idx = ch >= 3 ? 1 : 0;
    const int b_idx = ch >= 3 ? (in.bgr ? 0 : 2) : 0;
    at::parallel_for(0, static_cast<int64_t>(ys.size()), 16, [&](int64_t j0, int64_t j1) {
        for (auto j = static_cast<size_t>(j0); j < static_cast<size_t>(j1); ++j) {
            const T* row = row_ptr<T>(in, ys[j]);
            float* r = dst + j * xs.size();
            float* g = r + plane;
            float* b = g + plane;
            for (size_t i = 0; i < xs.size(); ++i) {
                const T* px = row + static_cast<ptrdiff_t>(xs[i]) * ch;
                r[i] = static_cast<float>(px[r_idx]) * inv;
                g[i] = static_cast<float>(px[g_idx]) * inv;
                b[i] = static_cast<float>(px[b_idx]) * inv;
            }
        }
    });
}

// [1,3,h,w] float tensor of the input pixels x0..x0+w, y0..y0+h, mirrored outside the image.
torch::Tensor gather(const PixelView& in, int x0, int y0, int w, int h) {
    std::vector<int> xs(w);
    std::vector<int> ys(h);
    for (int i = 0; i < w; ++i) xs[i] = tiling::mirror_index(x0 + i, in.width);
    for (int j = 0; j < h; ++j) ys[j] = tiling::mirror_index(y0 + j, in.height);
    torch::Tensor t = torch::empty({1, 3, h, w}, torch::kFloat32);
    float* dst = t.data_ptr<float>();
    switch (in.type) {
        case PixelType::U8:
            gather_typed<uint8_t>(in, xs, ys, dst);
            break;
        case PixelType::U16:
            gather_typed<uint16_t>(in, xs, ys, dst);
            break;
        case PixelType::F32:
            gather_typed<float>(in, xs, ys, dst);
            break;
    }
    return t;
}

class RegionComputer {
  public:
    RegionComputer(TorchImageModel& model, const PixelView& in, int context, bool border_context, int multiple,
                   int min_tile, bool may_split, const JobControl& job, RunStats& stats)
        : model_(model),
          in_(in),
          context_(context),
          border_context_(border_context),
          multiple_(multiple),
          min_tile_(min_tile),
          may_split_(may_split),
          job_(job),
          stats_(stats) {}

    // Model output over the input rect r (read with context), as a CPU [3, h*s, w*s] tensor.
    torch::Tensor compute(const Rect& r) {
        if (std::max(r.w, r.h) > max_side_) return split(r);
        try {
            return run_once(r);
        } catch (const c10::Error& e) {
            if (!is_out_of_memory(e)) throw;
            const int longer = std::max(r.w, r.h);
            if (!may_split_ || longer / 2 < min_tile_) {
                throw Error(ErrorKind::Processing,
                            "out of memory on a " + std::to_string(r.w) + "x" + std::to_string(r.h) + " tile on " +
                                model_.device_name() +
                                (may_split_ ? "" : "; use a tile size (--tile 256) instead of 0") + ": " +
                                first_line(e.what()));
            }
            ++stats_.oom_splits;
            max_side_ = (longer + 1) / 2;
            if (job_.log) {
                job_.log("out of memory on " + model_.device_name() + ", retrying with tiles of " +
                         std::to_string(max_side_) + " px");
            }
            return split(r);
        }
    }

  private:
    static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

    torch::Tensor split(const Rect& r) {
        if (r.w >= r.h) {
            const int half = r.w / 2;
            torch::Tensor a = compute({r.x, r.y, half, r.h});
            job_.cancel.throw_if_requested();
            torch::Tensor b = compute({r.x + half, r.y, r.w - half, r.h});
            return torch::cat({a, b}, 2);
        }
        const int half = r.h / 2;
        torch::Tensor a = compute({r.x, r.y, r.w, half});
        job_.cancel.throw_if_requested();
        torch::Tensor b = compute({r.x, r.y + half, r.w, r.h - half});
        return torch::cat({a, b}, 1);
    }

    torch::Tensor run_once(const Rect& r) {
        const int s = model_.traits().scale;
        // What the tile reads, as tile_plan.cpp plans it (also for the halves of an out-of-memory
        // split); the extra reads up to the size multiple follow on the far side, mirrored.
        const tiling::Span sx = tiling::source_span(r.x, r.w, in_.width, context_, multiple_, border_context_);
        const tiling::Span sy = tiling::source_span(r.y, r.h, in_.height, context_, multiple_, border_context_);
        const int left = r.x - sx.begin;
        const int top = r.y - sy.begin;
        const int iw = (sx.end - sx.begin + multiple_ - 1) / multiple_ * multiple_;
        const int ih = (sy.end - sy.begin + multiple_ - 1) / multiple_ * multiple_;
        torch::Tensor x = gather(in_, sx.begin, sy.begin, iw, ih).to(model_.device());
        torch::Tensor y = model_.forward(x);
        if (y.dim() != 4 || y.size(0) != 1 || y.size(1) != 3 || y.size(2) != ih * s || y.size(3) != iw * s) {
            throw Error(ErrorKind::Processing,
                        "model " + model_.traits().id + " returned an output of unexpected shape");
        }
        y = y.index({0, torch::indexing::Slice(), torch::indexing::Slice(top * s, (top + r.h) * s),
                     torch::indexing::Slice(left * s, (left + r.w) * s)});
        return y.to(torch::kCPU, torch::kFloat32).contiguous();
    }

    TorchImageModel& model_;
    const PixelView& in_;
    int context_;
    bool border_context_;
    int multiple_;
    int min_tile_;
    bool may_split_;
    const JobControl& job_;
    RunStats& stats_;
    int max_side_ = 1 << 30;
};

// Accumulates tile outputs with their feather weights and writes each output pixel once, as soon
// as every tile covering it has been added (tiles arrive in row-major order).
class Blender {
  public:
    // out covers the output window starting at (ox, oy); the sub-grid starts at (c0, r0).
    Blender(const Plan& plan, const PixelView& out, int ox, int oy, int c0, int r0)
        : plan_(plan),
          out_(out),
          s_(plan.scale),
          f_(plan.feather * plan.scale),
          width_(plan.width * plan.scale),
          ox_(ox),
          oy_(oy),
          c0_(c0),
          r0_(r0) {
        const size_t strip = static_cast<size_t>(width_) * 2 * f_ * 3;
        top_.assign(strip, 0.0F);
        bottom_.assign(strip, 0.0F);
    }

    void add(const Tile& t, const torch::Tensor& y) {
        if (t.col == c0_ && t.row > r0_) {
            std::swap(top_, bottom_);
            std::fill(bottom_.begin(), bottom_.end(), 0.0F);
        }
        if (t.col == c0_) done_col_ = 0;
        const bool has_top = t.row > 0;
        const bool has_bottom = t.row < plan_.rows - 1;
        const bool has_left = t.col > 0;
        const bool has_right = t.col < plan_.cols - 1;
        const int x0 = t.core.x * s_;
        const int x1 = t.core.right() * s_;
        const int y0 = t.core.y * s_;
        const int y1 = t.core.bottom() * s_;
        const int bx = t.blend.x * s_;
        const int by = t.blend.y * s_;
        const int bw = t.blend.w * s_;
        const int bh = t.blend.h * s_;
        const int mid0 = has_top ? y0 + f_ : y0;
        const int mid1 = has_bottom ? y1 - f_ : y1;
        if (t.col == c0_) carry_.assign(static_cast<size_t>(2 * f_) * std::max(0, mid1 - mid0) * 3, 0.0F);

        std::vector<float> wx(bw);
        for (int i = 0; i < bw; ++i) {
            wx[i] = tiling::axis_weight(bx + i, t.core.x, t.core.right(), has_left, has_right, plan_.feather, s_);
        }
        const float* plane_r = y.data_ptr<float>();
        const size_t plane = static_cast<size_t>(bw) * bh;
        // Rows are independent: each writes its own strip row, carry row or output row.
        at::parallel_for(0, bh, 16, [&](int64_t j0, int64_t j1) {
            for (int j = static_cast<int>(j0); j < static_cast<int>(j1); ++j) {
                const int v = by + j;
                const float wy =
                    tiling::axis_weight(v, t.core.y, t.core.bottom(), has_top, has_bottom, plan_.feather, s_);
                const float* src[3] = {plane_r + static_cast<size_t>(j) * bw,
                                       plane_r + plane + static_cast<size_t>(j) * bw,
                                       plane_r + 2 * plane + static_cast<size_t>(j) * bw};
                float* strip = nullptr;
                if (has_top && v < y0 + f_) {
                    strip = &top_[static_cast<size_t>(v - (y0 - f_)) * width_ * 3];
                } else if (has_bottom && v >= y1 - f_) {
                    strip = &bottom_[static_cast<size_t>(v - (y1 - f_)) * width_ * 3];
                }
                for (int i = 0; i < bw; ++i) {
                    const int u = bx + i;
                    const float w = wx[i] * wy;
                    float px[3] = {src[0][i] * w, src[1][i] * w, src[2][i] * w};
                    if (strip != nullptr) {
                        float* d = strip + static_cast<size_t>(u) * 3;
                        d[0] += px[0];
                        d[1] += px[1];
                        d[2] += px[2];
                        continue;
                    }
                    if (has_left && u < x0 + f_) {
                        const float* c = &carry_[(static_cast<size_t>(v - mid0) * 2 * f_ + (u - (x0 - f_))) * 3];
                        px[0] += c[0];
                        px[1] += c[1];
                        px[2] += c[2];
                    } else if (has_right && u >= x1 - f_) {
                        float* c = &carry_[(static_cast<size_t>(v - mid0) * 2 * f_ + (u - (x1 - f_))) * 3];
                        c[0] = px[0];
                        c[1] = px[1];
                        c[2] = px[2];
                        continue;
                    }
                    write(u, v, px);
                }
            }
        });
        // The top strip's columns left of this tile's right ramp are now complete.
        if (has_top) {
            const int end = has_right ? x1 - f_ : width_;
            for (int r = 0; r < 2 * f_; ++r) {
                const float* row = &top_[static_cast<size_t>(r) * width_ * 3];
                for (int u = done_col_; u < end; ++u) write(u, y0 - f_ + r, row + static_cast<size_t>(u) * 3);
            }
            done_col_ = end;
        }
    }

  private:
    template <typename T>
    void write_typed(int u, int v, const float* rgb) {
        T* px = row_ptr_mut<T>(out_, v) + static_cast<ptrdiff_t>(u) * out_.channels;
        const float full = out_.full_scale();
        const int ri = out_.bgr ? 2 : 0;
        const int bi = out_.bgr ? 0 : 2;
        const float vals[3] = {std::clamp(rgb[0], 0.0F, 1.0F), std::clamp(rgb[1], 0.0F, 1.0F),
                               std::clamp(rgb[2], 0.0F, 1.0F)};
        if constexpr (std::is_same_v<T, float>) {
            px[ri] = vals[0];
            px[1] = vals[1];
            px[bi] = vals[2];
        } else {
            // Values are clamped to [0, 1]: adding 0.5 and truncating rounds to nearest.
            px[ri] = static_cast<T>(vals[0] * full + 0.5F);
            px[1] = static_cast<T>(vals[1] * full + 0.5F);
            px[bi] = static_cast<T>(vals[2] * full + 0.5F);
        }
    }

    void write(int u_abs, int v_abs, const float* rgb) {
        const int u = u_abs - ox_;
        const int v = v_abs - oy_;
        if (u < 0 || v < 0 || u >= out_.width || v >= out_.height) return;  // outside the window
        switch (out_.type) {
            case PixelType::U8:
                write_typed<uint8_t>(u, v, rgb);
                break;
            case PixelType::U16:
                write_typed<uint16_t>(u, v, rgb);
                break;
            case PixelType::F32:
                write_typed<float>(u, v, rgb);
                break;
        }
    }

    const Plan& plan_;
    const PixelView& out_;
    int s_;
    int f_;
    int width_;
    std::vector<float> top_;
    std::vector<float> bottom_;
    std::vector<float> carry_;
    int done_col_ = 0;
    int ox_;
    int oy_;
    int c0_;
    int r0_;
};

void check_view(const PixelView& v, const char* what) {
    if (v.data == nullptr || v.width <= 0 || v.height <= 0) {
        throw Error(ErrorKind::Processing, std::string("empty ") + what + " image");
    }
    if (v.channels != 1 && v.channels != 3 && v.channels != 4) {
        throw Error(ErrorKind::Processing, std::string(what) + " image must have 1, 3 or 4 channels");
    }
}

}  // namespace

RunStats run_tiled(ImageModel& model, const PixelView& in, const PixelView& out, const RunOptions& options,
                   const JobControl& job) {
    auto* torch_model = dynamic_cast<TorchImageModel*>(&model);
    if (torch_model == nullptr) throw Error(ErrorKind::Processing, "not a libtorch model");
    check_view(in, "input");
    check_view(out, "output");
    const ModelTraits& traits = model.traits();
    const bool has_region = options.region.w > 0 && options.region.h > 0;
    const Region region = has_region ? options.region : Region{0, 0, in.width, in.height};
    if (region.x < 0 || region.y < 0 || region.x + region.w > in.width || region.y + region.h > in.height) {
        throw Error(ErrorKind::Processing, "the region lies outside the image");
    }
    if (out.channels < 3 || out.width != region.w * traits.scale || out.height != region.h * traits.scale) {
        throw Error(ErrorKind::Processing, "output buffer does not match the model's scale");
    }
    tiling::PlanOptions po;
    po.tile = options.tile;
    po.context = options.context >= 0 ? options.context : traits.context;
    po.feather = options.feather >= 0 ? options.feather : po.context / 2;
    po.scale = traits.scale;
    po.multiple = traits.multiple;
    po.border_context = traits.border_context;
    const Plan plan = tiling::make_plan(in.width, in.height, po);

    c10::InferenceMode guard;
    RunStats stats;
    RegionComputer computer(*torch_model, in, plan.context, traits.border_context, traits.multiple, options.min_tile,
                            options.tile != 0, job, stats);
    // The sub-grid of tiles whose blend rect touches the region (all of them without one).
    auto touches = [&](const Tile& t) {
        return t.blend.x < region.x + region.w && t.blend.right() > region.x && t.blend.y < region.y + region.h &&
               t.blend.bottom() > region.y;
    };
    std::vector<const Tile*> todo;
    for (const Tile& t : plan.tiles) {
        if (touches(t)) todo.push_back(&t);
    }
    Blender blender(plan, out, region.x * traits.scale, region.y * traits.scale, todo.front()->col, todo.front()->row);
    ProgressStage progress(job, 0, 100);
    progress.update(0.0);
    const auto n = static_cast<double>(todo.size());
    double done_in_tile = 0;  // only ever grows, also when a tile is retried in halves
    // Long calls check Cancel and report their progress themselves (tf_graph.cpp).
    const CallScope call_scope(job.cancel, [&](double f) {
        done_in_tile = std::max(done_in_tile, std::clamp(f, 0.0, 0.99));
        progress.update((stats.tiles + done_in_tile) / n);
    });
    for (const Tile* t : todo) {
        done_in_tile = 0;
        job.cancel.throw_if_requested();
        blender.add(*t, computer.compute(t->blend));
        ++stats.tiles;
        progress.update(stats.tiles / n);
    }
    return stats;
}

}  // namespace restora
