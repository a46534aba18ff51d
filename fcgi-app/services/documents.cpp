#include "services/documents.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <utility>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "log.hpp"
#include "render/packument.hpp"
#include "storage/db.hpp"
#include "storage/doc_file.hpp"
#include "storage/io_error.hpp"
#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace fs = std::filesystem;
namespace {

// Bump whenever render/packument.cpp writes other text: at start, files built
// by another format are dropped (as after a public_url change).
constexpr const char* kFormat = "depot-documents 2";  // 2: dist.signatures, attestations

constexpr const char* kFull = "full.json";
constexpr const char* kAbbreviated = "abbrev.corgi";
constexpr const char* kTrees[] = {"public", "private"};
// Proxied documents whose time is over (services/uplinks), dropped with the rest.
constexpr const char* kDroppedTrees[] = {"public", "private", "stale"};

const char* tree_of(const storage::PackageRow& pkg) {
    return pkg.access == "public" ? "public" : "private";
}

class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_{fd} {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_{o.fd_} { o.fd_ = -1; }
    Fd& operator=(Fd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    int get() const { return fd_; }

  private:
    int fd_ = -1;
};

[[noreturn]] void fail(const std::string& what) { storage::throw_io_error("documents", what); }

// An existing document of the package, in whichever tree it is.
struct Existing {
    Fd fd;
    std::optional<storage::DocMeta> meta;
    struct timespec mtime {};
};

Existing find_existing(const std::string& root, const std::string& name, const char* kind) {
    for (const char* tree : kTrees) {
        const auto base = root + "/" + tree + "/" + name + "/" + kind;
        Fd fd{::open((base + ".gz").c_str(), O_RDONLY | O_CLOEXEC)};
        if (fd.get() < 0) continue;
        Existing e;
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0) e.mtime = st.st_mtim;
        e.meta = storage::read_matching_meta(fd.get(), base + ".meta");
        e.fd = std::move(fd);
        return e;
    }
    return {};
}

// A temporary file in ROOT/.tmp; its path is deleted by Write unless moved.
Fd temp_file(const std::string& root, std::string& path) {
    const auto dir = root + "/.tmp";
    std::error_code ec;
    fs::create_directories(dir, ec);
    path = dir + "/doc-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0) fail("mkstemp in " + dir);
    ::fchmod(fd, 0644);
    return Fd{fd};
}

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// nginx's ETag is the file's mtime and size: a new document gets an mtime
// after the old one's, so two writes in one second never share an ETag.
void stamp_time(int fd, const struct timespec& old) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    struct timespec t[2];
    t[0].tv_sec = t[1].tv_sec = std::max(now.tv_sec, old.tv_sec + 1);
    t[0].tv_nsec = t[1].tv_nsec = 0;
    ::futimens(fd, t);
}

// Everything a document is built from, read in the caller's transaction.
struct Rows {
    render::PackumentInput in;
    std::optional<storage::VersionRow> newest;  // an appended version
    std::optional<storage::VersionRow> latest;  // the dist-tag latest's row
};

}  // namespace

void make_dirs(const fs::path& dir) {  // NOLINT(misc-no-recursion): one level per call
    std::error_code ec;
    if (dir.empty() || fs::is_directory(dir, ec)) return;
    make_dirs(dir.parent_path());
    if (::mkdir(dir.c_str(), 0755) == 0) ::chmod(dir.c_str(), 0755);
}

DocLock::DocLock(const std::string& root, const std::string& package_name)
    : DocLock(root, package_name, -1) {}

DocLock::DocLock(const std::string& root, const std::string& package_name, int wait_seconds) {
    const auto dir = root + "/locks";
    std::error_code ec;
    fs::create_directories(dir, ec);
    const auto path = dir + "/" + crypto::to_hex(crypto::sha256(package_name)).substr(0, 32);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("open " + path);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{wait_seconds};
    while (::flock(fd_, wait_seconds < 0 ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK && std::chrono::steady_clock::now() < deadline) {
            ::usleep(20000);
            continue;
        }
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK)
            throw unavailable("\"" + package_name + "\" is busy; retry shortly");
        fail("lock " + path);
    }
}

