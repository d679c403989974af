#pragma once
// The independent inpainting mask set: holes drawn by code written apart from the training
// generator (training/train_inpaint.cpp's make_mask: random-walk strokes of constant width made of
// discs, axis-aligned boxes, round blobs). Here the shapes are the ones a person makes in an
// editor, at photo scale:
//   brush     - one or two smooth brush strokes (Catmull-Rom curves) whose width swells and
//               tapers along the stroke, like a pressure-sensitive brush;
//   scribble  - a zig-zag scribble over an area (a user rubbing out a blemish), medium width;
//   object    - an object-shaped silhouette (a person: head, torso, legs; a rock or bush: a star-
//               shaped outline with a smooth random radius; a bird or car: unions of ellipses),
//               grown by a few pixels as a selection tool does;
//   rectangle - one to three rotated rectangles (a sign, a date stamp, a logo box).
// Sizes are relative to the photo's short side and the hole covers 2-25% of the photo.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

namespace restora::inpaintset {

enum class MaskKind { Brush, Scribble, Object, Rectangle };

const char* kind_name(MaskKind k);

// A hole mask (CV_8U, 255 = hole) for a photo of `size`; the same (size, kind, seed) always gives
// the same mask.
cv::Mat make_mask(cv::Size size, MaskKind kind, std::uint64_t seed);

// The known pixels around a hole: a ring `width` px wide outside it (CV_8U 0/255), for measuring
// the texture a fill should match.
cv::Mat surround_ring(const cv::Mat& hole, int width);

}  // namespace restora::inpaintset
