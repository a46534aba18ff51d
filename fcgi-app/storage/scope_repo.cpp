#include "storage/scope_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kExists = "SELECT 1 FROM scopes WHERE name = ?";
constexpr const char* kInsert = "INSERT INTO scopes (name) VALUES (?)";
constexpr const char* kLock = "SELECT 1 FROM scopes WHERE name = ? FOR UPDATE";
constexpr const char* kRoleOf = "SELECT role FROM scope_members WHERE scope = ? AND user_id = ?";
constexpr const char* kSaveMember =
    "INSERT INTO scope_members (scope, user_id, role) VALUES (?, ?, ?)"
    " ON DUPLICATE KEY UPDATE role = VALUES(role)";
constexpr const char* kRemoveMember = "DELETE FROM scope_members WHERE scope = ? AND user_id = ?";
constexpr const char* kListMembers =
    "SELECT m.user_id, u.name, m.role FROM scope_members m JOIN users u ON u.id = m.user_id"
    " WHERE m.scope = ? ORDER BY u.name, m.user_id";

}  // namespace

bool ScopeRepo::exists(std::string_view scope) const {
    const auto st = db_.prepare(kExists);
    st->setString(1, std::string{scope});
    return query(*st)->next();
}

bool ScopeRepo::insert(std::string_view scope) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, std::string{scope});
    return insert_unique(*st);
}

bool ScopeRepo::lock(std::string_view scope) {
    const auto st = db_.prepare(kLock);
    st->setString(1, std::string{scope});
    return query(*st)->next();
}

std::optional<std::string> ScopeRepo::role_of(std::string_view scope, std::uint64_t user_id) const {
    const auto st = db_.prepare(kRoleOf);
    st->setString(1, std::string{scope});
    st->setUInt64(2, user_id);
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return str(*rs, 1);
}

void ScopeRepo::save_member(std::string_view scope, std::uint64_t user_id, std::string_view role) {
    const auto st = db_.prepare(kSaveMember);
    st->setString(1, std::string{scope});
    st->setUInt64(2, user_id);
    st->setString(3, std::string{role});
    st->executeUpdate();
}

bool ScopeRepo::remove_member(std::string_view scope, std::uint64_t user_id) {
    const auto st = db_.prepare(kRemoveMember);
    st->setString(1, std::string{scope});
    st->setUInt64(2, user_id);
    return st->executeUpdate() > 0;
}

std::vector<ScopeMemberRow> ScopeRepo::list_members(std::string_view scope) const {
    const auto st = db_.prepare(kListMembers);
    st->setString(1, std::string{scope});
    const auto rs = query(*st);
    std::vector<ScopeMemberRow> out;
    while (rs->next()) out.push_back({rs->getUInt64(1), str(*rs, 2), str(*rs, 3)});
    return out;
}

}  // namespace depot::storage
