#include "services/tarball_contents.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "error.hpp"
#include "http/uri.hpp"

namespace depot::services {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPackageJson = 1 << 20;
constexpr std::size_t kBlock = 512;
constexpr std::uint64_t kMaxPax = 64 << 10;

// The raw tar stream, block by block, read the strict way (review of issue
// 8): libarchive reads what depot checks, node-tar (npm's extractor) what is
// installed, and the two differ on headers that are not canonical. So every
// header must be one both read alike: a right unsigned checksum, the POSIX
// "ustar\0" "00" or GNU "ustar  \0" magic, the types npm writes (files,
// directories, per-file pax headers), no link name on a file, no size on a
// directory, names that are UTF-8 with nothing after their NUL, pax records
// with the keys node-tar writes and no newline or NUL in a value (a pax size
// must equal the header's), and nothing after the first zero block. The
// entries it reads are then compared with libarchive's, one by one.
class TarShape {
  public:
    struct Entry {
        std::string path;
        bool dir = false;
        std::uint64_t size = 0;
    };

    // False once the archive is not canonical; problem() says why.
    bool feed(const char* p, std::size_t n) {
        while (n > 0 && problem_.empty()) {
            if (skip_ > 0) {
                const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, n));
                if (pax_left_ > 0) {
                    const auto keep =
                        static_cast<std::size_t>(std::min<std::uint64_t>(pax_left_, take));
                    pax_.append(p, keep);
                    pax_left_ -= keep;
                    if (pax_left_ == 0) read_pax();
                }
                skip_ -= take;
                p += take;
                n -= take;
                continue;
            }
            const auto take = std::min(kBlock - have_, n);
            std::memcpy(block_.data() + have_, p, take);
            have_ += take;
            p += take;
            n -= take;
            if (have_ == kBlock) {
                have_ = 0;
                header();
            }
        }
        return problem_.empty();
    }
    const std::string& problem() const { return problem_; }
    const std::vector<Entry>& entries() const { return entries_; }

  private:
    std::string_view field(std::size_t at, std::size_t len) const {
        return {block_.data() + at, len};
    }

    // A NUL-terminated text field: nothing but NULs after its end, UTF-8 before.
    bool text(std::size_t at, std::size_t len, std::string& out) const {
        const auto f = field(at, len);
        const auto end = f.find('\0');
        out = std::string{f.substr(0, end)};
        if (end != std::string_view::npos &&
            f.find_first_not_of('\0', end) != std::string_view::npos) {
            return false;
        }
        return http::valid_utf8(out);
    }

    // An octal number field (leading spaces, then digits, then spaces or NULs).
    bool octal(std::size_t at, std::size_t len, std::uint64_t& out) const {
        out = 0;
        std::size_t i = at;
        while (i < at + len && block_[i] == ' ') ++i;
        for (; i < at + len && block_[i] >= '0' && block_[i] <= '7'; ++i)
            out = out * 8 + static_cast<std::uint64_t>(block_[i] - '0');
        for (; i < at + len; ++i) {
            if (block_[i] != ' ' && block_[i] != 0) return false;
        }
        return true;
    }

    void fail(std::string why) { problem_ = std::move(why); }

    void header() {
        if (std::all_of(block_.begin(), block_.end(), [](char c) { return c == 0; })) {
            ended_ = true;
            return;
        }
        if (ended_) return fail("has data after the end of the archive");
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < kBlock; ++i) {
            sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block_[i]);
        }
        std::uint64_t stored = 0;
        if (!octal(148, 8, stored) || stored != sum)
            return fail("has a header with a wrong checksum");
        const auto magic = field(257, 8);
        const bool posix = magic == std::string_view{
                                        "ustar\0"
                                        "00",
                                        8};
        if (!posix && magic != std::string_view{"ustar  \0", 8}) {
            return fail("has a header that is not POSIX or GNU tar");
        }
        const char type = block_[156];
        std::uint64_t size = 0;
        if (!octal(124, 12, size)) return fail("has an entry size that is not octal");
        if (type == 'x') {
            if (pending_pax_) return fail("has two pax headers for one entry");
            if (size > kMaxPax) return fail("has a pax header larger than 64 KiB");
            pax_.clear();
            pax_path_.reset();
            pax_size_.reset();
            pending_pax_ = true;
            pax_left_ = size;
            if (size == 0) read_pax();
            skip_ = (size + kBlock - 1) / kBlock * kBlock;
            return;
        }
        if (type != '0' && type != '\0' && type != '5') {
            return fail(std::string{"has an entry of a type npm does not write ("} +
                        (type >= 0x21 && type < 0x7f ? std::string(1, type) : "?") +
                        "): only files and directories");
        }
        std::string name, prefix, link;
        if (!text(0, 100, name) || !text(157, 100, link) || (posix && !text(345, 155, prefix))) {
            return fail("has a name that is not UTF-8 text");
        }
        if (!link.empty()) return fail("has a file with a link name");
        std::string path = prefix.empty() ? name : prefix + "/" + name;
        if (pax_path_) path = *pax_path_;
        if (pax_size_ && *pax_size_ != size)
            return fail("has a pax size that differs from its header");
        const bool dir = type == '5' || path.ends_with("/");
        if (dir && (size != 0 || type != '5' || !path.ends_with("/"))) {
            return fail("has a directory entry that is not plainly one (" + path.substr(0, 200) +
                        ")");
        }
        pending_pax_ = false;
        pax_path_.reset();
        pax_size_.reset();
        entries_.push_back({path, dir, size});
        skip_ = (size + kBlock - 1) / kBlock * kBlock;
    }

    // "LEN key=value\n" records, with the keys node-tar writes.
    void read_pax() {
        std::string_view rest = pax_;
        while (!rest.empty() && problem_.empty()) {
            const auto sp = rest.find(' ');
            std::size_t len = 0;
            if (sp == std::string_view::npos || sp == 0) return fail("has a malformed pax header");
            for (const char c : rest.substr(0, sp)) {
                if (c < '0' || c > '9' || len > kMaxPax) return fail("has a malformed pax header");
                len = len * 10 + static_cast<std::size_t>(c - '0');
            }
            if (len <= sp + 2 || len > rest.size() || rest[len - 1] != '\n') {
                return fail("has a malformed pax header");
            }
            const auto record = rest.substr(sp + 1, len - sp - 2);
            const auto eq = record.find('=');
            if (eq == std::string_view::npos) return fail("has a malformed pax header");
            const auto key = record.substr(0, eq);
            const auto value = record.substr(eq + 1);
            if (value.find_first_of(std::string_view{"\n\0", 2}) != std::string_view::npos ||
                !http::valid_utf8(value)) {
                return fail("has a pax value with a newline, a NUL or bytes that are not UTF-8");
            }
            static constexpr std::array<std::string_view, 14> kKeys{
                "path",  "mtime", "atime", "ctime", "uid",   "gid",     "uname",
                "gname", "size",  "dev",   "ino",   "nlink", "charset", "comment"};
            if (key == "linkpath" && value.empty()) {
                // node-tar writes an empty one
            } else if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
                return fail("has a pax header key npm does not write (" +
                            std::string{key.substr(0, 40)} + ")");
            } else if (key == "path") {
                pax_path_ = std::string{value};
            } else if (key == "size") {
                std::uint64_t n = 0;
                for (const char c : value) {
                    if (c < '0' || c > '9' || n > (1ull << 50))
                        return fail("has a malformed pax size");
                    n = n * 10 + static_cast<std::uint64_t>(c - '0');
                }
                pax_size_ = n;
            }
            rest.remove_prefix(len);
        }
    }

    std::array<char, kBlock> block_{};
    std::size_t have_ = 0;
    std::uint64_t skip_ = 0;
    std::uint64_t pax_left_ = 0;
    std::string pax_;
    bool pending_pax_ = false;
    std::optional<std::string> pax_path_;
    std::optional<std::uint64_t> pax_size_;
    bool ended_ = false;
    std::string problem_;
    std::vector<Entry> entries_;
};

