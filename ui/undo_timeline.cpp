#include "undo_timeline.h"

namespace restora::ui {

MaskLayer* UndoTimeline::mask(const std::string& op, cv::Size size) {
    auto& layer = masks_[op];
    if (!layer) layer = std::make_unique<MaskLayer>(size);
    return layer.get();
}

void UndoTimeline::resampleMasks(cv::Size size) {
    for (auto& [id, layer] : masks_) {
        if (layer->size() != size) layer->resample(size);
    }
}

void UndoTimeline::clear() {
    masks_.clear();
    steps_.clear();
    pos_ = 0;
}

void UndoTimeline::record(bool mask, const std::string& op, const QString& label) {
    steps_.resize(pos_);
    steps_.push_back({mask, op, label});
    ++pos_;
}

std::optional<UndoTimeline::Step> UndoTimeline::next(bool back) const {
    if (back ? !canUndo() : !canRedo()) return std::nullopt;
    return steps_[back ? pos_ - 1 : pos_];
}

std::optional<cv::Rect> UndoTimeline::moveMask(bool back) {
    const std::optional<Step> step = next(back);
    if (!step || !step->mask) return std::nullopt;
    auto it = masks_.find(step->op);
    if (it == masks_.end() || !(back ? it->second->can_undo() : it->second->can_redo())) return std::nullopt;
    move(back);
    return back ? it->second->undo() : it->second->redo();
}

void UndoTimeline::move(bool back) {
    if (back ? canUndo() : canRedo()) pos_ = back ? pos_ - 1 : pos_ + 1;
}

}  // namespace restora::ui
