#pragma once
// The package lifecycle after publish (protocol §13–17, SPEC §5): dist-tags,
// deprecation, stars, unpublish with tombstones, owners and access. Each call
// is one transaction that locks the package row, checks the caller, applies
// the change, appends to the change log and rebuilds the packument.

#include <string>
#include <string_view>
#include <vector>

#include "model/package_name.hpp"
#include "render/json.hpp"
#include "services/auth.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

void set_dist_tag(storage::Db& db, const Config& config, const Principal& who,
                  const model::PackageName& name, const std::string& tag,
                  const std::string& version);
void remove_dist_tag(storage::Db& db, const Config& config, const Principal& who,
                     const model::PackageName& name, const std::string& tag);

// PUT /NAME without attachments: a deprecation (the whole document with
// versions[*].deprecated changed) or a star (only _id, _rev and users).
void update_metadata(storage::Db& db, const Config& config, const Principal& who,
                     const model::PackageName& name, const rapidjson::Value& body);

// PUT /NAME/-rev/REV: fewer versions = unpublish them; maintainers = owner change.
void update_with_rev(storage::Db& db, storage::TarballStore& store, const Config& config,
                     const Principal& who, const model::PackageName& name, std::string_view rev,
                     const rapidjson::Value& body);

// DELETE /NAME/-/FILE/-rev/REV after the version was unpublished.
void confirm_tarball_removed(storage::Db& db, storage::TarballStore& store, const Principal& who,
                             const model::PackageName& name, const std::string& version);

// DELETE /NAME/-rev/REV: the whole package.
void unpublish_package(storage::Db& db, storage::TarballStore& store, const Config& config,
                       const Principal& who, const model::PackageName& name, std::string_view rev);

// npm access set mfa=none|publish|automation (issue 12).
void set_mfa(storage::Db& db, const Config& config, const Principal& who,
             const model::PackageName& name, bool requires_tfa, bool automation_overrides);

void set_access(storage::Db& db, const Config& config, const Principal& who,
                const model::PackageName& name, const std::string& access);

}  // namespace depot::services
