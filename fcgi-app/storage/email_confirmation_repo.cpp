#include "storage/email_confirmation_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO email_confirmations (email, token_hash, client_addr, expires_at, user_id, purpose)"
    " VALUES (?, ?, ?, NOW(3) + INTERVAL ? SECOND, ?, ?)";
constexpr const char* kFindActive =
    "SELECT id, email, user_id, purpose FROM email_confirmations"
    " WHERE token_hash = ? AND expires_at > NOW(3)";
constexpr const char* kRemoveForUser =
    "DELETE FROM email_confirmations WHERE user_id = ? AND purpose = ?";
constexpr const char* kRemoveForEmail =
    "DELETE FROM email_confirmations WHERE email_lower = LOWER(?)";
constexpr const char* kRemove = "DELETE FROM email_confirmations WHERE token_hash = ?";
constexpr const char* kPurge = "DELETE FROM email_confirmations WHERE expires_at < NOW(3) LIMIT ?";

}  // namespace

void EmailConfirmationRepo::insert(std::string_view email, std::string_view token_hash,
                                   std::string_view client_addr, int expires_in_seconds,
                                   std::uint64_t user_id, std::string_view purpose) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, std::string{email});
    st->setString(2, std::string{token_hash});
    st->setString(3, std::string{client_addr.substr(0, 64)});
    st->setInt(4, expires_in_seconds);
    set_id(*st, 5, user_id);
    st->setString(6, std::string{purpose});
    st->executeUpdate();
}

std::optional<EmailConfirmationRow> EmailConfirmationRepo::find_active(
    std::string_view token_hash) const {
    const auto st = db_.prepare(kFindActive);
    st->setString(1, std::string{token_hash});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return EmailConfirmationRow{rs->getUInt64(1), str(*rs, 2), u64(*rs, 3), str(*rs, 4)};
}

int EmailConfirmationRepo::remove_for_email(std::string_view email) {
    const auto st = db_.prepare(kRemoveForEmail);
    st->setString(1, std::string{email});
    return st->executeUpdate();
}

void EmailConfirmationRepo::remove(std::string_view token_hash) {
    const auto st = db_.prepare(kRemove);
    st->setString(1, std::string{token_hash});
    st->executeUpdate();
}

void EmailConfirmationRepo::remove_for_user(std::uint64_t user_id, std::string_view purpose) {
    const auto st = db_.prepare(kRemoveForUser);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{purpose});
    st->executeUpdate();
}

void EmailConfirmationRepo::purge_expired(int limit) {
    const auto st = db_.prepare(kPurge);
    st->setInt(1, limit);
    st->executeUpdate();
}

}  // namespace depot::storage
