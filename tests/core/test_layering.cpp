// The layering rules of ARCHITECTURE.md, checked on the source tree: core/ never includes Qt,
// core headers never include Exiv2 (only the metadata implementation does), and models/ includes
// nothing but libtorch and the standard library.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "test_util.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> offending(const fs::path& root, const std::regex& include, bool headers_only) {
    std::vector<std::string> bad;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file()) continue;
        const std::string ext = e.path().extension().string();
        const bool header = ext == ".h" || ext == ".hpp";
        if (headers_only ? !header : !(header || ext == ".cpp" || ext == ".cc")) continue;
        std::ifstream f(e.path());
        std::string line;
        int n = 0;
        while (std::getline(f, line)) {
            ++n;
            if (std::regex_search(line, include))
                bad.push_back(e.path().string() + ":" + std::to_string(n) + ": " + line);
        }
    }
    return bad;
}

const fs::path kSource = test::source_dir();

}  // namespace

TEST(Layering, CoreIncludesNoQtHeader) {
    const std::regex qt(R"(#\s*include\s*[<"](Q[A-Z]\w*|Qt\w*/))");
    const auto bad = offending(kSource / "core", qt, false);
    EXPECT_TRUE(bad.empty()) << bad.front();
}

TEST(Layering, CoreHeadersIncludeNoExiv2) {
    const std::regex exiv2(R"(#\s*include\s*[<"]exiv2/)");
    const auto bad = offending(kSource / "core/include", exiv2, true);
    EXPECT_TRUE(bad.empty()) << bad.front();
    // Exiv2 lives in the metadata implementation alone.
    const auto users = offending(kSource / "core/src", exiv2, false);
    for (const auto& u : users) EXPECT_NE(u.find("metadata.cpp"), std::string::npos) << u;
}

TEST(Layering, ModelsDependOnLibtorchAlone) {
    const std::regex other(R"(#\s*include\s*[<"](opencv2|exiv2|Q[A-Z]|Qt|nlohmann|restora/core)/?)");
    const auto bad = offending(kSource / "models", other, false);
    EXPECT_TRUE(bad.empty()) << bad.front();
}

TEST(Layering, TheRuleCatchesAViolation) {
    // The scanner itself must be able to fail.
    const fs::path dir = fs::temp_directory_path() / "restora-layering-probe";
    fs::create_directories(dir);
    std::ofstream(dir / "bad.h") << "#include <QWidget>\n#include <exiv2/exiv2.hpp>\n";
    EXPECT_EQ(offending(dir, std::regex(R"(#\s*include\s*[<"](Q[A-Z]\w*|Qt\w*/))"), false).size(), 1U);
    EXPECT_EQ(offending(dir, std::regex(R"(#\s*include\s*[<"]exiv2/)"), true).size(), 1U);
    fs::remove_all(dir);
}
