// SHA-256 for weight files, masks and history records, from OpenSSL's libcrypto.
#include "restora/core/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "restora/models/errors.h"

namespace restora {

namespace {

class Sha256 {
  public:
    Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) fail();
    }
    void update(const void* data, size_t size) {
        if (size > 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) fail();
    }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(ctx_.get(), digest, &n) != 1) fail();
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string s;
        s.reserve(2 * n);
        for (unsigned int i = 0; i < n; ++i) {
            s += kDigits[digest[i] >> 4];
            s += kDigits[digest[i] & 15];
        }
        return s;
    }

  private:
    [[noreturn]] static void fail() { throw Error(ErrorKind::Processing, "libcrypto's SHA-256 failed"); }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string sha256_hex(const void* data, size_t size) {
    Sha256 s;
    s.update(data, size);
    return s.hex();
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) { return sha256_hex(bytes.data(), bytes.size()); }

std::string sha256_file(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(ErrorKind::Input, "cannot open " + path.string());
    Sha256 s;
    std::vector<char> buf(1 << 16);
    while (f) {
        f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        s.update(buf.data(), static_cast<size_t>(f.gcount()));
    }
    return s.hex();
}

}  // namespace restora
