#pragma once
// npm publish (protocol §12): store the tarball, then record the version, its
// dist-tag, the package and its first owner, the change log entry and the new
// packument in one transaction. Failure at any step leaves no version row and
// no tarball file (SPEC §5).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "model/package_name.hpp"
#include "services/auth.hpp"
#include "services/provenance.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
struct PackageRow;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

struct Gates;

// What api/ parsed and checked from the publish body.
struct PublishInput {
    PublishInput(model::PackageName n, std::string v) : name{std::move(n)}, version{std::move(v)} {}

    model::PackageName name;
    std::string version;
    std::string manifest;   // sanitized version object, JSON (no readme, dist or server keys)
    std::string tag;        // the one dist-tag in the body
    std::string access;     // "", "public" or "restricted"
    std::string tarball;    // decoded bytes
    std::string shasum;     // computed here: hex sha1
    std::string integrity;  // computed here: sha512-BASE64
    std::string description;
    std::string keywords;  // space-joined
    std::string readme;
    std::string readme_html;               // filled by publish(): rendered under a CPU budget
    std::string tarball_url;               // a version registered by link: where the bytes stay
    std::uint64_t tarball_size = 0;        // of those bytes
    bool approving_stage = false;          // an owner approves it (npm stage approve)
    std::optional<Provenance> provenance;  // a checked Sigstore bundle (issue 13)
};

enum class PublishOutcome { Created, AlreadyPublished };

// npm stage publish of a package's first version: the package row, made as
// a first publish makes it (scope membership, access, the uplink check), with
// no version yet, like a project made on the web.
[[nodiscard]] storage::PackageRow create_for_stage(storage::Db& db, const Config& config,
                                                   const Principal& who, const PublishInput& in);

// What publish() checks before it stores anything (the tarball against the
// manifest, under the uploads gate): npm stage publish runs it at upload.
void check_publish_input(const Config& config, Gates& gates, const PublishInput& in);

// Reads the tarball (services/tarball_contents) and refuses a manifest whose
// install-relevant fields differ from its package.json (services/manifest_rules),
// cuts and renders the README (services/readme), stores the bytes and records
// the version.
PublishOutcome publish(storage::Db& db, storage::TarballStore& store, const Config& config,
                       Gates& gates, const Principal& who, PublishInput in);

// The same for a version whose bytes stay at in.tarball_url (SPEC §3 links):
// nothing is stored but the row; latest moves only if there was none.
PublishOutcome publish_pointer(storage::Db& db, const Config& config, const Principal& who,
                               PublishInput in);

// The version manifest to serve for a tarball alone (a version by link): its
// package.json, with the install-relevant fields as npm would have published
// them; 400 unless it names this package and version.
[[nodiscard]] std::string manifest_from_tarball(const Config& config, std::string_view tarball,
                                                const model::PackageName& name,
                                                std::string_view version);

// Words of a package name for the FULLTEXT index: "@acme/left-pad" → "acme left pad left-pad".
[[nodiscard]] std::string search_words(const std::string& name);

}  // namespace depot::services
