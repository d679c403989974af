#pragma once
// Load-time operator fusion of imported graphs.
#include <vector>

#include "tf_graph_node.h"

namespace restora::tfgraph {

// jax2tf writes MAXIM's GELU (tanh form), LayerNorm and dense layers as chains of elementwise
// nodes, each a full pass over a large tensor; on the CPU these passes, not the arithmetic, took
// most of a run (docs/PERFORMANCE.md, "Faster MAXIM on the CPU").
// Each recognised chain is replaced by one libtorch operator that computes the same function;
// chains that do not match exactly are left as they are, and nodes no longer read are skipped.
// RESTORA_NO_FUSION=1 turns it off (runtime_options.h).
struct FusionCounts {
    int gelus = 0;
    int layer_norms = 0;
    int denses = 0;
};
FusionCounts fuse_operators(std::vector<Node>& nodes);

// Marks the nodes the output no longer reads and recomputes every node's last reader.
void prune(std::vector<Node>& nodes, int output);

}  // namespace restora::tfgraph
