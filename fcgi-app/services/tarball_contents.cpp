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
#include <set>
#include <string>

#include "config.hpp"
#include "error.hpp"

namespace depot::services {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPackageJson = 1 << 20;
constexpr std::size_t kBlock = 512;
constexpr std::uint64_t kMaxPax = 64 << 10;

// The raw tar stream, block by block, as node-tar (npm's extractor) reads
// it, checked beside libarchive (review of issue 8): only the entry types npm
// writes (regular files, directories, per-file pax headers with the usual
// keys), octal sizes, and nothing but zero blocks after the first zero block.
// Whatever two tar readers could read differently (unknown types that one
// reads as files and the other skips, data after an end marker, GNU long
// names, global headers, pax size overrides) is refused.
class TarShape {
  public:
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
                    if (pax_left_ == 0) check_pax();
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

  private:
    void header() {
        const bool zero = std::all_of(block_.begin(), block_.end(), [](char c) { return c == 0; });
        if (zero) {
            ended_ = true;
            return;
        }
        if (ended_) {
            problem_ = "has data after the end of the archive";
            return;
        }
        const char type = block_[156];
        if (type != '0' && type != '\0' && type != '5' && type != 'x') {
            problem_ = std::string{"has an entry of a type npm does not write ("} +
                       (type >= 0x21 && type < 0x7f ? std::string(1, type) : "?") +
                       "): only files and directories";
            return;
        }
        std::uint64_t size = 0;
        std::size_t i = 124;
        while (i < 136 && block_[i] == ' ') ++i;
        for (; i < 136 && block_[i] >= '0' && block_[i] <= '7'; ++i) {
            size = size * 8 + static_cast<std::uint64_t>(block_[i] - '0');
        }
        for (; i < 136; ++i) {
            if (block_[i] != ' ' && block_[i] != 0) {
                problem_ = "has an entry size that is not octal";
                return;
            }
        }
        if (type == 'x') {
            if (size > kMaxPax) {
                problem_ = "has a pax header larger than 64 KiB";
                return;
            }
            pax_.clear();
            pax_left_ = size;
            if (size == 0) check_pax();
        }
        skip_ = (size + kBlock - 1) / kBlock * kBlock;
    }

    // "LEN key=value\n" records; keys node-tar and libarchive both read the same way.
    void check_pax() {
        std::string_view rest = pax_;
        while (!rest.empty()) {
            const auto sp = rest.find(' ');
            const auto eq = rest.find('=');
            if (sp == std::string_view::npos || eq == std::string_view::npos || eq < sp) {
                problem_ = "has a malformed pax header";
                return;
            }
            std::size_t len = 0;
            for (const char c : rest.substr(0, sp)) {
                if (c < '0' || c > '9') {
                    problem_ = "has a malformed pax header";
                    return;
                }
                len = len * 10 + static_cast<std::size_t>(c - '0');
            }
            if (len <= eq || len > rest.size()) {
                problem_ = "has a malformed pax header";
                return;
            }
            const auto key = rest.substr(sp + 1, eq - sp - 1);
            static constexpr std::array<std::string_view, 9> kKeys{
                "path", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment"};
            if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
                problem_ = "has a pax header key npm does not write (" + std::string{key} + ")";
                return;
            }
            rest.remove_prefix(len);
        }
    }

    std::array<char, kBlock> block_{};
    std::size_t have_ = 0;
    std::uint64_t skip_ = 0;
    std::uint64_t pax_left_ = 0;
    std::string pax_;
    bool ended_ = false;
    std::string problem_;
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
    std::set<std::string> seen;  // lower-cased: one file per name on any disk
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
    if (!have_json) throw bad_request(w + " has no package/package.json");
    return out;
}

}  // namespace depot::services
