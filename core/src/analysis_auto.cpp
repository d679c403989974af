// Auto: the steps the analysis proposes and Auto applies, run one after another on the photo, each
// recorded as its own history entry so that `restora-cli replay` reproduces the result and the
// desktop app can undo or retune each one with its own tool. Upscaling is never applied.
#include <filesystem>

#include "restora/core/analysis.h"
#include "restora/core/estimate.h"
#include "restora/core/pipeline.h"
#include "restora/core/registry.h"
#include "restora/core/safe_file.h"
#include "restora/core/session.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

AutoRun apply_steps(const cv::Mat& pixels, const std::vector<ProposedStep>& steps, int file_jpeg_quality,
                    DeviceKind device, const JobControl& job, ModelCache* models) {
    AutoRun run;
    run.pixels = pixels;
    std::vector<const ProposedStep*> todo;
    for (const ProposedStep& s : steps) {
        if (s.applied_by_auto) todo.push_back(&s);
    }
    SourceInfo source;
    source.jpeg_quality = file_jpeg_quality;
    for (size_t i = 0; i < todo.size(); ++i) {
        job.cancel.throw_if_requested();
        const ProposedStep& s = *todo[i];
        const Operation& op = Registry::instance().get(s.op);
        const Params params = op.resolve(s.params, &source);
        op.check_available(params);
        OpContext ctx;
        ctx.device = device;
        ctx.tile = default_tile_for(device, op, params);
        ctx.precision = resolve_precision("auto", device);
        ctx.models = models;
        ctx.job.cancel = job.cancel;
        ctx.job.log = job.log;
        if (job.progress) {
            const int begin = static_cast<int>(100 * i / todo.size());
            const int end = static_cast<int>(100 * (i + 1) / todo.size());
            const ProgressFn outer = job.progress;
            ctx.job.progress = [outer, begin, end](int p) { outer(begin + (end - begin) * p / 100); };
        }
        OpResult r = op.run(run.pixels, cv::Mat(), params, ctx);
        job.cancel.throw_if_requested();
        run.pixels = r.pixels;
        ProposedStep resolved = s;
        resolved.params = params.values();
        run.results.push_back({resolved, std::move(r), ctx.tile});
    }
    return run;
}

AutoOutcome run_auto(const fs::path& input, const fs::path& output, DeviceKind device, const ExportOptions& options,
                     const JobControl& job, ModelCache* models) {
    check_not_an_input(output, {input});
    if (!format_is_writable(format_from_extension(output))) {
        throw Error(ErrorKind::Usage,
                    "output " + output.string() + ": choose a name ending in .jpg, .png, .tif or .webp");
    }
    std::error_code ec;
    if (!options.overwrite && fs::exists(output, ec)) {
        throw Error(ErrorKind::Usage, output.string() + " exists; pass --overwrite to replace it");
    }
    resolve_device_name(device);
    EditSession session(input);
    AutoOutcome out;
    for (const auto& w : session.original().metadata.warnings()) out.warnings.push_back(w);
    const std::vector<std::string> lost = session.export_losses_for(output);
    if (!lost.empty()) {
        std::string what;
        for (const auto& l : lost) what += (what.empty() ? "" : ", ") + l;
        if (!options.allow_loss) {
            throw Error(ErrorKind::Usage, "saving " + output.filename().string() + " would lose " + what +
                                              "; choose .png or .tif, or pass --allow-loss");
        }
        out.warnings.push_back("saving " + output.filename().string() + " loses " + what);
    }
    AnalysisOptions ao;
    ao.device = device == DeviceKind::Auto ? DeviceKind::Cpu : device;
    out.analysis = analyze_image(session.original().pixels, session.original().jpeg_quality, ao, models);
    const AutoRun run = apply_steps(session.original().pixels, out.analysis.steps, session.original().jpeg_quality,
                                    device, job, models);
    for (const AutoStepResult& r : run.results) {
        const Operation& op = Registry::instance().get(r.step.op);
        session.push(r.result.pixels, history_entry(op, Params(r.step.params), r.result, r.tile), cv::Mat());
        for (const auto& w : r.result.warnings) out.warnings.push_back(w);
        out.applied.push_back(r.step.op);
    }
    out.unchanged = run.results.empty();
    session.export_to(output, options);
    out.size = session.current().size();
    return out;
}

}  // namespace restora
