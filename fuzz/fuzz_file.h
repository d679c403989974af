#pragma once
// The fuzz input as a file: the loader and the metadata reader take paths, as restora-cli gives
// them. One file per process in $TMPDIR (or /tmp), rewritten for each input.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace fuzz {

class TempFile {
  public:
    TempFile(const uint8_t* data, size_t size) {
        const char* tmp = std::getenv("TMPDIR");
        path_ = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
                ("restora-fuzz-" + std::to_string(::getpid()) + ".input");
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) std::abort();
        for (size_t done = 0; done < size;) {
            const ssize_t n = ::write(fd, data + done, size - done);
            if (n <= 0) std::abort();
            done += static_cast<size_t>(n);
        }
        ::close(fd);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace fuzz
