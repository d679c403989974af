#include "restora/models/weight_file.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

// IEEE binary16 <-> binary32, round to nearest even (no libtorch here: the importer links none).
uint16_t to_half(float f) {
    uint32_t x = 0;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000U;
    uint32_t mant = x & 0x7fffffU;
    const int exp = static_cast<int>((x >> 23) & 0xffU);
    if (exp == 255) return static_cast<uint16_t>(sign | 0x7c00U | (mant != 0 ? 0x200U : 0U));
    const int e = exp - 127 + 15;
    if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00U);
    if (e <= 0) {  // subnormal half
        if (e < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000U;
        const int shift = 14 - e;
        uint32_t h = mant >> shift;
        const uint32_t rem = mant & ((1U << shift) - 1);
        const uint32_t halfway = 1U << (shift - 1);
        if (rem > halfway || (rem == halfway && (h & 1U))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffU;
    if (rem > 0x1000U || (rem == 0x1000U && (h & 1U))) ++h;  // a carry into the exponent is correct
    return static_cast<uint16_t>(sign | h);
}

float from_half(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000U) << 16;
    const uint32_t exp = (h >> 10) & 0x1fU;
    const uint32_t mant = h & 0x3ffU;
    uint32_t x = 0;
    if (exp == 0) {
        const float f = std::ldexp(static_cast<float>(mant), -24);
        return sign != 0 ? -f : f;
    }
    if (exp == 31) {
        x = sign | 0x7f800000U | (mant << 13);
    } else {
        x = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float f = 0;
    std::memcpy(&f, &x, 4);
    return f;
}

bool half_storage(const std::map<std::string, std::string>& meta) {
    const auto it = meta.find("storage");
    return it != meta.end() && it->second == "f16";
}

}  // namespace

void save_weight_file(const fs::path& path, const WeightFileContents& c) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(ErrorKind::Processing, "cannot write " + path.string());
    f << "RSTW 1\n";
    f << "meta " << c.meta.size() << "\n";
    for (const auto& [k, v] : c.meta) f << k << " " << v << "\n";
    f << "graph " << c.graph.size() << "\n";
    for (const auto& line : c.graph) f << line << "\n";
    f << "tensors " << c.tensors.size() << "\n";
    for (const auto& t : c.tensors) {
        f << t.name << " " << t.shape.size();
        for (int64_t d : t.shape) f << " " << d;
        f << "\n";
    }
    f << "data\n";
    const bool half = half_storage(c.meta);
    for (const auto& t : c.tensors) {
        if (half) {
            std::vector<uint16_t> h(t.values.size());
            for (size_t i = 0; i < h.size(); ++i) h[i] = to_half(t.values[i]);
            f.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size() * 2));
        } else {
            f.write(reinterpret_cast<const char*>(t.values.data()),
                    static_cast<std::streamsize>(t.values.size() * sizeof(float)));
        }
    }
    f.flush();
    if (!f) throw Error(ErrorKind::Processing, "writing " + path.string() + " failed (disk full?)");
}

std::map<std::string, std::string> read_weight_meta(const fs::path& path) {
    std::map<std::string, std::string> meta;
    std::ifstream f(path, std::ios::binary);
    std::string line;
    if (!std::getline(f, line) || line != "RSTW 1" || !std::getline(f, line) || line.rfind("meta ", 0) != 0) {
        return meta;
    }
    const std::string count = line.substr(5);
    if (count.empty() || count.size() > 9 || count.find_first_not_of("0123456789") != std::string::npos) return meta;
    const size_t n = std::stoul(count);
    for (size_t i = 0; i < n && std::getline(f, line); ++i) {
        const auto sp = line.find(' ');
        meta[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
    return meta;
}

WeightFileContents load_weight_file(const fs::path& path) {
    auto bad = [&](const std::string& why) {
        return Error(ErrorKind::Processing, "weight file " + path.string() + " is damaged (" + why + ")");
    };
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(ErrorKind::Processing, "weight file " + path.string() + " cannot be opened");
    std::string line;
    if (!std::getline(f, line) || line != "RSTW 1") throw bad("not a Restora weight file");
    WeightFileContents c;
    // Every count and size is checked against the file's own size before anything is allocated: a
    // damaged file (even one whose sha256 the manifest records) is refused with its name, never
    // attempted as a huge allocation.
    std::error_code size_error;
    const uint64_t file_bytes = fs::file_size(path, size_error);
    if (size_error) throw Error(ErrorKind::Processing, "weight file " + path.string() + " cannot be opened");
    auto section = [&](const std::string& name) {
        if (!std::getline(f, line) || line.rfind(name + " ", 0) != 0) throw bad("missing " + name);
        const std::string n = line.substr(name.size() + 1);
        if (n.empty() || n.size() > 12 || n.find_first_not_of("0123456789") != std::string::npos ||
            std::stoull(n) > file_bytes) {
            throw bad("bad " + name + " count");
        }
        return static_cast<size_t>(std::stoull(n));
    };
    const size_t n_meta = section("meta");
    for (size_t i = 0; i < n_meta && std::getline(f, line); ++i) {
        const auto sp = line.find(' ');
        c.meta[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
    const size_t n_graph = section("graph");
    for (size_t i = 0; i < n_graph && std::getline(f, line); ++i) c.graph.push_back(line);
    const size_t n_tensors = section("tensors");
    const bool half = half_storage(c.meta);
    const uint64_t value_bytes = half ? 2 : sizeof(float);
    uint64_t data_bytes = 0;
    for (size_t i = 0; i < n_tensors && std::getline(f, line); ++i) {
        std::istringstream s(line);
        RawTensor t;
        size_t ndim = 0;
        s >> t.name >> ndim;
        if (!s || ndim > 8) throw bad("bad tensor line");
        uint64_t count = 1;
        for (size_t d = 0; d < ndim; ++d) {
            int64_t v = 0;
            s >> v;
            if (!s || v <= 0) throw bad("bad shape of " + t.name);
            if (static_cast<uint64_t>(v) > file_bytes / value_bytes / count) {
                throw bad("tensor " + t.name + " is larger than the file");
            }
            t.shape.push_back(v);
            count *= static_cast<uint64_t>(v);
        }
        data_bytes += count * value_bytes;
        if (data_bytes > file_bytes) throw bad("its tensors are larger than the file");
        c.tensors.push_back(std::move(t));
    }
    if (!std::getline(f, line) || line != "data") throw bad("missing data");
    for (auto& t : c.tensors) {
        size_t count = 1;
        for (const int64_t v : t.shape) count *= static_cast<size_t>(v);
        t.values.resize(count);
    }
    for (auto& t : c.tensors) {
        if (half) {
            std::vector<uint16_t> h(t.values.size());
            f.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size() * 2));
            if (f.gcount() != static_cast<std::streamsize>(h.size() * 2)) throw bad("truncated");
            for (size_t i = 0; i < h.size(); ++i) t.values[i] = from_half(h[i]);
            continue;
        }
        f.read(reinterpret_cast<char*>(t.values.data()), static_cast<std::streamsize>(t.values.size() * sizeof(float)));
        if (f.gcount() != static_cast<std::streamsize>(t.values.size() * sizeof(float))) throw bad("truncated");
    }
    if (f.peek() != std::char_traits<char>::eof()) throw bad("trailing bytes");
    return c;
}

}  // namespace restora