// package/<path> with no empty, "." or ".." component: one spelling per file
// ("package/" itself is the top directory's entry).
bool canonical_path(std::string_view path) {
    if (path == "package/") return true;
    if (!path.starts_with("package/")) return false;
    std::string_view rest = path.substr(8);
    if (rest.ends_with("/")) rest.remove_suffix(1);  // a directory entry
    while (true) {
        const auto slash = rest.find('/');
        const auto part = rest.substr(0, slash);
        if (part.empty() || part == "." || part == ".." ||
            part.find('\\') != std::string_view::npos)
            return false;
        if (slash == std::string_view::npos) return true;
        rest.remove_prefix(slash + 1);
    }
}

// gzip in, tar bytes out, counted: libarchive's read callback.
class Inflater {
  public:
    Inflater(std::string_view in, std::uint64_t limit, Clock::time_point deadline)
        : limit_{limit}, deadline_{deadline} {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2");
    }
    ~Inflater() { inflateEnd(&z_); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    enum class Stop { None, TooLarge, TooSlow, Damaged, NotCanonical };
    Stop stop() const { return stop_; }
    std::uint64_t total() const { return total_; }

    // A chunk of inflated bytes: >0 bytes, 0 at the end, -1 on a stop.
    la_ssize_t next(const void** buf) {
        if (Clock::now() > deadline_) return halt(Stop::TooSlow);
        z_.next_out = reinterpret_cast<Bytef*>(out_.data());
        z_.avail_out = static_cast<uInt>(out_.size());
        while (z_.avail_out == out_.size() && !done_) {
            const int rc = inflate(&z_, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                // Another gzip member may follow, as gunzip and node read it.
                if (z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b) {
                    inflateReset(&z_);
                } else {
                    done_ = true;
                }
            } else if (rc != Z_OK) {
                return halt(Stop::Damaged);  // corrupt, or cut short (Z_BUF_ERROR: no more input)
            }
        }
        const auto n = out_.size() - z_.avail_out;
        total_ += n;
        if (total_ > limit_) return halt(Stop::TooLarge);
        if (!shape_.feed(out_.data(), n)) return halt(Stop::NotCanonical);
        *buf = out_.data();
        return static_cast<la_ssize_t>(n);
    }

    // libarchive stops at the first zero block; node-tar may read on. The
    // rest of the stream goes through the shape check (within the budget).
    void drain() {
        const void* buf = nullptr;
        while (stop_ == Stop::None && next(&buf) > 0) {
        }
    }
    const std::string& shape_problem() const { return shape_.problem(); }
    const std::vector<TarShape::Entry>& shape_entries() const { return shape_.entries(); }

  private:
    la_ssize_t halt(Stop s) {
        stop_ = s;
        return -1;
    }

    z_stream z_{};
    std::array<char, 1 << 16> out_{};
    std::uint64_t total_ = 0;
    const std::uint64_t limit_;
    const Clock::time_point deadline_;
    bool done_ = false;
    Stop stop_ = Stop::None;
    TarShape shape_;
};

la_ssize_t read_inflated(archive*, void* self, const void** buf) {
    return static_cast<Inflater*>(self)->next(buf);
}

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};

