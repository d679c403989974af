#include "restora/training/args.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace restora::training {

namespace {

template <typename T, typename F>
T parse_whole(const std::string& text, F convert, const char* what) {
    size_t used = 0;
    T v{};
    try {
        v = convert(text, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is not " + what);
    }
    if (used != text.size()) throw std::invalid_argument("'" + text + "' is not " + what);
    return v;
}

template <typename T>
std::string show(const T& v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

template <typename T>
void assign(T* target, const std::string& text);
template <>
void assign(std::string* target, const std::string& text) {
    *target = text;
}
template <>
void assign(int* target, const std::string& text) {
    *target = parse_int(text);
}
template <>
void assign(long* target, const std::string& text) {
    *target = parse_long(text);
}
template <>
void assign(float* target, const std::string& text) {
    *target = parse_float(text);
}
template <>
void assign(double* target, const std::string& text) {
    *target = parse_double(text);
}

}  // namespace

int parse_int(const std::string& text) {
    return parse_whole<int>(
        text, [](const std::string& t, size_t* n) { return std::stoi(t, n); }, "an integer");
}
long parse_long(const std::string& text) {
    return parse_whole<long>(
        text, [](const std::string& t, size_t* n) { return std::stol(t, n); }, "an integer");
}
float parse_float(const std::string& text) {
    return parse_whole<float>(
        text, [](const std::string& t, size_t* n) { return std::stof(t, n); }, "a number");
}
double parse_double(const std::string& text) {
    return parse_whole<double>(
        text, [](const std::string& t, size_t* n) { return std::stod(t, n); }, "a number");
}

Args::Args(std::string program, std::string summary) : program_(std::move(program)), summary_(std::move(summary)) {}

template <typename T>
Args& Args::option(const std::string& name, T* target, const std::string& metavar, const std::string& help) {
    const std::string def = show(*target);
    return option(
        name, [target](const std::string& v) { assign(target, v); }, metavar, help, def);
}
template Args& Args::option(const std::string&, std::string*, const std::string&, const std::string&);
template Args& Args::option(const std::string&, int*, const std::string&, const std::string&);
template Args& Args::option(const std::string&, long*, const std::string&, const std::string&);
template Args& Args::option(const std::string&, float*, const std::string&, const std::string&);
template Args& Args::option(const std::string&, double*, const std::string&, const std::string&);

Args& Args::option(const std::string& name, std::function<void(const std::string&)> apply, const std::string& metavar,
                   const std::string& help, const std::string& default_text) {
    specs_.push_back({name, metavar, help, default_text, std::move(apply), nullptr});
    return *this;
}

Args& Args::flag(const std::string& name, bool* target, const std::string& help) {
    specs_.push_back({name, "", help, "", {}, target});
    return *this;
}

const Args::Spec* Args::find(const std::string& name) const {
    for (const Spec& s : specs_) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::optional<int> Args::parse(int argc, char** argv) const {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage().c_str(), stdout);
            return 0;
        }
        const Spec* s = find(a);
        if (s == nullptr) return fail("unknown option " + a);
        if (s->flag != nullptr) {
            *s->flag = true;
            continue;
        }
        if (i + 1 >= argc) return fail(a + " needs a value (" + s->metavar + ")");
        try {
            s->apply(argv[++i]);
        } catch (const std::invalid_argument& e) {
            return fail(a + ": " + e.what());
        } catch (const std::out_of_range&) {
            return fail(a + ": '" + argv[i] + "' is out of range");
        }
    }
    return std::nullopt;
}

int Args::fail(const std::string& message) const {
    std::fprintf(stderr, "%s: %s\n(%s --help lists the options)\n", program_.c_str(), message.c_str(),
                 program_.c_str());
    return 2;
}

std::string Args::usage() const {
    std::string u = "usage: " + program_ + " [options]\n" + summary_ + "\n\noptions:\n";
    for (const Spec& s : specs_) {
        std::string left = "  " + s.name + (s.metavar.empty() ? "" : " " + s.metavar);
        if (left.size() < 26)
            left.resize(26, ' ');
        else
            left += "  ";
        u += left + s.help;
        if (!s.default_text.empty()) u += " (default " + s.default_text + ")";
        u += "\n";
    }
    u += "  --help                  this list\n";
    return u;
}

}  // namespace restora::training
