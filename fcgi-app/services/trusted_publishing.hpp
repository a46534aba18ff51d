#pragma once
// Trusted publishing (issue 13), as npm's registry does it: an owner names
// one CI identity per package (npm trust github|gitlab), and a CI job of
// that identity exchanges its OIDC ID token for a token that can only
// publish that package, for minutes. The token has no account behind it;
// the versions it publishes carry _npmUser.trustedPublisher.

#include <cstdint>
#include <string>
#include <string_view>

#include "model/package_name.hpp"
#include "services/auth.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

inline constexpr std::string_view kCreatePackage = "createPackage";
inline constexpr std::string_view kCreateStagedPackage = "createStagedPackage";

// GET /-/package/NAME/trust: [{id, type, claims, permissions}] (owners).
[[nodiscard]] std::string list_trust(storage::Db& db, const Principal& who,
                                     const model::PackageName& name);
// POST /-/package/NAME/trust with npm's array of one config: the config made.
[[nodiscard]] std::string add_trust(storage::Db& db, const Config& config, const Principal& who,
                                    const model::PackageName& name, std::string_view body);
// DELETE /-/package/NAME/trust/ID.
void revoke_trust(storage::Db& db, const Principal& who, const model::PackageName& name,
                  const std::string& id);

// POST /-/npm/v1/oidc/token/exchange/package/NAME: {"token"} for a JWT
// that matches the package's trust config.
[[nodiscard]] std::string exchange_token(storage::Db& db, const Config& config,
                                         const model::PackageName& name, std::string_view jwt);

// An exchanged token acts only while its trust config stands and allows
// permission (createPackage, createStagedPackage); 403 otherwise. Returns
// the config's type and "oidc:ID" for _npmUser.trustedPublisher.
struct TrustedPublisher {
    std::string type;
    std::string config_id;
    std::string source_repo;  // https://github.com/o/r, https://gitlab.com/g/p; empty for others
};
[[nodiscard]] TrustedPublisher require_trusted(const Config& config, storage::Db& db,
                                               const Principal& who, std::uint64_t package_id,
                                               std::string_view permission);

}  // namespace depot::services
