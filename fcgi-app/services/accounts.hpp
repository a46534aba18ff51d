#pragma once
// Accounts: creating them and checking passwords. Only a slow salted hash is
// ever stored; CouchDB-era password_sha accounts are upgraded the first time
// their password is seen (SPEC §4).

#include <optional>
#include <string_view>

#include "storage/user_repo.hpp"

namespace depot {
struct Config;
}

namespace depot::services {

// The user when the password is right (upgrading a legacy hash), else nullopt.
[[nodiscard]] std::optional<storage::UserRow> check_password(storage::Db& db, const Config& config,
                                                             std::string_view name,
                                                             std::string_view password);

// Creates an npm account; throws conflict() when the name or email is taken.
storage::UserRow create_user(storage::Db& db, const Config& config, std::string_view name,
                             std::string_view email, std::string_view password);

// Creates a CouchDB-style legacy account from salt + password_sha (npm ≤ 4).
// nullopt when the name is taken.
std::optional<storage::UserRow> create_legacy_user(storage::Db& db, std::string_view name,
                                                   std::string_view email, std::string_view salt,
                                                   std::string_view password_sha);

}  // namespace depot::services
