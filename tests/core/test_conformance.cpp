// What every registered operation promises, checked for each one the registry holds (not a
// hand-kept list): a sane schema, parameters that survive the XMP history, Preview = Apply on a
// region, a cost estimate, and a place in `restora-cli ops --json`. An operation whose weights are
// not imported skips the checks that run it (and fails under CI=true, where setup imports them).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/core/estimate.h"
#include "restora/core/history.h"
#include "restora/core/model_store.h"
#include "restora/core/registry.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;

namespace {

std::vector<std::string> registered_ids() {
    std::vector<std::string> ids;
    for (const Operation* op : Registry::instance().all()) ids.push_back(op->info().id);
    return ids;
}

// The parameter sets worth checking: the defaults, and each choice of each choice parameter on
// its own (combinations the operation refuses are left out).
std::vector<Params> parameter_sets(const Operation& op) {
    std::vector<Params> sets = {op.resolve({})};
    for (const ParamSpec& spec : op.info().params) {
        if (spec.kind != ParamKind::Choice) continue;
        for (const std::string& choice : spec.choices) {
            try {
                sets.push_back(op.resolve({{spec.key, choice}}));
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), ErrorKind::Usage) << spec.key << "=" << choice << ": " << e.what();
            }
        }
    }
    return sets;
}

// The missing weights among those a run with `params` needs ("" when every one is imported).
std::string missing_weights(const Operation& op, const Params& params) {
    std::string missing;
    for (const std::string& id : op.networks(params)) {
        if (find_model(id).state != ModelState::Installed) missing += (missing.empty() ? "" : ", ") + id;
    }
    return missing;
}

class Conformance : public ::testing::TestWithParam<std::string> {
  protected:
    const Operation& op() const { return Registry::instance().get(GetParam()); }
};

}  // namespace

TEST_P(Conformance, SchemaIsSane) {
    const OperationInfo& info = op().info();
    EXPECT_EQ(info.id, GetParam());
    EXPECT_GE(info.version, 1);
    EXPECT_FALSE(info.name.empty());
    EXPECT_FALSE(info.description.empty());
    std::set<std::string> keys;
    for (const ParamSpec& p : info.params) {
        SCOPED_TRACE(p.key);
        EXPECT_FALSE(p.key.empty());
        EXPECT_TRUE(keys.insert(p.key).second) << "duplicate key";
        EXPECT_FALSE(p.label.empty());
        EXPECT_FALSE(p.help.empty());
        if (p.kind == ParamKind::Choice) {
            ASSERT_FALSE(p.choices.empty());
            EXPECT_NE(std::find(p.choices.begin(), p.choices.end(), p.def_choice), p.choices.end());
            EXPECT_EQ(std::set<std::string>(p.choices.begin(), p.choices.end()).size(), p.choices.size());
        } else {
            EXPECT_LT(p.min, p.max);
            EXPECT_GT(p.step, 0);
            EXPECT_GE(p.def, p.min);
            EXPECT_LE(p.def, p.max);
            EXPECT_EQ(p.low_label.empty(), p.high_label.empty()) << "a slider names both ends or neither";
        }
    }
    for (const ParamSpec& p : info.params) {
        if (p.only_for.empty()) continue;
        const auto eq = p.only_for.find('=');
        ASSERT_NE(eq, std::string::npos) << p.only_for;
        const std::string key = p.only_for.substr(0, eq);
        const auto other =
            std::find_if(info.params.begin(), info.params.end(), [&](const ParamSpec& q) { return q.key == key; });
        ASSERT_NE(other, info.params.end()) << p.key << " applies only with an unknown parameter " << key;
        if (other->kind == ParamKind::Choice) {
            EXPECT_NE(std::find(other->choices.begin(), other->choices.end(), p.only_for.substr(eq + 1)),
                      other->choices.end())
                << p.only_for;
        }
    }
    const OperationHints hints = op().hints();
    if (!hints.detect_label.empty()) {
        EXPECT_NE(info.mask, MaskUse::None) << "a detected mask needs a mask to go to";
    }
}

TEST_P(Conformance, ParametersRoundTripThroughTheHistory) {
    for (const Params& p : parameter_sets(op())) {
        History h;
        h.source_sha256 = std::string(64, 'a');
        HistoryEntry e;
        e.op = op().info().id;
        e.version = op().info().version;
        e.params = p.values();
        h.entries.push_back(e);
        const History back = History::from_json(h.to_json());
        ASSERT_EQ(back.entries.size(), 1U);
        EXPECT_EQ(back.entries[0], e);
        EXPECT_EQ(op().resolve(back.entries[0].params), p) << h.to_json();
    }
}

