#pragma once
// Projects of the original web design (SPEC §3): a package created before
// its first version, owned by the user who created it, with a project token
// (pt) that may publish and move tags of that package only. Channels are the
// dist-tags "stable" and "test" and the nightly pointer.

#include <string>
#include <string_view>

#include "model/package_name.hpp"
#include "services/auth.hpp"
#include "services/tokens.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

// Creates the project and mints its first project token. conflict() if it exists.
[[nodiscard]] Minted create_project(storage::Db& db, const Config& config, const Principal& who,
                                    const model::PackageName& name);

// A new project token for the package; the old ones stop working.
[[nodiscard]] Minted rotate_project_token(storage::Db& db, const Config& config,
                                          const Principal& who, const model::PackageName& name);

// Adds or removes one owner, found by npm name; user tokens only,
// and the last owner stays.
void change_owner(storage::Db& db, const Config& config, const Principal& who,
                  const model::PackageName& name, std::string_view user, bool add);

// Deprecates one version (an empty message undeprecates it).
void deprecate_version(storage::Db& db, const Config& config, const Principal& who,
                       const model::PackageName& name, const std::string& version,
                       const std::string& message);

// Sets or replaces the nightly pointer (an http(s) URL).
void set_nightly(storage::Db& db, const Config& config, const Principal& who,
                 const model::PackageName& name, const std::string& url);

}  // namespace depot::services
