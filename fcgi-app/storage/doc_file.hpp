#pragma once
// The gzip files nginx sends as packuments (issue 9). A document is fixed
// sections (rewritten on every write) around chains (the versions, the
// times) that only grow at their end when a version is published. Every
// section is its own run of raw deflate blocks ending on a byte boundary, so
// a write that appends to a chain copies the old chain's compressed bytes as
// they are and compresses only the new text, with the chain's last bytes as
// dictionary; the gzip CRC is combined, never recomputed. The cost of a
// publish does not grow with the package's history.
//
// Each file has a sidecar (.meta) that says where its chains are; it names
// the file's size and CRC, so a sidecar that does not belong to the file next
// to it is ignored and the document is built whole.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

// How much of a chain's end is kept as the dictionary of the next piece
// (deflate's whole window).
inline constexpr std::size_t kChainDictionary = 32 * 1024;
// A piece compressed alone costs a block header: once this much text (or
// this many pieces) went in alone, the lot is compressed again as one run.
inline constexpr std::size_t kCompactBytes = 32 * 1024;
inline constexpr std::uint32_t kCompactPieces = 16;

struct ChainPlan {
    bool append = false;              // keep the old chain, add pieces after it
    std::vector<std::string> pieces;  // in order; the whole chain unless append
};

struct DocPlan {
    std::vector<std::string> fixed;  // chains.size() + 1 texts around the chains
    std::vector<ChainPlan> chains;
};

// A chain's compressed bytes are one run (base) and then the pieces appended
// since, each a run of its own (pending).
struct ChainMeta {
    std::uint64_t offset = 0;  // of its compressed bytes in the file
    std::uint64_t clen = 0;
    std::uint64_t ulen = 0;
    std::uint32_t crc = 0;
    std::uint32_t count = 0;      // pieces
    std::uint64_t base_clen = 0;  // compressed bytes before the pending pieces
    std::uint32_t pending_count = 0;
    std::string base_tail;  // the last kChainDictionary bytes of the text before them
    std::string pending;    // their text
};

struct DocMeta {
    std::uint64_t file_size = 0;
    std::uint64_t ulen = 0;  // the document's text
    std::uint32_t crc = 0;
    std::vector<ChainMeta> chains;
};

[[nodiscard]] std::string encode_meta(const DocMeta& m);
[[nodiscard]] std::optional<DocMeta> decode_meta(std::string_view bytes);

// An existing document: its open file and its sidecar, checked against each
// other (size, CRC and length from the gzip trailer). nullopt when either is
// missing, unreadable or does not match.
struct OldDoc {
    int fd = -1;  // borrowed
    DocMeta meta;
};
[[nodiscard]] std::optional<DocMeta> read_matching_meta(int gz_fd, const std::string& meta_path);

// Writes the gzip document the plan describes to out_fd (at its start) and
// returns its sidecar. An appending chain needs old (with as many chains);
// its bytes are copied from old->fd. Throws std::runtime_error on I/O errors
// and std::logic_error when the plan cannot apply to old.
[[nodiscard]] DocMeta write_document(int out_fd, const DocPlan& plan, const OldDoc* old);

}  // namespace depot::storage