DocLock::~DocLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

Documents::Documents(const Config& config) : config_{config}, root_{config.document_dir} {}

Documents::Write::Write(const Documents& docs, std::string package_name)
    : docs_{docs}, name_{std::move(package_name)}, lock_{docs.root_, name_} {}

Documents::Write::~Write() {
    for (const auto& [from, to] : moves_) ::unlink(from.c_str());
}

void Documents::Write::prepare(storage::Db& db, DocChange change, const std::string& appended) {
    docs_.build(db, name_, change, appended, moves_);
}

void Documents::Write::publish() noexcept {
    for (const auto& [from, to] : moves_) {
        make_dirs(fs::path{to}.parent_path());
        if (::rename(from.c_str(), to.c_str()) != 0) {
            // No file: readers build it from the rows.
            log::error("documents: rename to " + to + ": " + std::strerror(errno));
            ::unlink(from.c_str());
        }
    }
    moves_.clear();
}

void Documents::build(storage::Db& db, const std::string& name, DocChange change,
                      const std::string& appended,
                      std::vector<std::pair<std::string, std::string>>& moves) const {
    const auto pkg = storage::PackageRepo{db}.find(name);
    const bool live = pkg && pkg->unpublished.empty();

    auto full_old = find_existing(root_, name, kFull);
    auto abbrev_old = find_existing(root_, name, kAbbreviated);
    std::vector<std::pair<std::string, std::string>> built;
    if (live) {
        Rows rows;
        auto& in = rows.in;
        in.package = *pkg;
        in.tags = storage::TagRepo{db}.list(pkg->id);
        in.owners = storage::PackageRepo{db}.list_owners(pkg->id);
        in.starred_by = storage::PackageRepo{db}.list_stargazers(pkg->id);
        in.public_url = config_.public_url;
        storage::VersionRepo versions{db};

        // Keep the version chains when both old files are whole and hold
        // exactly the versions the rows had before this write.
        bool keep = change != DocChange::Everything && full_old.meta && abbrev_old.meta &&
                    full_old.meta->chains.size() == 2 && abbrev_old.meta->chains.size() == 1 &&
                    full_old.meta->chains[0].count == abbrev_old.meta->chains[0].count &&
                    full_old.meta->chains[1].count == full_old.meta->chains[0].count;
        const std::uint64_t had = keep ? full_old.meta->chains[0].count : 0;
        if (keep) {
            const auto count = versions.count_live(pkg->id);
            if (change == DocChange::Appended) {
                rows.newest = versions.newest_live(pkg->id);
                keep = rows.newest && rows.newest->version == appended && count == had + 1;
            } else {
                keep = count == had;
            }
        }
        std::string latest_version;
        for (const auto& t : in.tags) {
            if (t.tag == "latest") latest_version = t.version;
        }
        const storage::VersionRow* latest = nullptr;
        if (keep) {
            if (!latest_version.empty()) rows.latest = versions.find(pkg->id, latest_version);
            if (!rows.latest) rows.latest = versions.newest_live(pkg->id);
            if (rows.latest) latest = &*rows.latest;
        } else {
            in.versions = versions.list_for_document(pkg->id);
            latest = render::latest_version(in);
        }

        storage::DocPlan full;
        storage::DocPlan abbrev;
        full.fixed = {render::full_head(in, latest), render::full_middle(in),
                      render::full_tail(in)};
        abbrev.fixed = {render::abbreviated_head(in), std::string{render::kAbbreviatedTail}};
        full.chains.resize(2);
        abbrev.chains.resize(1);
        if (keep) {
            full.chains[0].append = full.chains[1].append = abbrev.chains[0].append = true;
            if (rows.newest && change == DocChange::Appended) {
                full.chains[0].pieces.push_back(render::full_version(in, *rows.newest, had == 0));
                full.chains[1].pieces.push_back(render::time_entry(*rows.newest));
                abbrev.chains[0].pieces.push_back(
                    render::abbreviated_version(in, *rows.newest, had == 0));
            }
        } else {
            bool first = true;
            for (const auto& v : in.versions) {
                full.chains[0].pieces.push_back(render::full_version(in, v, first));
                full.chains[1].pieces.push_back(render::time_entry(v));
                abbrev.chains[0].pieces.push_back(render::abbreviated_version(in, v, first));
                first = false;
            }
        }

        const std::string dir = root_ + "/" + tree_of(*pkg) + "/" + name + "/";
        const auto write_one = [&](const storage::DocPlan& plan, Existing& old, const char* kind) {
            std::string gz_path;
            std::string meta_path;
            const auto gz = temp_file(root_, gz_path);
            built.emplace_back(gz_path, dir + kind + ".gz");
            storage::OldDoc od;
            if (old.meta) od = {old.fd.get(), *old.meta};
            const auto meta = storage::write_document(gz.get(), plan, keep ? &od : nullptr);
            if (std::string{kind} == kFull && meta.ulen > config_.max_document_bytes) {
                for (const auto& [from, to] : built) ::unlink(from.c_str());
                throw payload_too_large("the document of \"" + name + "\" would be " +
                                        std::to_string(meta.ulen) +
                                        " bytes, over this registry's limit of " +
                                        std::to_string(config_.max_document_bytes) +
                                        "; unpublish or deprecate old versions elsewhere first");
            }
            stamp_time(gz.get(), old.mtime);
            if (::fsync(gz.get()) != 0) fail("fsync");
            const auto mfd = temp_file(root_, meta_path);
            built.emplace_back(meta_path, dir + kind + ".meta");
            write_all(mfd.get(), storage::encode_meta(meta));
        };
        try {
            write_one(full, full_old, kFull);
            write_one(abbrev, abbrev_old, kAbbreviated);
        } catch (...) {
            for (const auto& [from, to] : built) ::unlink(from.c_str());
            throw;
        }
    }

    // The old files go before the commit: from here until the new ones are
    // in place, readers build from the rows (and wait for our lock).
    // A file that cannot be taken down fails the write (it rolls back): a
    // public file must never outlive a change to restricted.
    const auto take_down = [&](const std::string& path) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            for (const auto& [from, to] : built) ::unlink(from.c_str());
            fail("take down " + path);
        }
    };
    for (const char* tree : kTrees) {
        for (const char* kind : {kFull, kAbbreviated}) {
            const auto base = root_ + "/" + tree + "/" + name + "/" + kind;
            take_down(base + ".gz");
            take_down(base + ".meta");
        }
    }
    // Tarballs nginx sends by itself: gone when the package is no longer
    // public or versions went; the first download links them again.
    if (!live || pkg->access != "public" || change == DocChange::Everything) {
        std::error_code ec;
        fs::remove_all(root_ + "/public/" + name + "/-", ec);
        if (ec) {
            for (const auto& [from, to] : built) ::unlink(from.c_str());
            throw std::runtime_error("documents: cannot take down the public tarballs of " + name +
                                     ": " + ec.message());
        }
    }
    for (auto& m : built) moves.push_back(std::move(m));
}

