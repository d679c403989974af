#pragma once
// A synthetic ONNX model shaped like the PP-OCRv4 text detector (convolutions with batch norm,
// hard-sigmoid attention, nearest upsampling, concatenation, a transposed-convolution head), built
// with libonnx's protobuf classes: the importer's tests and its timing need no npm package.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace test {

class OnnxBuilder {
  public:
    OnnxBuilder() {
        model_.set_ir_version(7);
        model_.set_producer_name("restora-tests");
        auto* opset = model_.add_opset_import();
        opset->set_domain("");
        opset->set_version(11);
        graph()->set_name("synthetic-detector");
    }
    onnx::GraphProto* graph() { return model_.mutable_graph(); }
    onnx::ModelProto& model() { return model_; }

    // An initializer; raw=true stores raw_data (as exporters do for big tensors), else float_data.
    std::string tensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values,
                       bool raw = true) {
        auto* t = graph()->add_initializer();
        fill(t, name, dims, values, raw);
        return name;
    }
    std::string random_tensor(const std::string& name, const std::vector<int64_t>& dims, float scale, bool raw = true) {
        size_t n = 1;
        for (int64_t d : dims) n *= static_cast<size_t>(d);
        std::normal_distribution<float> dist(0.0F, scale);
        std::vector<float> v(n);
        for (float& x : v) x = dist(rng_);
        return tensor(name, dims, v, raw);
    }
    onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::string& out) {
        auto* n = graph()->add_node();
        n->set_op_type(op);
        n->set_name(op + "_" + std::to_string(graph()->node_size()));
        for (const auto& i : in) n->add_input(i);
        n->add_output(out);
        return n;
    }
    static void ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t x : v) a->add_ints(x);
    }
    static void integer(onnx::NodeProto* n, const std::string& name, int64_t v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void real(onnx::NodeProto* n, const std::string& name, float v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(v);
    }
    static void text(onnx::NodeProto* n, const std::string& name, const std::string& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(v);
    }
    // A Constant node holding a float tensor (float_data), as the detector's Clip bounds are.
    std::string constant(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
        auto* n = node("Constant", {}, name);
        auto* a = n->add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        fill(a->mutable_t(), name + "_value", dims, values, false);
        return name;
    }
    // Conv (+ BatchNormalization) (+ activation), the detector's basic block.
    std::string conv_bn(const std::string& in, int cin, int cout, int k, int stride, int group,
                        const std::string& act) {
        std::string id = "c";  // not "c" + ...: GCC 12 warns (-Wrestrict) about that form
        id += std::to_string(++counter_);
        const std::string w =
            random_tensor(id + ".w", {cout, cin / group, k, k}, 0.5F / static_cast<float>(k * k * cin / group));
        auto* c = node("Conv", {in, w}, id + ".conv");
        ints(c, "kernel_shape", {k, k});
        ints(c, "strides", {stride, stride});
        ints(c, "pads", {k / 2, k / 2, k / 2, k / 2});
        ints(c, "dilations", {1, 1});
        integer(c, "group", group);
        std::vector<float> ones(static_cast<size_t>(cout), 1.0F);
        std::vector<float> small(static_cast<size_t>(cout), 0.01F);
        const std::string scale = tensor(id + ".bn.scale", {cout}, ones, false);
        const std::string bias = tensor(id + ".bn.bias", {cout}, small, false);
        const std::string mean = tensor(id + ".bn.mean", {cout}, small, false);
        const std::string var = tensor(id + ".bn.var", {cout}, ones, false);
        auto* bn = node("BatchNormalization", {id + ".conv", scale, bias, mean, var}, id + ".bn");
        real(bn, "epsilon", 1e-5F);
        if (act == "relu") {
            node("Relu", {id + ".bn"}, id);
        } else if (act == "hardsigmoid") {
            auto* h = node("HardSigmoid", {id + ".bn"}, id);
            real(h, "alpha", 0.2F);
            real(h, "beta", 0.5F);
        } else {
            return id + ".bn";
        }
        return id;
    }
    void input(const std::string& name) { graph()->add_input()->set_name(name); }
    void output(const std::string& name) { graph()->add_output()->set_name(name); }

  private:
    static void fill(onnx::TensorProto* t, const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<float>& values, bool raw) {
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : dims) t->add_dims(d);
        if (raw) {
            t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
        } else {
            for (float v : values) t->add_float_data(v);
        }
    }
    onnx::ModelProto model_;
    std::mt19937 rng_{7};
    int counter_ = 0;
};

