#pragma once
// Reading a package tarball before anything is stored (issue 8, review H3, M2,
// M4): every published or linked tarball must be a gzip tar with
// package/package.json, and reading it is bounded in entries, inflated bytes
// and time (tarball_max_entries, tarball_max_inflated, tarball_max_seconds).
// zlib inflates into libarchive through a callback that counts every byte and
// watches the clock, so no archive (a gzip bomb, a pax header that claims a
// gigabyte, a truncated stream) can cost more than the budget.
// It must also be canonical, so that npm's extractor (node-tar) reads what
// depot read: every entry under package/ with one clean spelling, each path
// once (in any letter case), files and directories only, the tar types and
// pax keys npm writes, and nothing after the end-of-archive block.

#include <string>
#include <string_view>
#include <vector>

namespace depot {
struct Config;
}

namespace depot::services {

struct TarballContents {
    std::string package_json;        // package/package.json
    std::vector<std::string> files;  // every non-directory entry under package/, without the prefix
};

// Throws bad_request() (or 413 for a tarball over the inflated budget) saying
// what is wrong; what says whose tarball it is ("the tarball", "the linked tarball").
[[nodiscard]] TarballContents read_tarball(const Config& config, std::string_view bytes,
                                           std::string_view what = "the tarball");

}  // namespace depot::services
