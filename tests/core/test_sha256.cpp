// SHA-256 (libcrypto behind restora/core/sha256.h) against the FIPS 180-4 example vectors.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "restora/core/sha256.h"
#include "restora/models/errors.h"
#include "test_util.h"

using namespace restora;

TEST(Sha256, FipsVectors) {
    EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(sha256_hex(two_blocks.data(), two_blocks.size()),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::vector<uint8_t> bytes = {'a', 'b', 'c'};
    EXPECT_EQ(sha256_hex(bytes), sha256_hex("abc", 3));
}

TEST(Sha256, FilesHashAsTheirBytesAcrossReadBuffers) {
    test::TempDir dir;
    const std::string million(1000000, 'a');  // longer than one 64 KiB read
    std::ofstream(dir / "a.bin", std::ios::binary).write(million.data(), static_cast<std::streamsize>(million.size()));
    EXPECT_EQ(sha256_file(dir / "a.bin"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    std::ofstream(dir / "empty.bin", std::ios::binary).close();
    EXPECT_EQ(sha256_file(dir / "empty.bin"), sha256_hex("", 0));
}

TEST(Sha256, AMissingFileIsAnInputError) {
    test::TempDir dir;
    try {
        (void)sha256_file(dir / "none.bin");
        FAIL() << "a missing file must be refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Input);
    }
}
