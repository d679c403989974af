#include "restora/core/safe_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "restora/models/errors.h"

namespace restora {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

const char* kind_of(mode_t m) {
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

[[noreturn]] void not_regular(const fs::path& path, mode_t m) {
    throw Error(ErrorKind::Input, path.string() + " is " + kind_of(m) +
                                      ", not a file; Restora reads only regular files (copy it to a file first)");
}

[[noreturn]] void stat_failed(const fs::path& path, int e) {
    if (e == ENOENT) throw Error(ErrorKind::Input, path.string() + ": no such file");
    if (e == ELOOP) throw Error(ErrorKind::Input, path.string() + ": too many symbolic links (a link loop?)");
    throw Error(ErrorKind::Input, path.string() + ": cannot be read (" + errno_text(e) + "); check its permissions");
}

// A short name (well under 255 bytes whatever the output's length), unpredictable enough that
// planting a link in advance is pointless; O_EXCL makes the create fail rather than follow one.
std::string temp_name() {
    static std::atomic<unsigned> counter{0};
    static const unsigned seed = std::random_device{}();
    char buf[64];
    std::snprintf(buf, sizeof buf, ".restora-%d-%u-%08x.tmp", static_cast<int>(::getpid()), counter++,
                  seed ^ static_cast<unsigned>(std::random_device{}()));
    return buf;
}

// Flushes the folder's entries (the rename) to disk. Returns 0, or the errno of a real failure.
// Not failures: a folder that cannot be opened for reading (a write-only folder: nothing can be
// flushed, the rename stands) and filesystems that do not flush folders (EINVAL, ENOTSUP, EROFS).
int fsync_folder(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int e = 0;
    while (::fsync(fd) != 0) {
        e = errno;
        if (e != EINTR) break;
        e = 0;
    }
    ::close(fd);
    return e == EINVAL || e == ENOTSUP || e == EROFS ? 0 : e;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

void check_regular_file(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) stat_failed(path, errno);
    if (!S_ISREG(st.st_mode)) not_regular(path, st.st_mode);
}

std::vector<uint8_t> read_regular_file(const fs::path& path, uint64_t max_bytes, bool whole) {
    check_regular_file(path);
    // O_NONBLOCK: were the name swapped for a FIFO after the check, open must not wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) stat_failed(path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        not_regular(path, st.st_mode);
    }
    const auto size = static_cast<uint64_t>(st.st_size);
    if (whole && size > max_bytes) {
        ::close(fd);
        throw Error(ErrorKind::Input, path.string() + " is " + std::to_string(size >> 20) +
                                          " MiB, more than its image header can account for (" +
                                          std::to_string(max_bytes >> 20) + " MiB); the file is damaged");
    }
    std::vector<uint8_t> bytes(static_cast<size_t>(std::min(size, max_bytes)));
    size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int e = errno;
            ::close(fd);
            throw Error(ErrorKind::Input, path.string() + ": read error (" + errno_text(e) + ")");
        }
        if (n == 0) break;  // shrank while reading
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    bytes.resize(got);
    return bytes;
}

void check_not_an_input(const fs::path& out, const std::vector<fs::path>& inputs) {
    struct stat o {};
    if (::stat(out.c_str(), &o) != 0) return;  // a file that does not exist is no input
    for (const auto& in : inputs) {
        struct stat i {};
        if (in.empty() || ::stat(in.c_str(), &i) != 0) continue;
        if (same_file(o, i)) {
            throw Error(ErrorKind::Usage, "the output " + out.string() + " is the input " + in.string() +
                                              "; Restora never writes over one of its inputs, whatever the flags");
        }
    }
}

bool write_file_safely(const fs::path& out, const std::vector<uint8_t>& bytes, IfExists if_exists,
                       const std::vector<fs::path>& protect) {
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    auto fail = [&](const std::string& what, int e) -> Error {
        return Error(ErrorKind::Processing, "cannot write " + out.string() + ": " + what + " (" + errno_text(e) +
                                                "); nothing was written. Free space or choose another output");
    };
    fs::path tmp;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        tmp = dir / temp_name();
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) throw fail("creating a temp file in " + dir.string(), errno);
    }
    if (fd < 0) throw fail("creating a temp file in " + dir.string(), EEXIST);
    auto abandon = [&](const std::string& what, int e) -> Error {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        return fail(what, e);
    };
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw abandon("writing failed", n < 0 ? errno : ENOSPC);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) throw abandon("flushing to disk failed", errno);
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) throw abandon("closing failed", errno);

    if (if_exists == IfExists::Replace) {
        try {
            check_not_an_input(out, protect);  // again, right before the rename
        } catch (...) {
            ::unlink(tmp.c_str());
            throw;
        }
        if (::rename(tmp.c_str(), out.c_str()) != 0) throw abandon("renaming the temp file into place failed", errno);
    } else {
        // Atomic no-replace: of two runs writing the same new output, exactly one wins.
        int r = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE);
        int e = r != 0 ? errno : 0;
        if (r != 0 && (e == EINVAL || e == ENOSYS || e == ENOTSUP)) {
            // Filesystems without RENAME_NOREPLACE: link fails when the name exists, atomically too.
            r = ::link(tmp.c_str(), out.c_str());
            e = r != 0 ? errno : 0;
            if (r == 0) ::unlink(tmp.c_str());
        }
        if (r != 0) {
            ::unlink(tmp.c_str());
            if (e == EEXIST) {
                if (if_exists == IfExists::Keep) return false;
                throw Error(ErrorKind::Usage, out.string() + " exists; pass --overwrite to replace it");
            }
            throw fail("renaming the temp file into place failed", e);
        }
    }
    // The output is complete (its data was flushed) but its name may not be on disk yet. A new
    // output is taken back: the run failed and leaves nothing. A replaced one stays (the old file
    // is gone already): the message says so.
    if (const int e = fsync_folder(dir); e != 0) {
        if (if_exists == IfExists::Replace) {
            throw Error(ErrorKind::Processing, "flushing the folder of " + out.string() + " failed (" + errno_text(e) +
                                                   "); the output was replaced but may not survive a crash");
        }
        ::unlink(out.c_str());
        fsync_folder(dir);
        throw fail("flushing its folder failed after the rename", e);
    }
    return true;
}

}  // namespace restora
