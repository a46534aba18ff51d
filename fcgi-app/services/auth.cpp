#include "services/auth.hpp"

#include <strings.h>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/cidr.hpp"
#include "services/passwords.hpp"
#include "services/second_factor.hpp"
#include "storage/db.hpp"
#include "storage/token_repo.hpp"

namespace depot::services {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

bool address_allowed(std::string_view cidrs, std::string_view addr) {
    if (cidrs.empty()) return true;
    std::size_t start = 0;
    while (start < cidrs.size()) {
        const auto sp = cidrs.find(' ', start);
        const auto one =
            cidrs.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start);
        if (!one.empty() && model::cidr_contains(one, addr)) return true;
        if (sp == std::string_view::npos) break;
        start = sp + 1;
    }
    return false;
}

Principal from_token(storage::Db& db, std::string_view secret, std::string_view remote_addr) {
    storage::TokenRepo tokens{db};
    const auto row = tokens.find_active(token_hash(secret));
    if (!row || (row->kind != "user" && row->kind != "project" && row->kind != "session" &&
                 row->kind != "oidc")) {
        throw unauthorized("this token is not valid (revoked, expired or unknown); log in again",
                           "Bearer");
    }
    if (!address_allowed(row->cidrs, remote_addr)) {
        // npm reads "ipaddress" in WWW-Authenticate as EAUTHIP.
        throw unauthorized("this token may not be used from " + std::string{remote_addr},
                           "Bearer, ipaddress");
    }
    // When it was last used is a convenience: a database that refuses
    // writes (read-only, full) must not take the reads of token holders too.
    try {
        tokens.touch(row->id);
    } catch (...) {
        if (!storage::is_write_refused(std::current_exception())) throw;
    }
    Principal p;
    p.user_id = row->user_id;
    p.name = row->kind == "oidc" ? row->name : row->user_name;  // "github:owner/repo"
    p.email = row->user_email;
    p.token_id = row->id;
    p.token_kind = row->kind;
    p.package_id = row->package_id;
    p.readonly = row->readonly;
    p.cidrs = row->cidrs;
    p.expires_in_seconds = row->expires_in_seconds;
    p.limits = row->limits;
    return p;
}

Principal from_basic(storage::Db& db, PasswordChecks& passwords, std::string_view encoded,
                     std::string_view remote_addr) {
    const auto decoded = encoded.size() <= 4096 ? crypto::base64_decode(encoded) : std::nullopt;
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) throw unauthorized("malformed Basic credentials", "Basic");
    const auto user =
        passwords.check(db, decoded->substr(0, colon), decoded->substr(colon + 1), remote_addr);
    if (!user) throw unauthorized("incorrect user name or password", "Basic");
    Principal p;
    p.user_id = user->id;
    p.name = user->name;
    p.email = user->email;
    return p;
}

}  // namespace

std::string token_hash(std::string_view secret) { return crypto::to_hex(crypto::sha256(secret)); }

std::optional<Principal> authenticate(storage::Db& db, PasswordChecks& passwords,
                                      std::string_view authorization, std::string_view remote_addr,
                                      std::string_view otp) {
    if (authorization.empty()) return std::nullopt;
    Principal p;
    if (starts_with_ci(authorization, "Bearer ")) {
        auto secret = authorization.substr(7);
        while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
        if (secret.empty() || secret.size() > 512)
            throw unauthorized("malformed bearer token", "Bearer");
        p = from_token(db, secret, remote_addr);
    } else if (starts_with_ci(authorization, "Basic ")) {
        p = from_basic(db, passwords, authorization.substr(6), remote_addr);
    } else {
        throw unauthorized("unsupported Authorization scheme; use a Bearer token", "Bearer");
    }
    if (const auto tfa = tfa_status(db, p.user_id); tfa && !tfa->pending) {
        p.tfa_mode = tfa->mode;
        if (!otp.empty()) {
            p.otp_given = true;
            p.otp_ok = otp.size() <= 64 && check_otp(db, p.user_id, otp, p.credential());
        }
        // A password is a login: with 2FA (either mode) it needs a code every
        // time, so a stolen password alone opens nothing. Use a token.
        if (p.token_id == 0 && !p.otp_ok) throw otp_required(p.otp_given);
    }
    return p;
}

Principal require_login(storage::Db& db, PasswordChecks& passwords, std::string_view authorization,
                        std::string_view remote_addr, std::string_view otp) {
    auto p = authenticate(db, passwords, authorization, remote_addr, otp);
    if (!p) throw unauthorized("you must be logged in (npm login) to do this", "Bearer");
    return std::move(*p);
}

HttpError otp_required(bool given) {
    return unauthorized(given ? "that one-time password is wrong or was used already: enter the "
                                "one your authenticator shows now"
                              : "This operation requires a one-time password from your "
                                "authenticator (npm asks for it, or give --otp)",
                        "OTP");
}

void require_write(const Principal& p) {
    if (p.readonly) throw forbidden("this token is read-only");
    if (p.limits.granular && p.limits.permission != "read-write")
        throw forbidden("this token is " + p.limits.permission + ": it cannot write");
    if (p.tfa_mode == "auth-and-writes" && !p.otp_ok && !p.limits.bypass_2fa)
        throw otp_required(p.otp_given);
}

void require_login_code(storage::Db& db, std::uint64_t user_id, std::string_view otp) {
    const auto tfa = tfa_status(db, user_id);
    if (!tfa || tfa->pending) return;
    if (otp.empty() || otp.size() > 64 || !check_otp(db, user_id, otp, "b"))
        throw otp_required(!otp.empty());
}

void require_strict_otp(const Principal& p) {
    if (!p.tfa_mode.empty() && !p.otp_ok) throw otp_required(p.otp_given);
}

void require_covers(const Principal& p, std::string_view package_name) {
    if (!p.limits.covers(package_name))
        throw forbidden("this token is not for \"" + std::string{package_name} + "\"");
}

}  // namespace depot::services
