#include "storage/user_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kColumns =
    "SELECT id, name, email, password_hash, legacy_salt, legacy_sha, rev, created_at, updated_at,"
    " credential_gen"
    " FROM users ";
constexpr const char* kInsert =
    "INSERT INTO users (name, email, password_hash, legacy_salt, legacy_sha) VALUES (?, ?, ?, ?, "
    "?)";
constexpr const char* kSavePassword =
    "UPDATE users SET password_hash = ?, legacy_salt = NULL, legacy_sha = NULL,"
    " updated_at = NOW(3) WHERE id = ?";
constexpr const char* kSaveEmail =
    "UPDATE users SET email = ?, rev = rev + 1, updated_at = NOW(3) WHERE id = ?";
constexpr const char* kChangePassword =
    "UPDATE users SET password_hash = ?, legacy_salt = NULL, legacy_sha = NULL, rev = rev + 1,"
    " credential_gen = credential_gen + 1, updated_at = NOW(3) WHERE id = ?";
constexpr const char* kCredentialGen = "SELECT credential_gen FROM users WHERE id = ?";

std::optional<UserRow> one(Db& db, const std::string& where, auto bind) {
    const auto st = db.prepare((std::string{kColumns} + where).c_str());
    bind(*st);
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    UserRow u;
    u.id = rs->getUInt64(1);
    u.name = str(*rs, 2);
    u.email = str(*rs, 3);
    u.password_hash = str(*rs, 4);
    u.legacy_salt = str(*rs, 5);
    u.legacy_sha = str(*rs, 6);
    u.rev = rs->getUInt(7);
    u.created = iso_time(str(*rs, 8));
    u.updated = iso_time(str(*rs, 9));
    u.credential_gen = rs->getUInt(10);
    return u;
}

}  // namespace

std::optional<UserRow> UserRepo::find_by_name(std::string_view name) const {
    return one(db_, "WHERE name = ?",
               [&](sql::PreparedStatement& st) { st.setString(1, std::string{name}); });
}

std::optional<UserRow> UserRepo::find_by_id(std::uint64_t id) const {
    return one(db_, "WHERE id = ?", [&](sql::PreparedStatement& st) { st.setUInt64(1, id); });
}

std::optional<UserRow> UserRepo::find_by_email(std::string_view email) const {
    return one(db_, "WHERE email_lower = LOWER(?)",
               [&](sql::PreparedStatement& st) { st.setString(1, std::string{email}); });
}

std::optional<std::uint64_t> UserRepo::insert(const UserRow& u) {
    const auto st = db_.prepare(kInsert);
    set_nullable(*st, 1, u.name);
    set_nullable(*st, 2, u.email);
    set_nullable(*st, 3, u.password_hash);
    set_nullable(*st, 4, u.legacy_salt);
    set_nullable(*st, 5, u.legacy_sha);
    if (!insert_unique(*st)) return std::nullopt;
    return last_insert_id(db_.conn());
}

void UserRepo::save_password(std::uint64_t id, std::string_view hash) {
    const auto st = db_.prepare(kSavePassword);
    st->setString(1, std::string{hash});
    st->setUInt64(2, id);
    st->executeUpdate();
}

void UserRepo::save_email(std::uint64_t id, std::string_view email) {
    const auto st = db_.prepare(kSaveEmail);
    set_nullable(*st, 1, email);
    st->setUInt64(2, id);
    st->executeUpdate();
}

void UserRepo::change_password(std::uint64_t id, std::string_view hash) {
    const auto st = db_.prepare(kChangePassword);
    set_nullable(*st, 1, hash);
    st->setUInt64(2, id);
    st->executeUpdate();
}

std::uint32_t UserRepo::credential_gen(std::uint64_t id) const {
    const auto st = db_.prepare(kCredentialGen);
    st->setUInt64(1, id);
    const auto rs = query(*st);
    return rs->next() ? rs->getUInt(1) : 0;
}

}  // namespace depot::storage

namespace depot::storage {

bool UserRepo::save_name(std::uint64_t id, std::string_view name) {
    const auto st = db_.prepare(
        "UPDATE users SET name = ?, rev = rev + 1, updated_at = NOW(3) WHERE id = ? AND name IS "
        "NULL");
    st->setString(1, std::string{name});
    st->setUInt64(2, id);
    try {
        return st->executeUpdate() == 1;
    } catch (const sql::SQLException& e) {
        if (is_duplicate_key(e)) return false;
        throw;
    }
}

std::string UserRepo::fullname(std::uint64_t id) const {
    const auto st = db_.prepare("SELECT fullname FROM users WHERE id = ?");
    st->setUInt64(1, id);
    const auto rs = query(*st);
    return rs->next() ? str(*rs, 1) : std::string{};
}

void UserRepo::set_fullname(std::uint64_t id, std::string_view fullname) {
    const auto st = db_.prepare("UPDATE users SET fullname = ?, updated_at = NOW(3) WHERE id = ?");
    set_nullable(*st, 1, fullname);
    st->setUInt64(2, id);
    st->executeUpdate();
}

}  // namespace depot::storage
