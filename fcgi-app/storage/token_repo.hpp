#pragma once
// Tokens of every kind, stored only as the hex SHA-256 of the secret.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

// What a granular token may touch (issue 12); a classic token touches
// whatever its account may.
struct TokenLimits {
    bool granular = false;
    std::string description;
    std::string packages;    // space-separated names; "*": every package
    std::string scopes;      // space-separated "@scope"
    std::string permission;  // read-only, read-write, no-access
    bool bypass_2fa = false;
    std::string trust_config_id;  // an OIDC exchange's token (issue 13): under that trust config

    // Whether the token may act on this package at all.
    [[nodiscard]] bool covers(std::string_view package_name) const;
};

struct TokenRow {
    std::uint64_t id = 0;
    std::string kind;  // user, project, reset, session, oidc
    std::string key_id;
    std::string prefix;
    std::string name;
    std::uint64_t user_id = 0;
    std::uint64_t package_id = 0;
    bool readonly = false;
    std::string cidrs;  // space-separated, or empty
    std::string created, last_used, expires;
    long long expires_in_seconds = 0;  // 0: never expires
    // Joined from users for authentication.
    std::string user_name;
    std::string user_email;
    TokenLimits limits;
};

struct NewToken {
    std::string kind;
    std::string hash_hex;
    std::string key_id;
    std::string prefix;
    std::string name;
    std::uint64_t user_id = 0;
    std::uint64_t package_id = 0;
    bool readonly = false;
    std::string cidrs;
    int expires_in_seconds = 0;  // 0: never
    TokenLimits limits;
};

class TokenRepo {
  public:
    explicit TokenRepo(Db& db) : db_{db} {}

    std::uint64_t insert(const NewToken& t);
    // Not revoked and not expired.
    [[nodiscard]] std::optional<TokenRow> find_active(std::string_view hash_hex) const;
    // Records use at most once a minute, so reads do not write on every request.
    void touch(std::uint64_t id);
    // true when a live token was revoked.
    bool revoke_by_hash(std::string_view hash_hex);
    bool revoke_by_key(std::uint64_t user_id, std::string_view key_id);
    bool revoke_by_id(std::uint64_t user_id, std::uint64_t id);
    void revoke_all(std::uint64_t user_id, std::string_view kind);
    void revoke_for_package(std::uint64_t package_id, std::string_view kind);
    // Every live user, session and reset token of the user but keep_id (0: none).
    void revoke_logins(std::uint64_t user_id, std::uint64_t keep_id);
    // Packages with a live project token minted by the user.
    [[nodiscard]] std::vector<std::uint64_t> list_project_packages(std::uint64_t user_id) const;
    // Live project tokens minted by the user (of one package when package_id
    // is not 0); answers how many.
    int revoke_projects_of(std::uint64_t user_id, std::uint64_t package_id = 0);
    // Deletes sessions and reset tokens that expired a day ago; at most limit rows.
    void purge_expired(int limit);
    [[nodiscard]] std::vector<TokenRow> list_for_user(std::uint64_t user_id,
                                                      std::string_view kind) const;
    // depotctl tokens expire --classic: every live classic user token ends now; how many.
    int expire_classic();

  private:
    Db& db_;
};

}  // namespace depot::storage
