#pragma once
// Accounts: creating them and changing their passwords. Only a slow salted
// hash is ever stored (SPEC §4). A password is set or changed only with proof
// of the current one or of the mailbox (SPEC §5: a credential never grows),
// and every change ends every other credential of the account (issue 8).
// Checking a password is services/passwords.

#include <cstdint>
#include <optional>
#include <string_view>

#include "storage/user_repo.hpp"

namespace depot::services {

class PasswordChecks;

// Creates an npm account; throws conflict() when the name or email is taken
// (a name is also taken by a scope of that name).
storage::UserRow create_user(storage::Db& db, const PasswordChecks& passwords,
                             std::string_view name, std::string_view email,
                             std::string_view password);

// Creates a CouchDB-style legacy account from salt + password_sha (npm ≤ 4).
// nullopt when the name is taken.
std::optional<storage::UserRow> create_legacy_user(storage::Db& db, std::string_view name,
                                                   std::string_view email, std::string_view salt,
                                                   std::string_view password_sha);

// Inside the caller's transaction: sets the new password (empty: none, the
// account then logs in only with tokens until a reset sets one), bumps the
// credential generation (cached checks die), and revokes every user token,
// session and reset token of the account except keep_token_id, and every
// npm web login approved but not yet collected.
void change_password(storage::Db& db, const PasswordChecks& passwords, std::uint64_t user_id,
                     std::string_view password, std::uint64_t keep_token_id);

}  // namespace depot::services
