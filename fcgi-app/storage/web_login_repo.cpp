#include "storage/web_login_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO web_logins (login_hash, done_hash, create_account, client_addr, user_agent,"
    " expires_at) VALUES (?, ?, ?, ?, ?, NOW(3) + INTERVAL ? SECOND)";
constexpr const char* kFindByLogin =
    "SELECT id, user_id, create_account, client_addr, user_agent, created_at, credential_gen"
    " FROM web_logins WHERE login_hash = ? AND expires_at > NOW(3)";
constexpr const char* kFindByDone =
    "SELECT id, user_id, create_account, client_addr, user_agent, created_at, credential_gen"
    " FROM web_logins WHERE done_hash = ? AND expires_at > NOW(3)";
constexpr const char* kPurge = "DELETE FROM web_logins WHERE expires_at < NOW(3) LIMIT ?";
constexpr const char* kApprove =
    "UPDATE web_logins SET user_id = ?, credential_gen = ? WHERE id = ? AND user_id IS NULL";
constexpr const char* kRemove = "DELETE FROM web_logins WHERE id = ?";

std::optional<WebLoginRow> one(Db& db, const char* sql, std::string_view hash) {
    const auto st = db.prepare(sql);
    st->setString(1, std::string{hash});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    WebLoginRow row{rs->getUInt64(1), u64(*rs, 2), rs->getBoolean(3),
                    str(*rs, 4),      str(*rs, 5), iso_time(str(*rs, 6))};
    row.credential_gen = rs->isNull(7) ? 0 : rs->getUInt(7);
    return row;
}

}  // namespace

void WebLoginRepo::insert(std::string_view login_hash, std::string_view done_hash,
                          bool create_account, std::string_view client_addr,
                          std::string_view user_agent, int expires_in_seconds) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, std::string{login_hash});
    st->setString(2, std::string{done_hash});
    st->setBoolean(3, create_account);
    st->setString(4, std::string{client_addr.substr(0, 64)});
    st->setString(5, std::string{user_agent});
    st->setInt(6, expires_in_seconds);
    st->executeUpdate();
}

void WebLoginRepo::remove_for_user(std::uint64_t user_id) {
    const auto st = db_.prepare("DELETE FROM web_logins WHERE user_id = ?");
    st->setUInt64(1, user_id);
    st->executeUpdate();
}

void WebLoginRepo::purge_expired(int limit) {
    const auto st = db_.prepare(kPurge);
    st->setInt(1, limit);
    st->executeUpdate();
}

std::optional<WebLoginRow> WebLoginRepo::find_by_login(std::string_view login_hash) const {
    return one(db_, kFindByLogin, login_hash);
}

std::optional<WebLoginRow> WebLoginRepo::find_by_done(std::string_view done_hash) const {
    return one(db_, kFindByDone, done_hash);
}

void WebLoginRepo::approve(std::uint64_t id, std::uint64_t user_id, std::uint32_t credential_gen) {
    const auto st = db_.prepare(kApprove);
    st->setUInt64(1, user_id);
    st->setUInt(2, credential_gen);
    st->setUInt64(3, id);
    st->executeUpdate();
}

bool WebLoginRepo::remove(std::uint64_t id) {
    const auto st = db_.prepare(kRemove);
    st->setUInt64(1, id);
    return st->executeUpdate() > 0;
}

}  // namespace depot::storage
