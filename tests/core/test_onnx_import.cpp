// The ONNX importer on a generated detector-shaped model (tests/core/onnx_synthetic.h): every
// operator the PP-OCRv4 detector uses converts, and damaged files are refused by name.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "onnx_synthetic.h"
#include "restora/core/model_import.h"
#include "restora/models/errors.h"
#include "restora/models/weight_file.h"
#include "test_util.h"

using namespace restora;
namespace fs = std::filesystem;

namespace {

// An importable entry whose package is dir/pkg with the model at assets/det.onnx.
ImportableModel detector_entry() {
    ImportableModel m = *find_importable(kTextDetectorId);
    m.asset = "assets/det.onnx";
    return m;
}

void write_package(const fs::path& pkg, const std::string& bytes) {
    fs::create_directories(pkg / "assets");
    std::ofstream(pkg / "assets/det.onnx", std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Fails unless the import is refused as a processing error (naming the file when it could not be
// read) and leaves no weight file; returns the message.
std::string refusal(const fs::path& root, bool names_file = true) {
    try {
        (void)import_onnx_model(detector_entry(), root / "pkg", root / "models");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Processing);
        if (names_file) {
            EXPECT_NE(std::string(e.what()).find("det.onnx"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(fs::exists(root / "models" / (std::string(kTextDetectorId) + ".rsw")));
        return e.what();
    }
    ADD_FAILURE() << "the import was not refused";
    return "";
}

}  // namespace

TEST(OnnxReader, ConvertsEveryOperatorOfTheDetector) {
    test::TempDir dir;
    write_package(dir / "pkg", test::synthetic_detector().SerializeAsString());
    const ModelStatus s = import_onnx_model(detector_entry(), dir / "pkg", dir / "models");
    ASSERT_EQ(s.state, ModelState::Installed);
    EXPECT_GT(s.entry.parameters, 500000);
    const WeightFileContents w = load_weight_file(s.path);
    EXPECT_EQ(w.meta.at("format"), "onnx-graph");
    EXPECT_EQ(w.meta.at("opset"), "11");
    EXPECT_GT(std::stod(w.meta.at("gflops_per_mp")), 0.1);
    std::set<std::string> kinds;
    std::string clip;
    std::string const_first;
    for (const std::string& line : w.graph) {
        std::istringstream ss(line);
        std::string kind;
        ss >> kind;
        kinds.insert(kind);
        if (kind == "clip") clip = line;
        if (line.find("const_first=1") != std::string::npos) const_first = line;
    }
    for (const char* k : {"input", "conv", "affine", "relu", "hardsigmoid", "gap", "add", "mul", "div", "clip",
                          "upsample_nearest", "concat", "convtranspose", "sigmoid", "output"}) {
        EXPECT_EQ(kinds.count(k), 1U) << k;
    }
    EXPECT_NE(clip.find("min=0 max=6"), std::string::npos) << clip;  // bounds from Constant nodes
    EXPECT_EQ(const_first.rfind("mul ", 0), 0U) << const_first;
    // raw_data and float_data tensors both arrive with their values.
    for (const RawTensor& t : w.tensors) {
        size_t n = 1;
        for (int64_t d : t.shape) n *= static_cast<size_t>(d);
        EXPECT_EQ(t.values.size(), n) << t.name;
    }
}

TEST(OnnxReader, TruncatedOrGarbageFilesAreRefusedByName) {
    const std::string bytes = test::synthetic_detector().SerializeAsString();
    for (size_t cut : {bytes.size() / 3, 2 * bytes.size() / 3, bytes.size() - 1}) {
        test::TempDir dir;
        write_package(dir / "pkg", bytes.substr(0, cut));
        refusal(dir.path());
    }
    test::TempDir dir;
    write_package(dir / "pkg", "this is not a protobuf message at all");
    refusal(dir.path());
}

TEST(OnnxReader, AnUnsupportedOperatorIsNamed) {
    test::OnnxBuilder b;
    b.input("x");
    const std::string y = b.conv_bn("x", 3, 8, 3, 1, 1, "relu");
    b.node("LeakyRelu", {y}, "out");
    b.output("out");
    test::TempDir dir;
    write_package(dir / "pkg", b.model().SerializeAsString());
    EXPECT_NE(refusal(dir.path(), false).find("ONNX operator LeakyRelu"), std::string::npos);
}

TEST(OnnxReader, AModelWithoutAGraphIsNotAnOnnxModel) {
    onnx::ModelProto empty;
    empty.set_ir_version(7);
    test::TempDir dir;
    write_package(dir / "pkg", empty.SerializeAsString());
    EXPECT_NE(refusal(dir.path()).find("not an ONNX model"), std::string::npos);
}
