#pragma once
// Watching an imported graph run (tf_graph.cpp): the benchmark's per-operator profile. The
// executor times its nodes only while an observer is installed; none is by default.
#include <cstddef>
#include <memory>
#include <string>

namespace restora {

class GraphObserver {
  public:
    virtual ~GraphObserver() = default;

    // Load-time operator fusion replaced this many chains.
    virtual void fused(int gelus, int layer_norms, int denses) = 0;
    // The static values for one input shape took `seconds` to compute.
    virtual void static_values(const std::string& shape, double seconds) = 0;

    struct NodeRun {
        int op = 0;           // the operator's code: orders the summary
        std::string op_name;  // its TensorFlow name, "(fused)" for the fused ones
        double seconds = 0;
        double flops = 0;      // 2 x multiply-adds of a product node, else 0
        std::string kind;      // products: "dense", "conv" or "other"
        std::string operands;  // products and einsums: "[a, b] x [c, d]"
        std::string equation;  // einsums
    };
    virtual void node(const NodeRun& run) = 0;
    // A call ended; `resizes_by_taps` of its einsums ran as resizes.
    virtual void call_end(size_t resizes_by_taps) = 0;
};

// Process-wide; null (the default) turns observation off. The observer must outlive the calls.
void set_graph_observer(GraphObserver* observer);
GraphObserver* graph_observer();

// The profile the benchmark prints to stderr: per operator, seconds, nodes and GFLOP/s, and the
// slowest product shapes, after each call; the fused chains at load.
class GraphProfilePrinter : public GraphObserver {
  public:
    GraphProfilePrinter();
    ~GraphProfilePrinter() override;
    void fused(int gelus, int layer_norms, int denses) override;
    void static_values(const std::string& shape, double seconds) override;
    void node(const NodeRun& run) override;
    void call_end(size_t resizes_by_taps) override;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace restora
