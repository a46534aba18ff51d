#pragma once
// Who is asking: the Authorization header (Bearer token or Basic name:password)
// turned into a Principal, with the token's limits (address ranges, read-only,
// expiry) so that nothing minted from it can outgrow them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depot::storage {
class Db;
}

namespace depot::services {

class PasswordChecks;

struct Principal {
    std::uint64_t user_id = 0;
    std::string name;  // npm user name (may be empty for web-only accounts)
    std::string email;
    std::uint64_t token_id = 0;    // 0 for Basic auth
    std::string token_kind;        // user, project, session; empty for Basic
    std::uint64_t package_id = 0;  // project tokens: the one package
    bool readonly = false;
    std::string cidrs;                 // space-separated address ranges; empty: anywhere
    long long expires_in_seconds = 0;  // 0: the credential does not expire
};

// nullopt when there is no Authorization header. A header that is present
// but wrong throws 401 (Bearer for tokens, Basic for passwords, protocol §1.5).
[[nodiscard]] std::optional<Principal> authenticate(storage::Db& db, PasswordChecks& passwords,
                                                    std::string_view authorization,
                                                    std::string_view remote_addr);

// As authenticate(), but no credentials is a 401 too.
[[nodiscard]] Principal require_login(storage::Db& db, PasswordChecks& passwords,
                                      std::string_view authorization, std::string_view remote_addr);

// 403 for read-only tokens.
void require_write(const Principal& p);

// A bearer token by its secret: SHA-256 hex, the only form stored.
[[nodiscard]] std::string token_hash(std::string_view secret);

}  // namespace depot::services
