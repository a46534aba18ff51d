#include "storage/token_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO tokens (kind, token_hash, key_id, token_prefix, name, user_id, package_id, "
    "readonly,"
    " cidr_whitelist, expires_at, granular, description, packages, scopes, permission,"
    " bypass_2fa, trust_config_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " IF(? = 0, NULL, NOW(3) + INTERVAL ? SECOND), ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kFindActive =
    "SELECT t.id, t.kind, t.key_id, t.token_prefix, t.name, t.user_id, t.package_id, t.readonly,"
    " t.cidr_whitelist, t.created_at, t.last_used_at, t.expires_at, u.name, u.email,"
    " GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(3), t.expires_at)),"
    " t.granular, t.description, t.packages, t.scopes, t.permission, t.bypass_2fa,"
    " t.trust_config_id FROM tokens t LEFT JOIN users u ON u.id = t.user_id"
    " WHERE t.token_hash = ? AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at > NOW(3))";
constexpr const char* kTouch =
    "UPDATE tokens SET last_used_at = NOW(3) WHERE id = ?"
    " AND (last_used_at IS NULL OR last_used_at < NOW(3) - INTERVAL 1 MINUTE)";
constexpr const char* kRevokeByHash =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE token_hash = ? AND revoked_at IS NULL";
constexpr const char* kRevokeByKey =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE user_id = ? AND key_id = ? AND revoked_at IS NULL";
constexpr const char* kRevokeAll =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE user_id = ? AND kind = ? AND revoked_at IS NULL";
constexpr const char* kList =
    "SELECT t.id, t.kind, t.key_id, t.token_prefix, t.name, t.user_id, t.package_id, t.readonly,"
    " t.cidr_whitelist, t.created_at, t.last_used_at, t.expires_at, u.name, u.email,"
    " GREATEST(1, TIMESTAMPDIFF(SECOND, NOW(3), t.expires_at)),"
    " t.granular, t.description, t.packages, t.scopes, t.permission, t.bypass_2fa,"
    " t.trust_config_id FROM tokens t LEFT JOIN users u ON u.id = t.user_id"
    " WHERE t.user_id = ? AND t.kind = ? AND t.revoked_at IS NULL"
    " AND (t.expires_at IS NULL OR t.expires_at > NOW(3)) ORDER BY t.id";

TokenRow read_row(sql::ResultSet& rs) {
    TokenRow t;
    t.id = rs.getUInt64(1);
    t.kind = str(rs, 2);
    t.key_id = str(rs, 3);
    t.prefix = str(rs, 4);
    t.name = str(rs, 5);
    t.user_id = u64(rs, 6);
    t.package_id = u64(rs, 7);
    t.readonly = rs.getBoolean(8);
    t.cidrs = str(rs, 9);
    t.created = iso_time(str(rs, 10));
    t.last_used = iso_time(str(rs, 11));
    t.expires = iso_time(str(rs, 12));
    t.user_name = str(rs, 13);
    t.user_email = str(rs, 14);
    t.expires_in_seconds = rs.isNull(15) ? 0 : rs.getInt64(15);
    t.limits.granular = rs.getBoolean(16);
    t.limits.description = str(rs, 17);
    t.limits.packages = str(rs, 18);
    t.limits.scopes = str(rs, 19);
    t.limits.permission = str(rs, 20);
    t.limits.bypass_2fa = rs.getBoolean(21);
    t.limits.trust_config_id = str(rs, 22);
    return t;
}

}  // namespace

std::uint64_t TokenRepo::insert(const NewToken& t) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, t.kind);
    st->setString(2, t.hash_hex);
    st->setString(3, t.key_id);
    st->setString(4, t.prefix);
    set_nullable(*st, 5, t.name);
    set_id(*st, 6, t.user_id);
    set_id(*st, 7, t.package_id);
    st->setBoolean(8, t.readonly);
    set_nullable(*st, 9, t.cidrs);
    st->setInt(10, t.expires_in_seconds);
    st->setInt(11, t.expires_in_seconds);
    st->setBoolean(12, t.limits.granular);
    set_nullable(*st, 13, t.limits.description);
    set_nullable(*st, 14, t.limits.packages);
    set_nullable(*st, 15, t.limits.scopes);
    set_nullable(*st, 16, t.limits.permission);
    st->setBoolean(17, t.limits.bypass_2fa);
    set_nullable(*st, 18, t.limits.trust_config_id);
    st->executeUpdate();
    return last_insert_id(db_.conn());
}

bool TokenRepo::revoke_by_id(std::uint64_t user_id, std::uint64_t id) {
    const auto st = db_.prepare(
        "UPDATE tokens SET revoked_at = NOW(3) WHERE id = ? AND user_id = ? AND revoked_at IS "
        "NULL");
    st->setUInt64(1, id);
    st->setUInt64(2, user_id);
    return st->executeUpdate() > 0;
}

