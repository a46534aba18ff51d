#include "services/accounts.hpp"

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "storage/db.hpp"

namespace depot::services {

std::optional<storage::UserRow> check_password(storage::Db& db, const Config& config,
                                               std::string_view name, std::string_view password) {
    storage::UserRepo users{db};
    auto user = users.find_by_name(name);
    if (!user) {
        // Spend the same time as a real check, so names cannot be probed by timing.
        (void)crypto::verify_password(password,
                                      crypto::hash_password("x", config.password_iterations));
        return std::nullopt;
    }
    if (!user->password_hash.empty()) {
        if (!crypto::verify_password(password, user->password_hash)) return std::nullopt;
        return user;
    }
    if (!user->legacy_sha.empty()) {
        const auto sha = crypto::to_hex(crypto::sha1(std::string{password} + user->legacy_salt));
        if (!crypto::equal_ct(sha, user->legacy_sha)) return std::nullopt;
        const auto hash = crypto::hash_password(password, config.password_iterations);
        users.save_password(user->id, hash);
        return users.find_by_id(user->id);
    }
    return std::nullopt;  // a web-only account with no password yet
}

storage::UserRow create_user(storage::Db& db, const Config& config, std::string_view name,
                             std::string_view email, std::string_view password) {
    storage::UserRepo users{db};
    storage::UserRow row;
    row.name = std::string{name};
    row.email = std::string{email};
    row.password_hash = crypto::hash_password(password, config.password_iterations);
    const auto id = users.insert(row);
    if (!id) throw conflict("the user name or email address is already registered");
    return *users.find_by_id(*id);
}

std::optional<storage::UserRow> create_legacy_user(storage::Db& db, std::string_view name,
                                                   std::string_view email, std::string_view salt,
                                                   std::string_view password_sha) {
    storage::UserRepo users{db};
    storage::UserRow row;
    row.name = std::string{name};
    row.email = std::string{email};
    row.legacy_salt = std::string{salt};
    row.legacy_sha = std::string{password_sha};
    const auto id = users.insert(row);
    if (!id) return std::nullopt;
    return users.find_by_id(*id);
}

}  // namespace depot::services