std::string Documents::locate(storage::Db& db, const storage::PackageRow& pkg,
                              bool abbreviated) const {
    const char* kind = abbreviated ? kAbbreviated : kFull;
    const auto rel = std::string{tree_of(pkg)} + "/" + pkg.name + "/" + kind;
    struct stat st {};
    if (::stat((root_ + "/" + rel + ".gz").c_str(), &st) == 0) return rel;

    Write w{*this, pkg.name};
    const auto now = storage::PackageRepo{db}.find(pkg.name);
    if (!now || !now->unpublished.empty() || now->id != pkg.id)
        throw not_found("package \"" + pkg.name + "\" not found");
    // Access changed while we waited: the caller's check is stale.
    if (now->access != pkg.access) throw unavailable("the package changed; try again");
    if (::stat((root_ + "/" + rel + ".gz").c_str(), &st) == 0) return rel;
    w.prepare(db, DocChange::Everything);
    w.publish();
    return rel;
}

void Documents::expose_tarball(storage::Db& db, const std::string& package_name,
                               const std::string& version, const std::string& file) const noexcept {
    try {
        const DocLock lock{root_, package_name};
        const auto pkg = storage::PackageRepo{db}.find(package_name);
        if (!pkg || !pkg->unpublished.empty() || pkg->access != "public") return;
        const auto v = storage::VersionRepo{db}.find(pkg->id, version);
        if (!v || !v->unpublished_at.empty() || v->tarball_key.empty()) return;
        const auto dir = root_ + "/public/" + package_name + "/-";
        make_dirs(dir);
        const auto from = config_.tarball_dir + "/" + v->tarball_key;
        const auto to = dir + "/" + file;
        // Linked aside and renamed over whatever is there: a file an uplink
        // once gave for this name never stays in place of the local one.
        const auto aside = dir + "/.link-" + std::to_string(::getpid()) + "-" + file;
        ::unlink(aside.c_str());
        if (::link(from.c_str(), aside.c_str()) != 0 && errno == EXDEV) {
            ::symlink(from.c_str(), aside.c_str());  // another file system: nginx follows it
        }
        if (::rename(aside.c_str(), to.c_str()) != 0) ::unlink(aside.c_str());
    } catch (const std::exception& e) {
        log::warn(std::string{"documents: cannot expose a tarball: "} + e.what());
    }
}

