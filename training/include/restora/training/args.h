#pragma once
// The trainers' command line: typed options bound to variables (their initial values are the
// defaults --help shows), switches, --help, and a clear error for an unknown option, a missing
// value or a value that is not a number.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace restora::training {

class Args {
  public:
    // `program` as the usage line names it (e.g. "restora-train --task shadow"); `summary` one
    // line on what it does.
    Args(std::string program, std::string summary);

    // --name VALUE into `target` (std::string, int, long, float or double).
    template <typename T>
    Args& option(const std::string& name, T* target, const std::string& metavar, const std::string& help);
    // --name VALUE handed to `apply`, which may throw std::invalid_argument for a bad value.
    Args& option(const std::string& name, std::function<void(const std::string&)> apply, const std::string& metavar,
                 const std::string& help, const std::string& default_text = "");
    // --name without a value: sets `target` to true.
    Args& flag(const std::string& name, bool* target, const std::string& help);

    // Reads argv[1..argc). Returns nothing when the run goes on; otherwise the exit status: 0
    // after --help (the usage on stdout), 2 after a command-line error (message and usage on
    // stderr).
    [[nodiscard]] std::optional<int> parse(int argc, char** argv) const;

    // The message and a pointer to --help on stderr; returns 2, the status of a usage error.
    [[nodiscard]] int fail(const std::string& message) const;
    [[nodiscard]] std::string usage() const;

  private:
    struct Spec {
        std::string name, metavar, help, default_text;
        std::function<void(const std::string&)> apply;  // empty for a flag
        bool* flag = nullptr;
    };
    const Spec* find(const std::string& name) const;

    std::string program_, summary_;
    std::vector<Spec> specs_;
};

// The parsers `option` uses; throw std::invalid_argument unless the whole text is a number.
int parse_int(const std::string& text);
long parse_long(const std::string& text);
float parse_float(const std::string& text);
double parse_double(const std::string& text);

}  // namespace restora::training
