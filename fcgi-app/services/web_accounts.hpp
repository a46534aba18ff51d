#pragma once
// Accounts of the original web design (SPEC §3): created from an email
// address with a user token shown once; a lost token is replaced through a
// one-hour, single-use reset token sent by mail, which also revokes every
// older user token of that account.

#include <string>
#include <string_view>

#include "services/tokens.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

// Throws conflict() when an account has that email already.
[[nodiscard]] Minted register_email(storage::Db& db, std::string_view email);

// Throws not_found() for an unknown email, 503 when the mail cannot be sent.
void start_reset(storage::Db& db, const Config& config, std::string_view email);

// The new user token; throws 403 for a wrong, used, expired or foreign reset token.
[[nodiscard]] Minted complete_reset(storage::Db& db, std::string_view reset_token,
                                    std::string_view email);

}  // namespace depot::services