// What the stored bytes depend on besides the rows: the format, the public
// URL, whether depot signs, and each uplink's signatures policy (a change
// drops them all; readers build them again, proxied ones from the raw copy).
std::string Documents::stamp() const {
    std::string policies = config_.signing_kek.empty() ? "unsigned" : "signed";
    for (const auto& u : config_.uplinks) policies += " " + u.name + "=" + u.signatures;
    return std::string{kFormat} + "\n" + config_.public_url + "\n" +
           crypto::to_hex(crypto::sha256(policies)).substr(0, 16) + "\n";
}

bool Documents::drop_if_stale() const {
    const auto path = root_ + "/STAMP";
    std::string current;
    if (const Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)}; fd.get() >= 0) {
        char buf[4096];
        const auto n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0) current.assign(buf, static_cast<std::size_t>(n));
    }
    if (current == stamp()) return false;
    drop_all();
    std::string tmp;
    {
        const auto fd = temp_file(root_, tmp);
        write_all(fd.get(), stamp());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        fail("rename " + path);
    }
    return true;
}

void Documents::drop_all() const {
    std::error_code ec;
    fs::create_directories(root_ + "/.tmp", ec);
    for (const char* tree : kDroppedTrees) {
        const auto from = root_ + "/" + tree;
        const auto to = root_ + "/.tmp/dropped-" + std::to_string(::getpid()) + "-" + tree + "-" +
                        std::to_string(std::time(nullptr));
        if (::rename(from.c_str(), to.c_str()) == 0) fs::remove_all(to, ec);
    }
}

int Documents::clean_orphans(int age_seconds) const {
    int removed = 0;
    std::error_code ec;
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds{age_seconds};
    for (const auto& e : fs::directory_iterator{root_ + "/.tmp", ec}) {
        if (e.last_write_time(ec) > cutoff) continue;
        removed += static_cast<int>(fs::remove_all(e.path(), ec) > 0);
    }
    return removed;
}

}  // namespace depot::services
