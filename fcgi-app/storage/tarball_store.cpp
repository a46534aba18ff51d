#include "storage/tarball_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "storage/io_error.hpp"

namespace depot::storage {
namespace fs = std::filesystem;

namespace {

class Fd {
  public:
    explicit Fd(int fd) : fd_{fd} {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// Relative, and no empty, "." or ".." segment: a key never leaves the root.
bool valid_key(std::string_view key) {
    if (key.empty() || key.front() == '/' || key.find('\0') != std::string_view::npos) return false;
    std::size_t start = 0;
    while (true) {
        const auto slash = key.find('/', start);
        const auto seg = key.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

[[noreturn]] void fail(const std::string& what) { storage::throw_io_error("tarball store", what); }

void fsync_dir(const fs::path& dir) {
    const Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.get() >= 0) ::fsync(d.get());
}

}  // namespace

LocalDiskStore::LocalDiskStore(std::string root) : root_{std::move(root)} {}

bool LocalDiskStore::put(const std::string& key, std::string_view bytes) {
    if (!valid_key(key)) throw std::invalid_argument("tarball store: bad key " + key);
    const fs::path final_path = fs::path{root_} / key;
    const fs::path tmp_dir = fs::path{root_} / ".tmp";
    std::error_code ec;
    fs::create_directories(final_path.parent_path(), ec);
    fs::create_directories(tmp_dir, ec);
    std::string tmpl = (tmp_dir / "put-XXXXXX").string();
    const int raw = ::mkstemp(tmpl.data());
    if (raw < 0) fail("mkstemp");
    const Fd fd{raw};
    struct Unlink {  // the temp name goes in every case; the final name is a link
        const std::string& path;
        ~Unlink() { ::unlink(path.c_str()); }
    } unlink_guard{tmpl};
    ::fchmod(fd.get(), 0644);
    std::size_t off = 0;
    while (off < bytes.size()) {
        const auto n = ::write(fd.get(), bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) fail("fsync");
    // link(), not rename(): an existing file under this content-addressed key
    // has these very bytes and may belong to a committed version; it is
    // never replaced, and the caller learns that it did not create it.
    if (::link(tmpl.c_str(), final_path.c_str()) != 0) {
        if (errno == EEXIST) return false;
        fail("link");
    }
    fsync_dir(final_path.parent_path());
    return true;
}

bool LocalDiskStore::remove(const std::string& key) noexcept {
    if (!valid_key(key) || removals_paused()) return false;
    ::unlink((fs::path{root_} / key).c_str());
    return true;
}

bool LocalDiskStore::exists(const std::string& key) const noexcept {
    struct stat st {};
    return valid_key(key) && ::stat((fs::path{root_} / key).c_str(), &st) == 0 &&
           S_ISREG(st.st_mode);
}

bool LocalDiskStore::removals_paused() const noexcept {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator{fs::path{root_} / kBackupMarkers, ec}) {
        struct stat st {};
        if (::stat(e.path().c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime < 6 * 3600)
            return true;
    }
    return false;
}

std::string LocalDiskStore::accel_uri(const std::string& key, bool is_public) const {
    return std::string{is_public ? kAccelPrefix : kPrivateAccelPrefix} + key;
}

int LocalDiskStore::clean_orphans(int age_seconds) {
    int removed = 0;
    std::error_code ec;
    const fs::path tmp_dir = fs::path{root_} / ".tmp";
    // Old enough that no live write (on this host or another sharing the
    // store) can still own it.
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds{age_seconds};
    for (const auto& e : fs::directory_iterator{tmp_dir, ec}) {
        if (!e.is_regular_file(ec) || e.last_write_time(ec) > cutoff) continue;
        if (::unlink(e.path().c_str()) == 0) ++removed;
    }
    return removed;
}

}  // namespace depot::storage
