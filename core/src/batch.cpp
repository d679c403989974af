#include "restora/core/batch.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "restora/core/image_io.h"
#include "restora/core/safe_file.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& p) { return format_from_extension(p) != ImageFormat::Unknown; }

namespace {

bool is_inside(const fs::path& child, const fs::path& parent) {
    std::error_code ec;
    const fs::path c = fs::weakly_canonical(child, ec);
    const fs::path p = fs::weakly_canonical(parent, ec);
    auto [pi, ci] = std::mismatch(p.begin(), p.end(), c.begin(), c.end());
    return pi == p.end();
}

// BMP is read-only: its results are written as PNG.
fs::path output_name(const fs::path& rel) {
    fs::path out = rel;
    if (format_from_extension(rel) == ImageFormat::Bmp) out.replace_extension(".png");
    return out;
}

// The mask for `rel` in a mask folder: the same relative path, any image extension.
fs::path mask_for(const fs::path& mask_dir, const fs::path& rel) {
    const fs::path same = mask_dir / rel;
    if (fs::exists(same)) return same;
    for (const char* ext : {".png", ".tif", ".tiff", ".bmp", ".jpg", ".webp"}) {
        fs::path alt = mask_dir / rel;
        alt.replace_extension(ext);
        if (fs::exists(alt)) return alt;
    }
    return same;  // missing: reported as an input error when this item runs
}

// Refuses, before any work, a batch where two inputs map to one output (a/x.png and b/x.png, or
// x.bmp and x.png of one folder) or an output is one of the inputs: one result would be lost.
// The inputs are identified once (device and inode), so a batch of 100,000 whose outputs exist
// (a resumed run) costs one stat per output, not one per input and output.
void check_collisions(const std::vector<BatchItem>& items) {
    std::map<fs::path, const BatchItem*> by_output;
    std::map<std::pair<dev_t, ino_t>, const BatchItem*> by_file;
    for (const auto& item : items) {
        struct stat st {};
        if (::stat(item.input.c_str(), &st) == 0) by_file.emplace(std::make_pair(st.st_dev, st.st_ino), &item);
    }
    for (const auto& item : items) {
        std::error_code ec;
        const fs::path key = fs::weakly_canonical(item.output, ec).lexically_normal();
        auto [it, fresh] = by_output.emplace(key, &item);
        if (!fresh) {
            throw Error(ErrorKind::Usage, it->second->input.string() + " and " + item.input.string() +
                                              " would both be written to " + item.output.string() +
                                              "; nothing was done. Rename one of them or run them separately");
        }
        struct stat st {};
        if (::stat(item.output.c_str(), &st) != 0) continue;
        const auto in = by_file.find(std::make_pair(st.st_dev, st.st_ino));
        if (in != by_file.end()) check_not_an_input(item.output, {in->second->input});  // throws, naming both
    }
}

// The same file given twice (named twice, or named and inside a named folder, or by another
// spelling or hard link) is one input: the first item that reads it is kept.
std::vector<BatchItem> without_duplicates(std::vector<BatchItem> items) {
    std::set<std::pair<dev_t, ino_t>> seen;
    std::vector<BatchItem> kept;
    kept.reserve(items.size());
    for (auto& item : items) {
        struct stat st {};
        if (::stat(item.input.c_str(), &st) == 0 && !seen.emplace(st.st_dev, st.st_ino).second) continue;
        kept.push_back(std::move(item));
    }
    return kept;
}

// The deepest folder that holds every listed file (paths made absolute, not resolved): listed
// files keep their paths below it, as the files of a folder given on the command line do.
fs::path listed_base(const std::vector<fs::path>& inputs, size_t listed_from) {
    std::optional<fs::path> base;
    for (size_t i = listed_from; i < inputs.size(); ++i) {
        if (fs::is_directory(inputs[i])) continue;
        const fs::path dir = fs::absolute(inputs[i]).lexically_normal().parent_path();
        if (!base) {
            base = dir;
            continue;
        }
        fs::path common;
        for (auto a = base->begin(), b = dir.begin(); a != base->end() && b != dir.end() && *a == *b; ++a, ++b) {
            common /= *a;
        }
        base = common;
    }
    return base.value_or(fs::path());
}

}  // namespace

std::vector<BatchItem> plan_batch(const std::vector<fs::path>& inputs, const fs::path& output, const fs::path& mask,
                                  bool output_is_folder, size_t listed_from) {
    if (inputs.empty()) throw Error(ErrorKind::Usage, "no input given");
    if (output.empty()) throw Error(ErrorKind::Usage, "no output given: pass -o OUT");
    std::error_code ec;
    const fs::path canonical_output = fs::weakly_canonical(output, ec);
    for (const auto& in : inputs) {
        if (!fs::exists(in)) throw Error(ErrorKind::Input, in.string() + ": no such file or folder");
        if (fs::weakly_canonical(in, ec) == canonical_output) {
            throw Error(ErrorKind::Usage,
                        "-o " + output.string() + " is an input; Restora never overwrites an original");
        }
    }
    const bool single = inputs.size() == 1 && !fs::is_directory(inputs[0]) && !output_is_folder;
    if (single && !fs::is_directory(output)) {
        if (!mask.empty() && fs::exists(mask)) check_regular_file(mask);  // a folder, FIFO, device: exit 3
        return {{inputs[0], output, mask}};
    }
    if (fs::exists(output) && !fs::is_directory(output)) {
        throw Error(ErrorKind::Usage,
                    "several inputs or a folder need -o to be a folder, and " + output.string() + " is a file");
    }
    if (!mask.empty() && !fs::is_directory(mask)) {
        throw Error(ErrorKind::Usage,
                    "with several inputs or a folder, --mask must be a folder of masks with the same relative paths");
    }
    std::vector<BatchItem> items;
    const fs::path list_base = listed_base(inputs, listed_from);
    for (size_t index = 0; index < inputs.size(); ++index) {
        const fs::path& in = inputs[index];
        if (!fs::is_directory(in)) {
            const fs::path rel = index >= listed_from
                                     ? fs::absolute(in).lexically_normal().lexically_relative(list_base)
                                     : in.filename();
            items.push_back({in, output / output_name(rel), mask.empty() ? fs::path() : mask_for(mask, rel)});
            continue;
        }
        std::vector<fs::path> files;
        for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied);
             it != fs::recursive_directory_iterator(); ++it) {
            if (it->is_directory() &&
                (is_inside(it->path(), output) || (!mask.empty() && is_inside(it->path(), mask)) ||
                 it->path().extension() == ".restora")) {
                it.disable_recursion_pending();  // never re-read our own outputs or masks
                continue;
            }
            if (it->is_regular_file() && has_image_extension(it->path())) files.push_back(it->path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const fs::path rel = fs::relative(f, in);
            items.push_back({f, output / output_name(rel), mask.empty() ? fs::path() : mask_for(mask, rel)});
        }
    }
    if (items.empty()) throw Error(ErrorKind::Input, "no images found in the given folders");
    items = without_duplicates(std::move(items));
    check_collisions(items);
    return items;
}

}  // namespace restora
