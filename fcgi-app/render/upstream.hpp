#pragma once
// An uplink's document made depot's (issue 11): the full document as the
// uplink wrote it (time, deprecated, integrity, signatures, every other
// field) with each dist.tarball and dist.attestations.url pointing at depot,
// and the abbreviated document built from it. Versions whose key is not a
// version, or whose manifest says another version, are left out (their
// files would be named by a stranger's text); so are dist-tags that point
// at nothing left.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace depot::render {

struct UpstreamDocuments {
    std::string full;
    std::string abbreviated;
    std::size_t versions = 0;
};

// nullopt when raw is not JSON, not an object, repeats a key, or names another package.
[[nodiscard]] std::optional<UpstreamDocuments> upstream_documents(std::string_view raw,
                                                                  const std::string& name,
                                                                  const std::string& public_url);

// What the uplink's document says of one version's files.
struct UpstreamDist {
    std::string tarball;  // the uplink's URL
    std::string integrity;
    std::string shasum;
    std::string attestations;  // the uplink's URL, empty when it has none
};
[[nodiscard]] std::optional<UpstreamDist> upstream_dist(std::string_view raw,
                                                        const std::string& version);

// The version a dist-tag names in the uplink's document ("" when none).
[[nodiscard]] std::string upstream_tag(std::string_view raw, const std::string& tag);

// depot's URL of a version's attestations.
[[nodiscard]] std::string attestations_url(const std::string& public_url, const std::string& name,
                                           const std::string& version);

}  // namespace depot::render
