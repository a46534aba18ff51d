#include "services/tarball_contents.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <array>
#include <chrono>
#include <memory>

#include "config.hpp"
#include "error.hpp"

namespace depot::services {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPackageJson = 1 << 20;

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

    enum class Stop { None, TooLarge, TooSlow, Damaged };
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
        *buf = out_.data();
        return static_cast<la_ssize_t>(n);
    }

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
        const bool in_package = path.starts_with("package/") && path.size() > 8;
        if (in_package && archive_entry_filetype(entry) != AE_IFDIR) {
            out.files.emplace_back(path.substr(8));
        }
        if (path == "package/package.json" && archive_entry_filetype(entry) == AE_IFREG) {
            const auto size = archive_entry_size(entry);
            if (size < 0 || static_cast<std::uint64_t>(size) > kMaxPackageJson) {
                throw bad_request("package/package.json in " + w + " is larger than 1 MiB");
            }
            std::string json(static_cast<std::size_t>(size), '\0');
            if (archive_read_data(a.get(), json.data(), json.size()) != size) {
                refuse(z, config, what, "has a package/package.json that cannot be read");
            }
            // A later entry of the same path wins, as it would on extraction.
            out.package_json = std::move(json);
            have_json = true;
        } else if (archive_read_data_skip(a.get()) != ARCHIVE_OK) {
            refuse(z, config, what, "is damaged");
        }
    }
    if (z.stop() != Inflater::Stop::None) refuse(z, config, what, "");
    if (!have_json) throw bad_request(w + " has no package/package.json");
    return out;
}

}  // namespace depot::services
