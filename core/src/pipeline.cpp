#include "restora/core/pipeline.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/image.h"
#include "restora/core/mask.h"
#include "restora/core/model_store.h"
#include "restora/core/safe_file.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

fs::path mask_folder_for(const fs::path& output) {
    fs::path p = output;
    p += ".restora";
    return p;
}

namespace {

std::vector<uint8_t> encode_png(const cv::Mat& m) {
    std::vector<uint8_t> bytes;
    if (!cv::imencode(".png", m, bytes)) throw Error(ErrorKind::Processing, "encoding a mask failed");
    return bytes;
}

}  // namespace

std::string store_mask(const cv::Mat& mask, const fs::path& output) {
    MaskStore store(output);
    const std::string sha = store.store(mask);
    store.commit();
    return sha;
}

MaskStore::MaskStore(fs::path output) : output_(std::move(output)) {}

MaskStore::~MaskStore() {
    if (committed_) return;
    std::error_code ec;
    for (const auto& f : written_) fs::remove(f, ec);
    if (created_folder_) fs::remove(mask_folder_for(output_), ec);  // only when empty
}

std::string MaskStore::store(const cv::Mat& mask) {
    const std::vector<uint8_t> png = encode_png(mask);
    const std::string sha = sha256_hex(png);
    const fs::path dir = mask_folder_for(output_);
    std::error_code ec;
    const bool existed = fs::exists(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) throw Error(ErrorKind::Processing, "cannot create " + dir.string() + ": " + ec.message());
    created_folder_ = created_folder_ || !existed;
    const fs::path file = dir / (sha + ".png");
    // Named by its content: an existing file of that name is the same mask.
    if (write_file_safely(file, png, IfExists::Keep)) written_.push_back(file);
    return sha;
}