// Near the detector's size at width 1 (about a million parameters, 4 MB): a strided backbone, a
// squeeze-excite gate, an upsampling neck with concatenation and a transposed-convolution head.
inline onnx::ModelProto synthetic_detector(int width = 1) {
    OnnxBuilder b;
    b.input("x");
    const int c = 16 * width;
    std::string x = b.conv_bn("x", 3, c, 3, 2, 1, "relu");
    std::vector<std::string> levels;
    int ch = c;
    for (int stage = 0; stage < 4; ++stage) {
        const int out = ch * 2;
        x = b.conv_bn(x, ch, out, 3, 2, 1, "relu");
        const std::string dw = b.conv_bn(x, out, out, 3, 1, out, "relu");
        const std::string pw = b.conv_bn(dw, out, out, 1, 1, 1, "");
        b.node("Add", {x, pw}, x + ".res");  // residual between two computed values
        x = x + ".res";
        // Squeeze-excite: global pooling, a 1x1 bottleneck, hard sigmoid, channel-wise gate.
        b.node("GlobalAveragePool", {x}, x + ".gap");
        const std::string se = b.conv_bn(x + ".gap", out, out, 1, 1, 1, "hardsigmoid");
        b.node("Mul", {x, se}, x + ".se");
        x = x + ".se";
        levels.push_back(x);
        ch = out;
    }
    // Neck: bring every level to the second one's resolution and width, then concatenate.
    const int neck = 64 * width;
    std::vector<std::string> parts;
    for (size_t i = 1; i < levels.size(); ++i) {
        const int lch = c * (2 << i);
        std::string y = b.conv_bn(levels[i], lch, neck, 3, 1, 1, "relu");
        const float f = static_cast<float>(1 << (i - 1));
        if (f > 1) {
            const std::string scales = b.tensor(y + ".scales", {4}, {1, 1, f, f});
            auto* r = b.node("Resize", {y, "", scales}, y + ".up");
            OnnxBuilder::text(r, "mode", "nearest");
            OnnxBuilder::text(r, "coordinate_transformation_mode", "asymmetric");
            OnnxBuilder::text(r, "nearest_mode", "floor");
            y = y + ".up";
        }
        parts.push_back(y);
    }
    auto* cat = b.node("Concat", parts, "neck");
    OnnxBuilder::integer(cat, "axis", 1);
    // Head: conv, clip (bounds from Constant nodes), constant scale and offset, two transposed
    // convolutions back to full resolution, sigmoid.
    std::string h = b.conv_bn("neck", neck * 3, neck, 3, 1, 1, "");
    b.node("Clip", {h, b.constant("lo", {}, {0.0F}), b.constant("hi", {}, {6.0F})}, "clip");
    b.node("Div", {"clip", b.tensor("six", {}, {6.0F}, false)}, "div");
    b.node("Mul", {b.tensor("gain", {}, {1.5F}, false), "div"}, "mul");  // constant first
    h = "mul";
    for (int i = 0; i < 3; ++i) {
        const int cout = i == 2 ? 1 : neck / 2;
        const int cin = i == 0 ? neck : neck / 2;
        const std::string w = b.random_tensor("up" + std::to_string(i) + ".w", {cin, cout, 2, 2}, 0.1F);
        const std::string bias = b.random_tensor("up" + std::to_string(i) + ".b", {cout}, 0.1F, false);
        auto* t = b.node("ConvTranspose", {h, w, bias}, "up" + std::to_string(i));
        OnnxBuilder::ints(t, "strides", {2, 2});
        OnnxBuilder::ints(t, "pads", {0, 0, 0, 0});
        h = "up" + std::to_string(i);
    }
    b.node("Sigmoid", {h}, "prob");
    b.output("prob");
    return b.model();
}

}  // namespace test
