#include "storage/trust_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kOfPackage =
    "SELECT id, package_id, type, claims, permissions, created_at FROM trust_configs"
    " WHERE package_id = ?";
constexpr const char* kOfPackageLocked =
    "SELECT id, package_id, type, claims, permissions, created_at FROM trust_configs"
    " WHERE package_id = ? FOR UPDATE";
constexpr const char* kFind =
    "SELECT id, package_id, type, claims, permissions, created_at FROM trust_configs"
    " WHERE id = ?";
constexpr const char* kInsert =
    "INSERT INTO trust_configs (id, package_id, type, claims, permissions, created_by)"
    " VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kRemove = "DELETE FROM trust_configs WHERE package_id = ? AND id = ?";
constexpr const char* kRevokeTokens =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE kind = 'oidc' AND trust_config_id = ?"
    " AND revoked_at IS NULL";
constexpr const char* kForgetPackage = "DELETE FROM trust_configs WHERE package_id = ?";
constexpr const char* kRevokePackageTokens =
    "UPDATE tokens SET revoked_at = NOW(3) WHERE kind = 'oidc' AND package_id = ?"
    " AND revoked_at IS NULL";
constexpr const char* kForgetOld =
    "DELETE FROM oidc_jti WHERE expires_at < NOW(3) - INTERVAL 10 MINUTE LIMIT 100";
constexpr const char* kUseJti =
    "INSERT INTO oidc_jti (jti_hash, expires_at) VALUES (?, FROM_UNIXTIME(?))";

std::optional<TrustRow> one(Db& db, const char* sql, auto bind) {
    const auto st = db.prepare(sql);
    bind(*st);
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return TrustRow{str(*rs, 1), rs->getUInt64(2), str(*rs, 3),
                    str(*rs, 4), str(*rs, 5),      iso_time(str(*rs, 6))};
}

}  // namespace

std::optional<TrustRow> TrustRepo::of_package(std::uint64_t package_id, bool lock) const {
    return one(db_, lock ? kOfPackageLocked : kOfPackage,
               [&](sql::PreparedStatement& st) { st.setUInt64(1, package_id); });
}

std::optional<TrustRow> TrustRepo::find(std::string_view id) const {
    return one(db_, kFind, [&](sql::PreparedStatement& st) { st.setString(1, std::string{id}); });
}

bool TrustRepo::insert(const TrustRow& t, std::uint64_t created_by) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, t.id);
    st->setUInt64(2, t.package_id);
    st->setString(3, t.type);
    st->setString(4, t.claims);
    st->setString(5, t.permissions);
    set_id(*st, 6, created_by);
    return insert_unique(*st);
}

bool TrustRepo::remove(std::uint64_t package_id, std::string_view id) {
    const auto st = db_.prepare(kRemove);
    st->setUInt64(1, package_id);
    st->setString(2, std::string{id});
    if (st->executeUpdate() == 0) return false;
    const auto tokens = db_.prepare(kRevokeTokens);
    tokens->setString(1, std::string{id});
    tokens->executeUpdate();
    return true;
}

void TrustRepo::forget_package(std::uint64_t package_id) {
    for (const char* sql : {kForgetPackage, kRevokePackageTokens}) {
        const auto st = db_.prepare(sql);
        st->setUInt64(1, package_id);
        st->executeUpdate();
    }
}

bool TrustRepo::use_jti(std::string_view jti_hash, long long expires_unix) {
    db_.prepare(kForgetOld)->executeUpdate();
    const auto st = db_.prepare(kUseJti);
    st->setString(1, std::string{jti_hash});
    st->setInt64(2, expires_unix);
    return insert_unique(*st);
}

}  // namespace depot::storage
