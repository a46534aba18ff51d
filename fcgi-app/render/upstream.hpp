#pragma once
// An uplink's document made depot's (issue 11): the full document as the
// uplink wrote it (time, deprecated, integrity, signatures, every other
// field) with each dist.tarball and dist.attestations.url pointing at depot,
// and the abbreviated document built from it. Versions whose key is not a
// version, or whose manifest says another version, are left out (their
// files would be named by a stranger's text); so are dist-tags that point
// at nothing left.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "render/json.hpp"
#include "render/packument.hpp"  // attestations_url

namespace depot::render {

struct UpstreamDocuments {
    std::string full;
    std::string abbreviated;
    std::size_t versions = 0;
    std::size_t refused = 0;  // versions the signatures policy left out
};

// What becomes of a version's dist.signatures (issue 13, the uplink's
// signatures policy): refused (the version is left out), or served with
// depot's signature (keyid and sig), or unsigned (empty keyid).
struct VersionSignature {
    bool refuse = false;
    std::string keyid;
    std::string sig;
};
// Called once per version with its integrity, its time entry and the
// uplink's dist.signatures (nullptr when it has none).
using SignVersion =
    std::function<VersionSignature(const std::string& version, std::string_view integrity,
                                   std::string_view published, const rapidjson::Value* signatures)>;

// nullopt when raw is not JSON, not an object, repeats a key, or names another package.
// Without sign, dist.signatures stays as the uplink wrote it.
[[nodiscard]] std::optional<UpstreamDocuments> upstream_documents(std::string_view raw,
                                                                  const std::string& name,
                                                                  const std::string& public_url,
                                                                  const SignVersion& sign = {});

// What the uplink's document says of one version's files.
struct UpstreamDist {
    std::string tarball;  // the uplink's URL
    std::string integrity;
    std::string shasum;
    std::string attestations;  // the uplink's URL, empty when it has none
    std::vector<std::pair<std::string, std::string>> signatures;  // keyid, sig
    std::string published;                                        // time[version]
};
[[nodiscard]] std::optional<UpstreamDist> upstream_dist(std::string_view raw,
                                                        const std::string& version);

// The version a dist-tag names in the uplink's document ("" when none).
[[nodiscard]] std::string upstream_tag(std::string_view raw, const std::string& tag);

}  // namespace depot::render
