#pragma once
// Exemplar-based hole filling at full resolution: a PatchMatch nearest-neighbour field (Barnes et
// al. 2009: propagation + random search) inside a coarse-to-fine expectation-maximisation over an
// image pyramid (Wexler et al. 2007: every hole pixel is the weighted vote of the source patches
// that the overlapping target patches point to). Source patches come only from the context window
// around each mask region, so the cost follows the hole, not the photo. OpenCV only.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "restora/models/job.h"

namespace restora {

// Pixel roles inside one working crop.
enum PixelRole : std::uint8_t {
    kRoleIgnore = 0,  // another region's hole: neither a source nor compared
    kRoleKnown = 1,   // a valid pixel of the photo: source material, never changed
    kRoleFill = 2,    // the hole being filled
};

struct PatchMatchOptions {
    int patch_size = 7;          // odd, in pixels at every pyramid level
    int coarsest_hole = 24;      // the pyramid stops once the hole's larger side is this small
    int em_coarse = 8;           // EM iterations at the coarsest level
    int em_fine = 2;             // EM iterations at the finest level (levels between interpolate)
    int pm_sweeps = 2;           // PatchMatch sweeps (alternating scan order) per EM iteration
    double guide_weight = 1.0;   // weight of the guide's patch mean colour in the patch distance
    int guide_finest_level = 0;  // the guide term applies at this pyramid level (0 = full size) and coarser
    // Full size ends with every fill pixel copied from the centre of its own patch's match instead
    // of the mean of the overlapping patches' votes: the mean of many slightly shifted copies of a
    // texture is a blur of it; the copy keeps the grain (the learned fill's refinement).
    bool copy_last = false;
    std::uint64_t seed = 0x5eedu;
};

// Mask regions: connected components of the hole after merging components closer than
// merge_distance pixels. labels: CV_32S, 0 outside the hole, k + 1 for the hole pixels of boxes[k].
struct MaskRegions {
    cv::Mat labels;
    std::vector<cv::Rect> boxes;  // bounding box of each region's hole pixels, image coordinates
};
MaskRegions find_mask_regions(const cv::Mat& mask, int merge_distance);

// The context window read for a region whose hole has bounding box `box`: generous (the hole's
// larger side on each side, at least min_margin), clipped to the image.
cv::Rect context_window(const cv::Rect& box, cv::Size image, int min_margin = 64, int max_margin = 1024);

// Fills the kRoleFill pixels of one crop. bgr: CV_32FC3 in [0,1] (values at non-known pixels are
// not read); role: CV_8U PixelRole per pixel; guide: empty, or CV_32FC3 whose kRoleFill pixels hold
// an initial fill (it initialises the coarsest level and its patch mean colour joins the patch
// distance). Returns bgr with the fill pixels replaced. Deterministic for a given seed; checks
// job.cancel between sweeps and reports progress 0-100 on job.progress.
cv::Mat patchmatch_fill(const cv::Mat& bgr, const cv::Mat& role, const cv::Mat& guide, const PatchMatchOptions& opts,
                        std::uint64_t seed, const JobControl& job);

// Removes the seam of a fill computed away from the photo (e.g. a network's output over the whole
// crop): the difference photo - fill on the ring of known pixels around the hole is spread into
// the hole (normalised Gaussian extension) and faded out over `feather` pixels inward, then added
// to the fill's kRoleFill pixels. fill and known: CV_32FC3 of the crop's size.
void correct_seam(const cv::Mat& known, cv::Mat& fill, const cv::Mat& role, float feather);

// A deterministic per-region seed, independent of the order regions are processed in.
std::uint64_t region_seed(std::uint64_t seed, const cv::Rect& box);

}  // namespace restora