[[noreturn]] void refuse(const Inflater& z, const Config& config, std::string_view what,
                         std::string_view otherwise) {
    const std::string w{what};
    switch (z.stop()) {
        case Inflater::Stop::TooLarge:
            throw HttpError(413, w + " inflates to more than " +
                                     std::to_string(config.tarball_max_inflated >> 20) +
                                     " MiB, the most this registry reads");
        case Inflater::Stop::TooSlow:
            throw bad_request(w + " took longer than " +
                              std::to_string(config.tarball_max_seconds) + " s to read");
        case Inflater::Stop::Damaged:
            throw bad_request(w + " is not a complete gzip stream (damaged or cut short)");
        case Inflater::Stop::NotCanonical:
            throw bad_request(w + " " + z.shape_problem());
        case Inflater::Stop::None:
            break;
    }
    throw bad_request(w + " " + std::string{otherwise});
}

}  // namespace

TarballContents read_tarball(const Config& config, std::string_view bytes, std::string_view what) {
    const std::string w{what};
    if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1f ||
        static_cast<unsigned char>(bytes[1]) != 0x8b) {
        throw bad_request(w + " is not gzip-compressed");
    }
    Inflater z{bytes, config.tarball_max_inflated,
               Clock::now() + std::chrono::seconds(config.tarball_max_seconds)};
    const std::unique_ptr<archive, ArchiveFree> a{archive_read_new()};
    archive_read_support_format_tar(a.get());  // ustar, pax and GNU tar; nothing else
    if (archive_read_open(a.get(), &z, nullptr, read_inflated, nullptr) != ARCHIVE_OK) {
        refuse(z, config, what, "is not a tar archive");
    }
    TarballContents out;
    bool have_json = false;
    std::uint64_t entries = 0;
    std::set<std::string> seen;         // lower-cased: one file per name on any disk
    std::vector<TarShape::Entry> read;  // libarchive's view, to compare with the raw scan
    for (;;) {
        archive_entry* entry = nullptr;
        const int rc = archive_read_next_header(a.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            refuse(z, config, what, "is not a readable tar archive");
        if (++entries > config.tarball_max_entries) {
            throw bad_request(w + " has more than " + std::to_string(config.tarball_max_entries) +
                              " entries");
        }
        const char* raw = archive_entry_pathname(entry);
        const std::string_view path = raw ? raw : "";
        const auto type = archive_entry_filetype(entry);
        // One canonical spelling per file, files and directories only, each
        // once: what npm extracts is then what depot read (review of issue 8).
        if (!canonical_path(path)) {
            throw bad_request(w + " has an entry outside package/ or a path with //, . or .. (" +
                              std::string{path.substr(0, 200)} + ")");
        }
        if ((type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(entry) != nullptr) {
            throw bad_request(w + " has a link or special file (" +
                              std::string{path.substr(0, 200)} + "): only files and directories");
        }
        std::string key{path};
        if (key.ends_with("/")) key.pop_back();
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!seen.insert(key).second) {
            throw bad_request(w + " has " + std::string{path.substr(0, 200)} +
                              " twice (or in two letter cases)");
        }
        read.push_back({std::string{path}, type == AE_IFDIR,
                        archive_entry_size_is_set(entry) != 0
                            ? static_cast<std::uint64_t>(archive_entry_size(entry))
                            : 0});
        if (type == AE_IFREG) out.files.emplace_back(path.substr(8));
        if (path == "package/package.json" && type == AE_IFREG) {
            const auto size = archive_entry_size(entry);
            if (size < 0 || static_cast<std::uint64_t>(size) > kMaxPackageJson) {
                throw bad_request("package/package.json in " + w + " is larger than 1 MiB");
            }
            std::string json(static_cast<std::size_t>(size), '\0');
            if (archive_read_data(a.get(), json.data(), json.size()) != size) {
                refuse(z, config, what, "has a package/package.json that cannot be read");
            }
            out.package_json = std::move(json);
            have_json = true;
        } else if (archive_read_data_skip(a.get()) != ARCHIVE_OK) {
            refuse(z, config, what, "is damaged");
        }
    }
    z.drain();
    if (z.stop() != Inflater::Stop::None) refuse(z, config, what, "");
    // The strict scan and libarchive must have read the same entries, or a
    // tar reader somewhere (npm's) may read yet another thing.
    const auto& scanned = z.shape_entries();
    const bool same =
        scanned.size() == read.size() &&
        std::equal(scanned.begin(), scanned.end(), read.begin(),
                   [](const TarShape::Entry& x, const TarShape::Entry& y) {
                       return x.path == y.path && x.dir == y.dir && (x.dir || x.size == y.size);
                   });
    if (!same) throw bad_request(w + " reads differently in two tar readers: it is not canonical");
    if (!have_json) throw bad_request(w + " has no package/package.json");
    return out;
}

}  // namespace depot::services
