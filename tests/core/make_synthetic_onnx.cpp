// Writes the detector-shaped synthetic ONNX model of onnx_synthetic.h to a file, for timing the
// importer (docs/PERFORMANCE.md, "ONNX import").
#include <cstdio>
#include <fstream>

#include "onnx_synthetic.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make-synthetic-onnx OUT.onnx\n");
        return 2;
    }
    std::ofstream f(argv[1], std::ios::binary);
    if (!test::synthetic_detector().SerializeToOstream(&f)) return 1;
    return 0;
}
