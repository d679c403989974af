#include "restora/models/graph_observer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace restora {

namespace {

std::atomic<GraphObserver*> g_observer{nullptr};

}  // namespace

void set_graph_observer(GraphObserver* observer) { g_observer.store(observer); }
GraphObserver* graph_observer() { return g_observer.load(); }

// One call's totals; calls on several threads (tiles) are kept apart.
struct GraphProfilePrinter::State {
    struct Call {
        std::map<int, double> op_seconds;
        std::map<int, int> op_count;
        std::map<int, double> op_flops;
        std::map<int, std::string> op_name;
        std::map<std::string, std::pair<double, double>> product_shapes;  // seconds, flops
    };
    std::mutex mutex;
    std::map<std::thread::id, Call> calls;
};

GraphProfilePrinter::GraphProfilePrinter() : state_(std::make_unique<State>()) {}
GraphProfilePrinter::~GraphProfilePrinter() = default;

void GraphProfilePrinter::fused(int gelus, int layer_norms, int denses) {
    std::fprintf(stderr, "fused: %d GELU, %d LayerNorm, %d dense\n", gelus, layer_norms, denses);
}

void GraphProfilePrinter::static_values(const std::string& shape, double seconds) {
    std::fprintf(stderr, "  static values for %s: %.3f s\n", shape.c_str(), seconds);
}

void GraphProfilePrinter::node(const NodeRun& run) {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    State::Call& c = state_->calls[std::this_thread::get_id()];
    c.op_seconds[run.op] += run.seconds;
    ++c.op_count[run.op];
    c.op_flops[run.op] += run.flops;
    c.op_name[run.op] = run.op_name;
    if (run.flops > 0) {
        auto& [s, f] = c.product_shapes[run.kind + " " + run.operands];
        s += run.seconds;
        f += run.flops;
    }
    if (!run.equation.empty() && run.seconds > 0.3) {
        std::fprintf(stderr, "    einsum %s %s: %.2f s\n", run.equation.c_str(), run.operands.c_str(), run.seconds);
    }
}

void GraphProfilePrinter::call_end(size_t resizes_by_taps) {
    State::Call c;
    {
        const std::lock_guard<std::mutex> lock(state_->mutex);
        auto it = state_->calls.find(std::this_thread::get_id());
        if (it != state_->calls.end()) {
            c = std::move(it->second);
            state_->calls.erase(it);
        }
    }
    std::fprintf(stderr, "  (einsums computed as resizes by their taps: %zu)\n", resizes_by_taps);
    for (const auto& [op, sec] : c.op_seconds) {
        if (sec > 0.05) {
            std::fprintf(stderr, "  %-22s %8.2f s  %5d nodes", c.op_name[op].c_str(), sec, c.op_count[op]);
            if (c.op_flops[op] > 0) {
                std::fprintf(stderr, "  %8.1f GFLOP  %6.1f GFLOP/s", c.op_flops[op] * 1e-9,
                             c.op_flops[op] * 1e-9 / sec);
            }
            std::fprintf(stderr, "\n");
        }
    }
    std::vector<std::pair<double, std::string>> slow;
    for (const auto& [shape, sf] : c.product_shapes) slow.emplace_back(sf.first, shape);
    std::sort(slow.rbegin(), slow.rend());
    for (size_t k = 0; k < slow.size() && k < 12; ++k) {
        const auto& sf = c.product_shapes[slow[k].second];
        std::fprintf(stderr, "    %-60s %6.2f s %6.1f GFLOP/s\n", slow[k].second.c_str(), sf.first,
                     sf.second * 1e-9 / sf.first);
    }
}

}  // namespace restora