std::vector<uint8_t> make_exif_thumbnail(const cv::Mat& pixels) {
    const double f = 160.0 / std::max(pixels.cols, pixels.rows);
    cv::Mat small;
    cv::resize(pixels, small, cv::Size(), std::min(1.0, f), std::min(1.0, f), cv::INTER_AREA);
    if (small.depth() == CV_16U) small.convertTo(small, CV_8U, 1.0 / 257.0);
    if (small.channels() == 4) cv::cvtColor(small, small, cv::COLOR_BGRA2BGR);
    std::vector<uint8_t> jpeg;
    cv::imencode(".jpg", small, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
    return jpeg;
}

namespace {

void check_output_path(const EditRequest& r, const std::vector<fs::path>& inputs) {
    std::error_code ec;
    check_not_an_input(r.output, inputs);
    if (fs::weakly_canonical(r.output, ec) == fs::weakly_canonical(r.input, ec)) {
        throw Error(ErrorKind::Usage,
                    "the output " + r.output.string() + " is the input; Restora never overwrites an original");
    }
    if (!format_is_writable(format_from_extension(r.output))) {
        throw Error(ErrorKind::Usage,
                    "output " + r.output.string() + ": choose a name ending in .jpg, .png, .tif or .webp");
    }
    if (!r.export_options.overwrite && fs::exists(r.output, ec)) {
        throw Error(ErrorKind::Usage, r.output.string() + " exists; pass --overwrite to replace it");
    }
}

void check_losses(const LoadedImage& img, const fs::path& output, const ExportOptions& o,
                  std::vector<std::string>& warnings) {
    const std::vector<std::string> lost = export_losses(img.pixels, img.metadata, format_from_extension(output));
    if (lost.empty()) return;
    std::string what;
    for (const auto& l : lost) what += (what.empty() ? "" : ", ") + l;
    if (!o.allow_loss) {
        throw Error(ErrorKind::Usage, "saving " + output.filename().string() + " would lose " + what +
                                          "; choose .png or .tif, or pass --allow-loss");
    }
    warnings.push_back("saving " + output.filename().string() + " loses " + what);
}

// The history a file holds; a damaged one is an input error naming the file.
History parse_history(const std::string& json, const fs::path& file) {
    try {
        return History::from_json(json);
    } catch (const Error& e) {
        std::string message = e.what();
        const std::string generic = "in this file";
        if (const size_t at = message.find(generic); at != std::string::npos) {
            message.replace(at, generic.size(), "in " + file.string());
        }
        throw Error(e.kind(), message);
    }
}

}  // namespace

HistoryEntry history_entry(const Operation& op, const Params& params, const OpResult& result, int tile) {
    HistoryEntry e;
    e.op = op.info().id;
    e.version = op.info().version;
    e.params = params.values();
    e.model = result.model_id;
    e.model_sha256 = result.model_sha256;
    e.tile = tile;
    e.precision = result.precision;
    return e;
}

std::vector<std::string> export_with_history(const cv::Mat& pixels, const Metadata& metadata, const History& history,
                                             const fs::path& output, const ExportOptions& options) {
    MetadataEdits edits;
    edits.width = pixels.cols;
    edits.height = pixels.rows;
    edits.history_json = history.to_json();
    if (metadata.has_thumbnail() && format_from_extension(output) == ImageFormat::Jpeg) {
        edits.thumbnail_jpeg = make_exif_thumbnail(pixels);
    }
    return export_image(pixels, metadata, edits, output, options);
}

ValidatedEdit validate_edit(const EditRequest& request) {
    ValidatedEdit v;
    v.request = request;
    v.op = &Registry::instance().get(request.op);
    v.params = v.op->resolve(request.params);
    const MaskUse mask = v.op->info().mask;
    if (mask == MaskUse::Required && request.mask.empty()) {
        throw Error(ErrorKind::Usage, request.op + " needs a mask: pass --mask MASK.png (white = the pixels to fill)");
    }
    if (mask == MaskUse::None && !request.mask.empty()) {
        throw Error(ErrorKind::Usage, request.op + " takes no mask; leave out --mask");
    }
    if (request.tile < 0) throw Error(ErrorKind::Usage, "--tile must be 0 (whole image) or a size in pixels");
    if (request.tile > 0 && request.tile < 32) throw Error(ErrorKind::Usage, "--tile must be 0 or at least 32");
    resolve_device_name(request.device);                   // --device cuda without CUDA is a usage error
    resolve_precision(request.precision, request.device);  // and so are bf16 on CUDA, fp16 on the CPU and unknown names
    check_output_path(request, {request.input, request.mask});
    v.request.export_options.protect = {request.input, request.mask};
    v.op->check_available(v.params);
    // Last, once the request is known to be valid: defaults that depend on the photo (denoise's
    // JPEG artefacts slider from the file's own JPEG quality; the tables are in its first bytes).
    SourceInfo source;
    source.jpeg_quality = jpeg_quality_of_file(request.input);
    v.params = v.op->resolve(request.params, &source);
    return v;
}

EditOutcome run_edit(const ValidatedEdit& edit, const JobControl& job, ModelCache* models) {
    const EditRequest& r = edit.request;
    EditOutcome outcome;
    // Header first: refuse oversize inputs and outputs before decoding anything.
    const ImageHeader header = read_header(r.input);
    check_pixel_limits(header.width, header.height, r.input.string(), ImageFormat::Unknown);
    const cv::Size predicted = edit.op->output_size({header.width, header.height}, edit.params);
    check_pixel_limits(predicted.width, predicted.height, "the output " + r.output.string(),
                       format_from_extension(r.output));
    check_folder_writable(r.output.parent_path());

    LoadedImage img = load_image(r.input);
    outcome.input_size = img.pixels.size();
    for (const auto& w : img.metadata.warnings()) outcome.warnings.push_back(w);
    cv::Mat mask;
    if (!r.mask.empty()) mask = load_mask(r.mask, img.pixels.size());
    check_losses(img, r.output, r.export_options, outcome.warnings);

    OpContext ctx;
    ctx.device = r.device;
    ctx.tile = r.tile;
    ctx.precision = resolve_precision(r.precision, r.device);
    ctx.job = job;
    ctx.models = models;
    OpResult result = edit.op->run(img.pixels, mask, edit.params, ctx);
    job.cancel.throw_if_requested();
    for (const auto& w : result.warnings) outcome.warnings.push_back(w);

    History history;
    const std::string previous = img.metadata.history_json();
    if (!previous.empty()) {
        history = parse_history(previous, r.input);
    } else {
        history.source_sha256 = sha256_file(r.input);
    }
    HistoryEntry entry = history_entry(*edit.op, edit.params, result, r.tile);
    MaskStore masks(r.output);
    if (!mask.empty()) entry.mask_sha256 = masks.store(mask);
    history.entries.push_back(entry);
    for (const auto& w : export_with_history(result.pixels, img.metadata, history, r.output, r.export_options)) {
        outcome.warnings.push_back(w);
    }
    masks.commit();
    outcome.output_size = result.pixels.size();
    return outcome;
}

EditOutcome replay_edit(const fs::path& edited, const fs::path& input, const fs::path& output, DeviceKind device,
                        std::optional<int> tile, const ExportOptions& options, const JobControl& job,
                        const std::optional<std::string>& precision) {
    EditOutcome outcome;
    read_header(edited);  // a missing or non-image file is an input error
    const Metadata md = Metadata::read_file(edited);
    const std::string json = md.history_json();
    if (json.empty()) {
        throw Error(ErrorKind::Input, edited.string() + " holds no Restora history (Xmp.restora.History)");
    }
    const History recorded = parse_history(json, edited);
    if (recorded.dropped > 0) {
        throw Error(ErrorKind::Input, "the history in " + edited.string() + " lost its " +
                                          std::to_string(recorded.dropped) +
                                          " oldest steps to the XMP size limit; it cannot be replayed");
    }
    EditRequest probe;
    probe.input = input;
    probe.output = output;
    probe.export_options = options;
    // Neither the edited file nor the input may be written over (nor a recorded mask, below).
    ExportOptions export_opts = options;
    export_opts.protect.push_back(edited);
    export_opts.protect.push_back(input);
    check_output_path(probe, export_opts.protect);
    resolve_device_name(device);
    // The precision the command line chose, if any (a plain pair: GCC 12 misreads an optional here).
    const bool has_chosen = precision.has_value();
    const Precision chosen = has_chosen ? resolve_precision(*precision, device) : Precision::F32;
    // Validate every step before reading any pixels, with the command line's checks: the
    // parameters, the mask each step needs, the tiles, and the size the whole chain predicts.
    if (tile && (*tile < 0 || (*tile > 0 && *tile < 32))) {
        throw Error(ErrorKind::Usage, "--tile must be 0 (whole image) or at least 32");
    }
    const ImageHeader header = read_header(input);
    check_pixel_limits(header.width, header.height, input.string(), ImageFormat::Unknown);
    cv::Size size(header.width, header.height);
    std::vector<Precision> precisions;
    std::vector<std::pair<const Operation*, Params>> steps;
    std::vector<fs::path> mask_files;
    for (const HistoryEntry& e : recorded.entries) {
        const std::string step_name = "step " + std::to_string(steps.size() + 1) + " (" + e.op + ")";
        const std::string damaged = "the history in " + edited.string() + " is damaged: " + step_name + " ";
        const Operation* op = Registry::instance().find(e.op);
        if (op == nullptr) {
            throw Error(ErrorKind::Processing, "the history uses operation '" + e.op + "', which this build lacks");
        }
        if (op->info().version != e.version) {
            throw Error(ErrorKind::Processing, "the history used " + e.op + " version " + std::to_string(e.version) +
                                                   "; this build has version " + std::to_string(op->info().version));
        }
        Params p;
        try {
            p = op->resolve(e.params);
        } catch (const Error& err) {
            if (err.kind() != ErrorKind::Usage) throw;
            throw Error(ErrorKind::Input, damaged + "records parameters the command line refuses: " + err.what());
        }
        const MaskUse mask_use = op->info().mask;
        if (mask_use == MaskUse::Required && e.mask_sha256.empty()) {
            throw Error(ErrorKind::Input, damaged + "needs a mask and records none");
        }
        if (mask_use == MaskUse::None && !e.mask_sha256.empty()) {
            throw Error(ErrorKind::Input, damaged + "takes no mask but records one");
        }
        if (!tile && (e.tile < -1 || (e.tile > 0 && e.tile < 32))) {
            throw Error(ErrorKind::Input, damaged + "records tile " + std::to_string(e.tile) +
                                              " (tiles are 0, the whole image, or at least 32 pixels; "
                                              "--tile overrides it)");
        }
        fs::path mask_file;
        if (!e.mask_sha256.empty()) {
            const bool hex =
                e.mask_sha256.size() == 64 && e.mask_sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
            if (!hex) throw Error(ErrorKind::Input, damaged + "names its mask by something other than a sha256");
            mask_file = mask_folder_for(edited) / (e.mask_sha256 + ".png");
            check_regular_file(mask_file);
            if (sha256_file(mask_file) != e.mask_sha256) {
                throw Error(ErrorKind::Input, "mask " + mask_file.string() + " does not match its recorded sha256");
            }
        }
        mask_files.push_back(mask_file);
        // The size the chain reaches, step by step (each within the limits, so no overflow).
        size = op->output_size(size, p);
        const bool last = steps.size() + 1 == recorded.entries.size();
        check_pixel_limits(size.width, size.height,
                           last ? "the output " + output.string() : "the image after " + step_name,
                           last ? format_from_extension(output) : ImageFormat::Unknown);
        op->check_available(p);
        if (!e.model.empty() && !e.model_sha256.empty()) {
            const ModelStatus installed = find_model(e.model);
            if (installed.state == ModelState::Installed && installed.entry.sha256 != e.model_sha256) {
                outcome.warnings.push_back(step_name + " was recorded with model " + e.model + " sha256 " +
                                           e.model_sha256.substr(0, 12) + "..., the installed one is " +
                                           installed.entry.sha256.substr(0, 12) + "...; the result may differ");
            }
        }
        steps.emplace_back(op, p);
        // The recorded precision reproduces the result where this machine's auto choice is the
        // same (bfloat16 on a CPU that computes it natively, float16 on CUDA); elsewhere float32,
        // a slight difference (emulated bfloat16 is many times slower; float16 is CUDA's).
        Precision step = Precision::F32;
        if (has_chosen) {
            step = chosen;
        } else if (!e.precision.empty()) {
            const Precision recorded_precision = parse_precision_name(e.precision);
            step = resolve_precision("auto", device) == recorded_precision ? recorded_precision : Precision::F32;
            if (step != recorded_precision) {
                outcome.warnings.push_back(step_name + " ran in " + e.precision +
                                           ", which this machine does not compute natively; it "
                                           "replays it in fp32 (a slight difference: bf16 results are 53-69 dB, "
                                           "fp16 ones 65-80 dB from fp32)");
            }
        }
        precisions.push_back(step);
    }
    for (const auto& m : mask_files) {
        if (!m.empty()) export_opts.protect.push_back(m);
    }
    check_output_path(probe, export_opts.protect);
    check_folder_writable(output.parent_path());
    LoadedImage img = load_image(input);
    outcome.input_size = img.pixels.size();
    if (!recorded.source_sha256.empty() && sha256_file(input) != recorded.source_sha256) {
        outcome.warnings.push_back(input.string() +
                                   " is not the file the history was recorded on "
                                   "(its sha256 differs); the result may differ");
    }
    check_losses(img, output, export_opts, outcome.warnings);

    History history;
    MaskStore masks(output);
    history.source_sha256 = recorded.source_sha256;
    cv::Mat pixels = img.pixels;
    ModelCache models;
    ProgressStage stages(job, 0, 100);
    for (size_t i = 0; i < steps.size(); ++i) {
        const HistoryEntry& e = recorded.entries[i];
        cv::Mat mask;
        if (!mask_files[i].empty()) mask = load_mask(mask_files[i], pixels.size());
        OpContext ctx;
        ctx.device = device;
        // The tile decides where MAXIM's context ends: the recorded one reproduces the result.
        // Entries written before tiles were recorded ran with the device's default tile.
        ctx.tile = tile ? *tile : (e.tile >= 0 ? e.tile : default_tile(device));
        ctx.precision = precisions[i];
        ctx.job =
            stages.sub_job(static_cast<int>(100 * i / steps.size()), static_cast<int>(100 * (i + 1) / steps.size()));
        ctx.job.cancel = job.cancel;
        ctx.models = &models;
        OpResult result;
        try {
            result = steps[i].first->run(pixels, mask, steps[i].second, ctx);
        } catch (const Error& err) {
            // Nothing on the command line chose this step: a refusal is the history's.
            if (err.kind() != ErrorKind::Usage) throw;
            std::string why = err.what();
            for (size_t at = why.find(" (--mask)"); at != std::string::npos; at = why.find(" (--mask)")) {
                why.erase(at, 9);
            }
            throw Error(ErrorKind::Input, "the history in " + edited.string() + " is damaged: step " +
                                              std::to_string(i + 1) + " (" + e.op + ") cannot run as recorded (" + why +
                                              ")");
        }
        job.cancel.throw_if_requested();
        pixels = result.pixels;
        HistoryEntry entry = history_entry(*steps[i].first, steps[i].second, result, ctx.tile);
        if (!mask.empty()) entry.mask_sha256 = masks.store(mask);
        history.entries.push_back(entry);
        for (const auto& w : result.warnings) outcome.warnings.push_back(w);
    }
    for (const auto& w : export_with_history(pixels, img.metadata, history, output, export_opts)) {
        outcome.warnings.push_back(w);
    }
    masks.commit();
    outcome.output_size = pixels.size();
    return outcome;
}

cv::Mat side_by_side(const cv::Mat& before_in, const cv::Mat& after_in) {
    auto to8 = [](const cv::Mat& m) {
        cv::Mat o = m;
        if (o.depth() == CV_16U) o.convertTo(o, CV_8U, 1.0 / 257.0);
        if (o.channels() == 4) cv::cvtColor(o, o, cv::COLOR_BGRA2BGR);
        return o;
    };
    const cv::Mat after = to8(after_in);
    cv::Mat before;
    // Nearest neighbour shows the original's pixels as they were, at the result's geometry.
    cv::resize(to8(before_in), before, after.size(), 0, 0, cv::INTER_NEAREST);
    const int gap = 8;
    const int label = std::max(28, after.rows / 20);
    cv::Mat out(after.rows + label, after.cols * 2 + gap, CV_8UC3, cv::Scalar(40, 40, 40));
    before.copyTo(out(cv::Rect(0, label, after.cols, after.rows)));
    after.copyTo(out(cv::Rect(after.cols + gap, label, after.cols, after.rows)));
    const double font = label / 40.0;
    cv::putText(out, "Before", {8, label - label / 4}, cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(235, 235, 235),
                std::max(1, label / 20), cv::LINE_AA);
    cv::putText(out, "After", {after.cols + gap + 8, label - label / 4}, cv::FONT_HERSHEY_SIMPLEX, font,
                cv::Scalar(235, 235, 235), std::max(1, label / 20), cv::LINE_AA);
    return out;
}

}  // namespace restora