int TokenRepo::expire_classic() {
    const auto st = db_.prepare(
        "UPDATE tokens SET expires_at = NOW(3) WHERE kind = 'user' AND granular = FALSE"
        " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > NOW(3))");
    return st->executeUpdate();
}

bool TokenLimits::covers(std::string_view package_name) const {
    if (!granular) return true;
    if (permission == "no-access") return false;
    const auto any = [](std::string_view list, auto&& match) {
        while (!list.empty()) {
            const auto sp = list.find(' ');
            if (match(list.substr(0, sp))) return true;
            if (sp == std::string_view::npos) break;
            list.remove_prefix(sp + 1);
        }
        return false;
    };
    return any(packages, [&](std::string_view p) { return p == "*" || p == package_name; }) ||
           any(scopes, [&](std::string_view s) {
               return !s.empty() && package_name.size() > s.size() &&
                      package_name.substr(0, s.size()) == s && package_name[s.size()] == '/';
           });
}

std::optional<TokenRow> TokenRepo::find_active(std::string_view hash_hex) const {
    const auto st = db_.prepare(kFindActive);
    st->setString(1, std::string{hash_hex});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_row(*rs);
}

void TokenRepo::touch(std::uint64_t id) {
    const auto st = db_.prepare(kTouch);
    st->setUInt64(1, id);
    st->executeUpdate();
}

bool TokenRepo::revoke_by_hash(std::string_view hash_hex) {
    const auto st = db_.prepare(kRevokeByHash);
    st->setString(1, std::string{hash_hex});
    return st->executeUpdate() > 0;
}

bool TokenRepo::revoke_by_key(std::uint64_t user_id, std::string_view key_id) {
    const auto st = db_.prepare(kRevokeByKey);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{key_id});
    return st->executeUpdate() > 0;
}

std::vector<TokenRow> TokenRepo::list_for_user(std::uint64_t user_id, std::string_view kind) const {
    const auto st = db_.prepare(kList);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{kind});
    const auto rs = query(*st);
    std::vector<TokenRow> out;
    while (rs->next()) out.push_back(read_row(*rs));
    return out;
}

}  // namespace depot::storage

namespace depot::storage {

void TokenRepo::revoke_all(std::uint64_t user_id, std::string_view kind) {
    const auto st = db_.prepare(kRevokeAll);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{kind});
    st->executeUpdate();
}

}  // namespace depot::storage

namespace depot::storage {

void TokenRepo::revoke_for_package(std::uint64_t package_id, std::string_view kind) {
    const auto st = db_.prepare(
        "UPDATE tokens SET revoked_at = NOW(3) WHERE package_id = ? AND kind = ? AND revoked_at IS "
        "NULL");
    st->setUInt64(1, package_id);
    st->setString(2, std::string{kind});
    st->executeUpdate();
}

}  // namespace depot::storage

namespace depot::storage {
namespace {

constexpr const char* kRevokeLogins =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE user_id = ? AND kind IN ('user', 'session', "
    "'reset')"
    " AND revoked_at IS NULL AND id <> ?";
constexpr const char* kListProjectPackages =
    "SELECT DISTINCT package_id FROM tokens WHERE user_id = ? AND kind = 'project'"
    " AND revoked_at IS NULL AND package_id IS NOT NULL ORDER BY package_id";
constexpr const char* kRevokeProjects =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE user_id = ? AND kind = 'project'"
    " AND revoked_at IS NULL AND (? = 0 OR package_id = ?)";
constexpr const char* kPurgeExpired =
    "DELETE FROM tokens WHERE expires_at < NOW(3) - INTERVAL 1 DAY AND kind IN ('session', 'reset')"
    " LIMIT ?";

}  // namespace

void TokenRepo::revoke_logins(std::uint64_t user_id, std::uint64_t keep_id) {
    const auto st = db_.prepare(kRevokeLogins);
    st->setUInt64(1, user_id);
    st->setUInt64(2, keep_id);
    st->executeUpdate();
}

std::vector<std::uint64_t> TokenRepo::list_project_packages(std::uint64_t user_id) const {
    const auto st = db_.prepare(kListProjectPackages);
    st->setUInt64(1, user_id);
    const auto rs = query(*st);
    std::vector<std::uint64_t> out;
    while (rs->next()) out.push_back(rs->getUInt64(1));
    return out;
}

int TokenRepo::revoke_projects_of(std::uint64_t user_id, std::uint64_t package_id) {
    const auto st = db_.prepare(kRevokeProjects);
    st->setUInt64(1, user_id);
    st->setUInt64(2, package_id);
    st->setUInt64(3, package_id);
    return st->executeUpdate();
}

void TokenRepo::purge_expired(int limit) {
    const auto st = db_.prepare(kPurgeExpired);
    st->setInt(1, limit);
    st->executeUpdate();
}

}  // namespace depot::storage
