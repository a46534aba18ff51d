#include "storage/doc_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "storage/io_error.hpp"

namespace depot::storage {
namespace {

[[noreturn]] void fail(const std::string& what) { storage::throw_io_error("document file", what); }

std::uint32_t crc_of(std::string_view text) {
    return static_cast<std::uint32_t>(
        ::crc32_z(0, reinterpret_cast<const Bytef*>(text.data()), text.size()));
}

std::uint32_t combine(std::uint32_t a, std::uint32_t b, std::uint64_t b_len) {
    return static_cast<std::uint32_t>(::crc32_combine(a, b, static_cast<z_off_t>(b_len)));
}

// One run of raw deflate blocks, never final, ending on a byte boundary
// (a sync flush): runs can be concatenated into one deflate stream.
class Deflater {
  public:
    explicit Deflater(std::string_view dictionary) {
        if (::deflateInit2(&z_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("document file: deflateInit2 failed");
        if (dictionary.size() > 32768) dictionary = dictionary.substr(dictionary.size() - 32768);
        if (!dictionary.empty()) {
            ::deflateSetDictionary(&z_, reinterpret_cast<const Bytef*>(dictionary.data()),
                                   static_cast<uInt>(dictionary.size()));
        }
    }
    ~Deflater() { ::deflateEnd(&z_); }
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    void add(std::string_view text, std::string& out) { run(text, Z_NO_FLUSH, out); }
    void finish(std::string& out) { run({}, Z_SYNC_FLUSH, out); }

  private:
    void run(std::string_view text, int flush, std::string& out) {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        z_.avail_in = static_cast<uInt>(text.size());
        char buf[65536];
        do {
            z_.next_out = reinterpret_cast<Bytef*>(buf);
            z_.avail_out = sizeof buf;
            const int rc = ::deflate(&z_, flush);
            if (rc == Z_STREAM_ERROR) throw std::runtime_error("document file: deflate failed");
            out.append(buf, sizeof buf - z_.avail_out);
        } while (z_.avail_out == 0 || z_.avail_in > 0);
    }

    z_stream z_{};
};

// Writes sequentially at the file's start, counting the offset.
class Out {
  public:
    explicit Out(int fd) : fd_{fd} {}
    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(pos_));
            if (n < 0) {
                if (errno == EINTR) continue;
                fail("write");
            }
            pos_ += static_cast<std::uint64_t>(n);
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    // Bytes of another file, copied in the kernel where it can.
    void copy(int from_fd, std::uint64_t offset, std::uint64_t len) {
        auto in_off = static_cast<off_t>(offset);
        auto out_off = static_cast<off_t>(pos_);
        while (len > 0) {
            const auto n = ::copy_file_range(from_fd, &in_off, fd_, &out_off, len, 0);
            if (n > 0) {
                len -= static_cast<std::uint64_t>(n);
                pos_ += static_cast<std::uint64_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0) throw std::runtime_error("document file: the old document is short");
            break;  // EXDEV, ENOSYS, EINVAL…: read and write
        }
        std::string buf;
        while (len > 0) {
            buf.resize(static_cast<std::size_t>(std::min<std::uint64_t>(len, 1 << 20)));
            const auto n = ::pread(from_fd, buf.data(), buf.size(), in_off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("read");
            if (n == 0) throw std::runtime_error("document file: the old document is short");
            buf.resize(static_cast<std::size_t>(n));
            write(buf);
            in_off += n;
            len -= static_cast<std::uint64_t>(n);
        }
    }
    std::uint64_t pos() const { return pos_; }

  private:
    int fd_;
    std::uint64_t pos_ = 0;
};

void put32(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& s, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class Reader {
  public:
    explicit Reader(std::string_view b) : b_{b} {}
    bool u32(std::uint32_t& v) {
        if (b_.size() < 4) return false;
        v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b_[i]);
        b_.remove_prefix(4);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (b_.size() < 8) return false;
        v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b_[i]);
        b_.remove_prefix(8);
        return true;
    }
    bool bytes(std::size_t n, std::string& out) {
        if (b_.size() < n) return false;
        out.assign(b_.substr(0, n));
        b_.remove_prefix(n);
        return true;
    }
    bool done() const { return b_.empty(); }

  private:
    std::string_view b_;
};

constexpr std::string_view kMagic = "DPD2";
constexpr std::uint32_t kMaxChains = 8;

void keep_tail(std::string& tail, std::string_view more) {
    tail.append(more);
    if (tail.size() > kChainDictionary) tail.erase(0, tail.size() - kChainDictionary);
}

// The dictionary of the next piece: the last window of the chain's text.
std::string window_of(const ChainMeta& c) {
    auto w = c.base_tail;
    keep_tail(w, c.pending);
    return w;
}

}  // namespace

std::string encode_meta(const DocMeta& m) {
    std::string s{kMagic};
    put64(s, m.file_size);
    put64(s, m.ulen);
    put32(s, m.crc);
    put32(s, static_cast<std::uint32_t>(m.chains.size()));
    for (const auto& c : m.chains) {
        put64(s, c.offset);
        put64(s, c.clen);
        put64(s, c.ulen);
        put32(s, c.crc);
        put32(s, c.count);
        put64(s, c.base_clen);
        put32(s, c.pending_count);
        put32(s, static_cast<std::uint32_t>(c.base_tail.size()));
        s += c.base_tail;
        put32(s, static_cast<std::uint32_t>(c.pending.size()));
        s += c.pending;
    }
    return s;
}

std::optional<DocMeta> decode_meta(std::string_view bytes) {
    if (!bytes.starts_with(kMagic)) return std::nullopt;
    Reader r{bytes.substr(kMagic.size())};
    DocMeta m;
    std::uint32_t n = 0;
    if (!r.u64(m.file_size) || !r.u64(m.ulen) || !r.u32(m.crc) || !r.u32(n) || n > kMaxChains)
        return std::nullopt;
    for (std::uint32_t i = 0; i < n; ++i) {
        ChainMeta c;
        std::uint32_t tail_len = 0;
        std::uint32_t pending_len = 0;
        if (!r.u64(c.offset) || !r.u64(c.clen) || !r.u64(c.ulen) || !r.u32(c.crc) ||
            !r.u32(c.count) || !r.u64(c.base_clen) || !r.u32(c.pending_count) || !r.u32(tail_len) ||
            tail_len > kChainDictionary || !r.bytes(tail_len, c.base_tail) || !r.u32(pending_len) ||
            pending_len > (1u << 24) || !r.bytes(pending_len, c.pending)) {
            return std::nullopt;
        }
        if (c.offset > m.file_size || c.clen > m.file_size - c.offset || c.base_clen > c.clen ||
            c.pending.size() > c.ulen || c.pending_count > c.count) {
            return std::nullopt;
        }
        m.chains.push_back(std::move(c));
    }
    if (!r.done()) return std::nullopt;
    return m;
}

std::optional<DocMeta> read_matching_meta(int gz_fd, const std::string& meta_path) {
    const int fd = ::open(meta_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string bytes;
    char buf[16384];
    while (bytes.size() < (1u << 20)) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    auto meta = decode_meta(bytes);
    struct stat st {};
    if (!meta || ::fstat(gz_fd, &st) != 0 ||
        static_cast<std::uint64_t>(st.st_size) != meta->file_size || meta->file_size < 18) {
        return std::nullopt;
    }
    unsigned char trailer[8];
    if (::pread(gz_fd, trailer, 8, st.st_size - 8) != 8) return std::nullopt;
    std::uint32_t crc = 0, isize = 0;
    for (int i = 3; i >= 0; --i) {
        crc = (crc << 8) | trailer[i];
        isize = (isize << 8) | trailer[4 + i];
    }
    if (crc != meta->crc || isize != static_cast<std::uint32_t>(meta->ulen)) return std::nullopt;
    return meta;
}

DocMeta write_document(int out_fd, const DocPlan& plan, const OldDoc* old) {
    if (plan.fixed.size() != plan.chains.size() + 1)
        throw std::logic_error("document plan: fixed sections must surround the chains");
    Out out{out_fd};
    // gzip header: deflate, no flags, no time, Unix.
    out.write(std::string_view{"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10});
    DocMeta meta;
    std::uint32_t crc = 0;
    std::uint64_t ulen = 0;
    const auto add_text = [&](std::uint32_t c, std::uint64_t len) {
        crc = combine(crc, c, len);
        ulen += len;
    };
    for (std::size_t i = 0; i < plan.fixed.size(); ++i) {
        std::string z;
        Deflater d{{}};
        d.add(plan.fixed[i], z);
        d.finish(z);
        out.write(z);
        add_text(crc_of(plan.fixed[i]), plan.fixed[i].size());
        if (i == plan.chains.size()) break;

        const auto& chain = plan.chains[i];
        ChainMeta cm;
        if (chain.append) {
            if (old == nullptr || old->meta.chains.size() != plan.chains.size())
                throw std::logic_error("document plan: nothing to append to");
            const auto& was = old->meta.chains[i];
            cm = was;
            cm.offset = out.pos();
            std::size_t adding = 0;
            for (const auto& piece : chain.pieces) adding += piece.size();
            if (!chain.pieces.empty() &&
                (cm.pending_count + chain.pieces.size() >= kCompactPieces ||
                 cm.pending.size() + adding >= kCompactBytes)) {
                // The base run as it is; the pending text and the new pieces
                // compressed again as one run after it.
                out.copy(old->fd, was.offset, was.base_clen);
                std::string rz;
                Deflater rd{cm.base_tail};
                rd.add(cm.pending, rz);
                for (const auto& piece : chain.pieces) rd.add(piece, rz);
                rd.finish(rz);
                out.write(rz);
                for (const auto& piece : chain.pieces) {
                    cm.crc = combine(cm.crc, crc_of(piece), piece.size());
                    cm.ulen += piece.size();
                    ++cm.count;
                    cm.pending += piece;
                }
                cm.clen = was.base_clen + rz.size();
                cm.base_clen = cm.clen;
                keep_tail(cm.base_tail, cm.pending);
                cm.pending.clear();
                cm.pending_count = 0;
            } else {
                out.copy(old->fd, was.offset, was.clen);
                for (const auto& piece : chain.pieces) {
                    std::string pz;
                    Deflater pd{window_of(cm)};
                    pd.add(piece, pz);
                    pd.finish(pz);
                    out.write(pz);
                    cm.clen += pz.size();
                    cm.crc = combine(cm.crc, crc_of(piece), piece.size());
                    cm.ulen += piece.size();
                    ++cm.count;
                    cm.pending += piece;
                    ++cm.pending_count;
                }
            }
        } else {
            cm.offset = out.pos();
            std::string cz;
            Deflater cd{{}};
            for (const auto& piece : chain.pieces) {
                cd.add(piece, cz);
                cm.crc = combine(cm.crc, crc_of(piece), piece.size());
                cm.ulen += piece.size();
                ++cm.count;
                keep_tail(cm.base_tail, piece);
                if (cz.size() >= (4u << 20)) {
                    out.write(cz);
                    cm.clen += cz.size();
                    cz.clear();
                }
            }
            cd.finish(cz);
            out.write(cz);
            cm.clen += cz.size();
            cm.base_clen = cm.clen;
        }
        add_text(cm.crc, cm.ulen);
        meta.chains.push_back(std::move(cm));
    }
    // An empty final block ends the deflate stream; then CRC and length.
    std::string end{"\x03\x00", 2};
    put32(end, crc);
    put32(end, static_cast<std::uint32_t>(ulen));
    out.write(end);
    meta.file_size = out.pos();
    meta.crc = crc;
    meta.ulen = ulen;
    return meta;
}

}  // namespace depot::storage