TEST_P(Conformance, CostEstimateExists) {
    for (const Params& p : parameter_sets(op())) {
        const std::string missing = missing_weights(op(), p);
        if (!missing.empty()) {  // the estimate reads the weights' meta
            if (test::in_ci()) ADD_FAILURE() << missing << " not imported";
            continue;
        }
        const JobEstimate e = estimate_job(op(), p, {1600, 1200}, 3, 512, 100.0);
        EXPECT_GT(e.seconds, 0) << nlohmann::json(p.values()).dump();
        EXPECT_GT(e.peak_bytes, 0);
        EXPECT_GT(e.output_bytes, 0);
        EXPECT_FALSE(e.basis.empty());
        const JobEstimate preview = estimate_preview(op(), p, {1600, 1200}, {300, 200}, 3, 512, 100.0);
        EXPECT_GT(preview.seconds, 0);
        EXPECT_LE(preview.seconds, e.seconds + 1e-9);
    }
}

TEST_P(Conformance, PreviewEqualsApply) {
    const Operation& o = op();
    const Params p = o.resolve({});
    const std::string missing = missing_weights(o, p);
    if (!missing.empty()) {
        if (test::in_ci()) FAIL() << missing << " not imported";
        GTEST_SKIP() << missing << " not imported";
    }
    const cv::Mat image = test::synthetic_photo(96, 64);
    cv::Mat mask;
    if (o.info().mask != MaskUse::None) {
        mask = cv::Mat(image.size(), CV_8U, cv::Scalar(0));
        cv::rectangle(mask, cv::Rect(40, 24, 14, 9), cv::Scalar(255), cv::FILLED);
    }
    OpContext ctx;
    ctx.device = DeviceKind::Cpu;
    ctx.tile = default_tile_for(DeviceKind::Cpu, o, p);
    ASSERT_NO_THROW(o.check_available(p));
    const OpResult whole = o.run(image, mask, p, ctx);
    const cv::Size out = o.output_size(image.size(), p);
    ASSERT_EQ(whole.pixels.size(), out);
    ASSERT_EQ(whole.pixels.type(), image.type());
    const int sx = out.width / image.cols;
    const int sy = out.height / image.rows;
    const cv::Rect region(32, 16, 40, 32);
    const OpResult part = o.run_region(image, mask, p, ctx, region);
    const cv::Rect scaled(region.x * sx, region.y * sy, region.width * sx, region.height * sy);
    ASSERT_EQ(part.pixels.size(), scaled.size());
    EXPECT_EQ(cv::norm(part.pixels, whole.pixels(scaled), cv::NORM_INF), 0);
    EXPECT_EQ(part.model_id, whole.model_id);
    if (o.cost(p).network.empty()) {  // classical: cheap enough to check small tiles too
        OpContext tiled = ctx;
        tiled.tile = 32;
        const OpResult small_tiles = o.run_region(image, mask, p, tiled, region);
        EXPECT_EQ(cv::norm(small_tiles.pixels, o.run(image, mask, p, tiled).pixels(scaled), cv::NORM_INF), 0);
    }
    for (const std::string& id : o.networks(p)) {
        if (id == whole.model_id) return;
    }
    EXPECT_TRUE(whole.model_id.empty()) << whole.model_id << " ran but networks() does not name it";
}

TEST_P(Conformance, ListedByTheCli) {
    static const nlohmann::json listed = [] {
        const test::Result r = test::sh(test::quote(test::cli_path()) + " ops --json");
        EXPECT_EQ(r.code, 0) << r.output;
        return nlohmann::json::parse(r.output);
    }();
    const OperationInfo& info = op().info();
    const auto& ops = listed["operations"];
    const auto it = std::find_if(ops.begin(), ops.end(), [&](const nlohmann::json& j) { return j["id"] == info.id; });
    ASSERT_NE(it, ops.end());
    EXPECT_EQ((*it)["version"], info.version);
    EXPECT_EQ((*it)["mask"], to_string(info.mask));
    ASSERT_EQ((*it)["params"].size(), info.params.size());
    for (size_t i = 0; i < info.params.size(); ++i) {
        EXPECT_EQ((*it)["params"][i]["key"], info.params[i].key);
        EXPECT_EQ((*it)["params"][i]["default"], info.params[i].default_text());
    }
}

INSTANTIATE_TEST_SUITE_P(Registry, Conformance, ::testing::ValuesIn(registered_ids()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });
