#pragma once
// The two packument documents (protocol §9), built when a package changes
// and stored as bytes: the full one (npm install, view, owner, yarn) and the
// abbreviated "corgi" (pnpm, npm outdated) with only what installers read.

#include <string>
#include <string_view>
#include <vector>

#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::render {

struct PackumentInput {
    storage::PackageRow package;
    std::vector<storage::VersionRow> versions;  // live ones, oldest first
    std::vector<storage::TagRow> tags;
    std::vector<storage::OwnerRow> owners;
    std::vector<std::string> starred_by;
    std::string public_url;  // tarball URLs are built from it, never from the request
};

struct Packument {
    std::string full;
    std::string full_etag;
    std::string abbreviated;
    std::string abbreviated_etag;
};

[[nodiscard]] Packument build_packument(const PackumentInput& in);

// "_rev" for a package at counter rev: changes on every write.
[[nodiscard]] std::string package_rev(const std::string& name, std::uint32_t rev);

// The canonical tarball URL (protocol §10): BASE/@scope/name/-/name-V.tgz.
[[nodiscard]] std::string tarball_url(const std::string& public_url, const std::string& name,
                                      const std::string& version);

// depot's URL of a version's attestations (issue 13; proxied ones too).
[[nodiscard]] std::string attestations_url(const std::string& public_url, const std::string& name,
                                           const std::string& version);

// The documents in sections (storage/doc_file): the fixed ones around the
// chains of versions and times, and one chain piece per version (with its
// leading comma unless it is the first).
[[nodiscard]] const storage::VersionRow* latest_version(const PackumentInput& in);
[[nodiscard]] std::string full_head(const PackumentInput& in, const storage::VersionRow* latest);
[[nodiscard]] std::string full_version(const PackumentInput& in, const storage::VersionRow& v,
                                       bool first);
[[nodiscard]] std::string full_middle(const PackumentInput& in);
[[nodiscard]] std::string time_entry(const storage::VersionRow& v);
[[nodiscard]] std::string full_tail(const PackumentInput& in);
[[nodiscard]] std::string abbreviated_head(const PackumentInput& in);
[[nodiscard]] std::string abbreviated_version(const PackumentInput& in,
                                              const storage::VersionRow& v, bool first);
inline constexpr std::string_view kAbbreviatedTail = "}}";
// Whether a version manifest's key goes into the abbreviated document.
[[nodiscard]] bool is_abbreviated_key(std::string_view key);

// The manifest of one version as it appears in the full document.
[[nodiscard]] std::string version_json(const PackumentInput& in, const storage::VersionRow& v);

}  // namespace depot::render
