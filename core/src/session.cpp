#include "restora/core/session.h"

#include "restora/core/pipeline.h"
#include "restora/core/sha256.h"
#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

EditSession::EditSession(const fs::path& path) : path_(path), original_(load_image(path)) {
    source_sha256_ = sha256_file(path);
    const std::string json = original_.metadata.history_json();
    if (!json.empty()) previous_ = History::from_json(json);
    states_.push_back({original_.pixels, {}, {}});
}

const cv::Mat& EditSession::before_last() const {
    return states_.size() > 1 ? states_[states_.size() - 2].pixels : states_.back().pixels;
}

History EditSession::history() const {
    History h = previous_;
    if (h.source_sha256.empty()) h.source_sha256 = source_sha256_;
    for (size_t i = 1; i < states_.size(); ++i) h.entries.push_back(states_[i].entry);
    return h;
}

void EditSession::push(const cv::Mat& pixels, const HistoryEntry& entry, const cv::Mat& mask) {
    states_.push_back({pixels, entry, mask});
    redo_.clear();
}

void EditSession::undo() {
    if (!can_undo()) return;
    redo_.push_back(states_.back());
    states_.pop_back();
}

std::vector<HistoryEntry> EditSession::redo_entries() const {
    std::vector<HistoryEntry> out;
    for (auto it = redo_.rbegin(); it != redo_.rend(); ++it) out.push_back(it->entry);
    return out;
}

void EditSession::redo() {
    if (!can_redo()) return;
    states_.push_back(redo_.back());
    redo_.pop_back();
}

std::vector<std::string> EditSession::export_losses_for(const fs::path& out) const {
    return export_losses(current(), original_.metadata, format_from_extension(out));
}

void EditSession::export_to(const fs::path& out, const ExportOptions& options) const {
    if (fs::exists(out) && fs::exists(path_) && fs::equivalent(out, path_)) {
        throw Error(ErrorKind::Usage, "Restora never overwrites the original; choose another file name");
    }
    History h = history();
    // Masks go next to the output, named by their sha256, as the CLI stores them; a failed export
    // removes them again.
    MaskStore masks(out);
    for (size_t i = 1; i < states_.size(); ++i) {
        if (!states_[i].mask.empty()) {
            h.entries[previous_.entries.size() + i - 1].mask_sha256 = masks.store(states_[i].mask);
        }
    }
    ExportOptions o = options;
    o.protect.push_back(path_);  // the original, whatever the dialog allowed
    export_with_history(current(), original_.metadata, h, out, o);
    masks.commit();
}

}  // namespace restora
