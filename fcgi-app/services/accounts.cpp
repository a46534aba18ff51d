#include "services/accounts.hpp"

#include "error.hpp"
#include "model/account.hpp"
#include "services/passwords.hpp"
#include "services/scopes.hpp"
#include "storage/db.hpp"
#include "storage/email_confirmation_repo.hpp"
#include "storage/token_repo.hpp"
#include "storage/web_login_repo.hpp"

namespace depot::services {

storage::UserRow create_user(storage::Db& db, const PasswordChecks& passwords,
                             std::string_view name, std::string_view email,
                             std::string_view password) {
    if (name_taken_by_scope(db, name)) {
        throw conflict("the name \"" + std::string{name} + "\" is taken by a scope");
    }
    storage::UserRepo users{db};
    storage::UserRow row;
    row.name = std::string{name};
    row.email = std::string{email};
    row.password_hash = passwords.hash(password);
    const auto id = users.insert(row);
    if (!id) throw conflict("the user name or email address is already registered");
    return *users.find_by_id(*id);
}

std::optional<storage::UserRow> create_legacy_user(storage::Db& db, std::string_view name,
                                                   std::string_view email, std::string_view salt,
                                                   std::string_view password_sha) {
    if (name_taken_by_scope(db, name)) return std::nullopt;
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

void change_password(storage::Db& db, const PasswordChecks& passwords, std::uint64_t user_id,
                     std::string_view password, std::uint64_t keep_token_id) {
    if (!password.empty()) model::check_password(password);
    storage::UserRepo{db}.change_password(user_id,
                                          password.empty() ? "" : passwords.hash(password));
    storage::TokenRepo{db}.revoke_logins(user_id, keep_token_id);
    // An npm web login approved with the old password but not collected yet
    // would mint a token after the change (review of issue 8).
    storage::WebLoginRepo{db}.remove_for_user(user_id);
    // An email change asked with the old password dies with it (review of issue 8).
    storage::EmailConfirmationRepo{db}.remove_for_user(user_id, "change");
}

}  // namespace depot::services
