#pragma once
// Who is asking: the Authorization header (Bearer token or Basic name:password)
// turned into a Principal, with the token's limits (address ranges, read-only,
// expiry) so that nothing minted from it can outgrow them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"
#include "storage/token_repo.hpp"

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
    // Two-factor authentication (issue 12): the account's live mode (empty:
    // none), and whether this request's npm-otp was given and good.
    std::string tfa_mode;
    bool otp_given = false;
    bool otp_ok = false;
    storage::TokenLimits limits;  // a granular token's packages, permission, 2FA bypass

    // A token bound to one package: a project token (SPEC §3) or the token
    // an OIDC exchange minted (issue 13, no account behind it).
    [[nodiscard]] bool one_package() const {
        return token_kind == "project" || token_kind == "oidc";
    }

    // Which credential asked, for the rule that a used code serves only it again.
    [[nodiscard]] std::string credential() const {
        return token_id ? "t" + std::to_string(token_id) : "b";
    }
};

// nullopt when there is no Authorization header. A header that is present
// but wrong throws 401 (Bearer for tokens, Basic for passwords, protocol §1.5).
// otp: the request's npm-otp header, checked when the account has 2FA.
[[nodiscard]] std::optional<Principal> authenticate(storage::Db& db, PasswordChecks& passwords,
                                                    std::string_view authorization,
                                                    std::string_view remote_addr,
                                                    std::string_view otp = {});

// As authenticate(), but no credentials is a 401 too.
[[nodiscard]] Principal require_login(storage::Db& db, PasswordChecks& passwords,
                                      std::string_view authorization, std::string_view remote_addr,
                                      std::string_view otp = {});

// 403 for read-only tokens; 401 with WWW-Authenticate: OTP (npm then asks
// for a code, or reads --otp) when the account has auth-and-writes 2FA and
// the request brought no good code. Every write passes here.
void require_write(const Principal& p);

// A login with a password (npm login, /_session, the CouchDB document): with
// 2FA in either mode the request's npm-otp must be a good code.
void require_login_code(storage::Db& db, std::uint64_t user_id, std::string_view otp);

// For changes that guard the account or the package's own guards (tokens,
// password, email, 2FA, access, the 2FA policy, owners): a good code whenever
// the account has 2FA in either mode, whatever the token (no bypass_2fa).
void require_strict_otp(const Principal& p);

// 403 when a granular token does not cover the package.
void require_covers(const Principal& p, std::string_view package_name);

// The 401 that makes npm ask for a one-time password (npm-registry-fetch
// reads "otp" in WWW-Authenticate as EOTP).
[[nodiscard]] HttpError otp_required(bool given);

// A bearer token by its secret: SHA-256 hex, the only form stored.
[[nodiscard]] std::string token_hash(std::string_view secret);

}  // namespace depot::services
