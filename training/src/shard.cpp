#include "restora/training/shard.h"

#include <fstream>
#include <sstream>
#include <string>

#include "restora/models/errors.h"

namespace restora {

void write_shard(const std::filesystem::path& path, const Shard& s) {
    if (s.pixels.size() != static_cast<size_t>(s.n) * s.h * s.w * 3) {
        throw Error(ErrorKind::Processing, "shard size mismatch");
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << "RSTS 1\n" << s.n << " " << s.h << " " << s.w << " 3\n";
    f.write(reinterpret_cast<const char*>(s.pixels.data()), static_cast<std::streamsize>(s.pixels.size()));
    if (!f) throw Error(ErrorKind::Processing, "writing " + path.string() + " failed");
}

Shard read_shard(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::string magic;
    std::getline(f, magic);
    Shard s;
    int c = 0;
    f >> s.n >> s.h >> s.w >> c;
    f.get();  // the newline
    if (!f || magic != "RSTS 1" || c != 3 || s.n <= 0 || s.h <= 0 || s.w <= 0) {
        throw Error(ErrorKind::Processing, path.string() + " is not a Restora training shard");
    }
    s.pixels.resize(static_cast<size_t>(s.n) * s.h * s.w * 3);
    f.read(reinterpret_cast<char*>(s.pixels.data()), static_cast<std::streamsize>(s.pixels.size()));
    if (f.gcount() != static_cast<std::streamsize>(s.pixels.size())) {
        throw Error(ErrorKind::Processing, path.string() + " is truncated");
    }
    return s;
}

Shard read_shards(const std::string& list) {
    Shard all;
    std::stringstream ss(list);
    for (std::string p; std::getline(ss, p, ',');) {
        Shard s = read_shard(p);
        if (all.n == 0) {
            all = std::move(s);
        } else {
            if (s.h != all.h || s.w != all.w) throw Error(ErrorKind::Usage, p + ": crop size differs");
            all.pixels.insert(all.pixels.end(), s.pixels.begin(), s.pixels.end());
            all.n += s.n;
        }
    }
    return all;
}

}  // namespace restora
