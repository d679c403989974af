#pragma once
// An operation's parameters: the schema (what the CLI validates and the GUI turns into widgets)
// and the values of one run, as canonical text per key.
#include <map>
#include <string>
#include <vector>

namespace restora {

enum class ParamKind { Integer, Number, Choice };
enum class MaskUse { None, Required, Optional };

std::string to_string(MaskUse m);

struct ParamSpec {
    std::string key;
    std::string label;
    ParamKind kind = ParamKind::Number;
    double min = 0;
    double max = 1;
    double step = 0.1;
    double def = 0;                    // Integer / Number default
    std::vector<std::string> choices;  // Choice values, in display order
    std::string def_choice;            // Choice default
    std::string unit;
    std::string help;
    std::string only_for;    // "key=value": the parameter applies only with that setting
    std::string low_label;   // Number: what the low end of the slider means ("Fidelity")
    std::string high_label;  // Number: what the high end means ("Realism")

    [[nodiscard]] std::string default_text() const;
};

// Schema builders for the common parameter kinds.
ParamSpec choice_param(std::string key, std::string label, std::vector<std::string> choices, std::string def,
                       std::string help, std::string unit = {});
ParamSpec number_param(std::string key, std::string label, double min, double max, double step, double def,
                       std::string help);
// A whole-number slider in steps of 1 (`unit`: "px" and the like).
ParamSpec integer_param(std::string key, std::string label, int min, int max, int def, std::string unit,
                        std::string help);

// The canonical text of a number parameter's value ("%.6g"): what the history records.
std::string format_number(double v);
// "integer", "number", "choice": the names ops --json uses.
std::string kind_name(ParamKind k);
// The words joined with `sep` between them (the choices or keys an error message lists).
std::string join(const std::vector<std::string>& words, const std::string& sep);

// Parameter values, canonical text per key (what the history records and replay reads back).
class Params {
  public:
    Params() = default;
    explicit Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}
    [[nodiscard]] const std::string& text(const std::string& key) const;
    [[nodiscard]] int integer(const std::string& key) const;
    [[nodiscard]] double number(const std::string& key) const;
    [[nodiscard]] const std::map<std::string, std::string>& values() const { return values_; }
    bool operator==(const Params&) const = default;

  private:
    std::map<std::string, std::string> values_;
};

struct OperationInfo;  // operation.h

// The default text of parameter `key` of an operation (empty when it has no such parameter).
std::string default_of(const OperationInfo& info, const std::string& key);

}  // namespace restora
