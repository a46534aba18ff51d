#include "storage/signing_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kList =
    "SELECT id, keyid, public_key, private_sealed, kek_id, active, created_at, expires_at"
    " FROM signing_keys ORDER BY id";
constexpr const char* kActive =
    "SELECT id, keyid, public_key, private_sealed, kek_id, active, created_at, expires_at"
    " FROM signing_keys WHERE active = 1";
constexpr const char* kActiveLocked =
    "SELECT id, keyid, public_key, private_sealed, kek_id, active, created_at, expires_at"
    " FROM signing_keys WHERE active = 1 LOCK IN SHARE MODE";
constexpr const char* kFind =
    "SELECT id, keyid, public_key, private_sealed, kek_id, active, created_at, expires_at"
    " FROM signing_keys WHERE keyid = ?";
constexpr const char* kInsert =
    "INSERT INTO signing_keys (keyid, public_key, private_sealed, kek_id, active)"
    " VALUES (?, ?, ?, ?, ?)";
constexpr const char* kDeactivate =
    "UPDATE signing_keys SET active = NULL, expires_at = COALESCE(expires_at, NOW(3))"
    " WHERE active = 1";
constexpr const char* kSetActive =
    "UPDATE signing_keys SET active = 1, expires_at = NULL WHERE keyid = ?";
constexpr const char* kRetireNow =
    "UPDATE signing_keys SET active = NULL, expires_at = NOW(3) WHERE keyid = ?";
constexpr const char* kRetireAt =
    "UPDATE signing_keys SET active = NULL, expires_at = ? WHERE keyid = ?";
constexpr const char* kSaveSignature = "UPDATE versions SET sig_keyid = ?, sig = ? WHERE id = ?";
constexpr const char* kUnsigned =
    "SELECT v.id, v.package_id, p.name, v.version, v.integrity FROM versions v"
    " JOIN packages p ON p.id = v.package_id LEFT JOIN signing_keys k ON k.keyid = v.sig_keyid"
    " WHERE v.id > ? AND v.unpublished_at IS NULL AND (v.sig IS NULL OR k.id IS NULL"
    " OR (k.expires_at IS NOT NULL AND k.expires_at <= v.published_at)) ORDER BY v.id LIMIT ?";

SigningKeyRow read_key(sql::ResultSet& rs) {
    SigningKeyRow k;
    k.id = rs.getUInt64(1);
    k.keyid = str(rs, 2);
    k.public_key = str(rs, 3);
    k.private_sealed = str(rs, 4);
    k.kek_id = str(rs, 5);
    k.active = !rs.isNull(6);
    k.created = iso_time(str(rs, 7));
    k.expires = iso_time(str(rs, 8));
    return k;
}

std::optional<SigningKeyRow> one(Db& db, const char* sql, std::string_view arg) {
    const auto st = db.prepare(sql);
    if (!arg.empty()) st->setString(1, std::string{arg});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_key(*rs);
}

}  // namespace

std::vector<SigningKeyRow> SigningRepo::list() const {
    const auto st = db_.prepare(kList);
    const auto rs = query(*st);
    std::vector<SigningKeyRow> out;
    while (rs->next()) out.push_back(read_key(*rs));
    return out;
}

std::optional<SigningKeyRow> SigningRepo::active(bool lock) const {
    return one(db_, lock ? kActiveLocked : kActive, {});
}

std::optional<SigningKeyRow> SigningRepo::find(std::string_view keyid) const {
    if (keyid.empty()) return std::nullopt;
    return one(db_, kFind, keyid);
}

void SigningRepo::insert(const SigningKeyRow& k) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, k.keyid);
    st->setString(2, k.public_key);
    st->setString(3, k.private_sealed);
    st->setString(4, k.kek_id);
    if (k.active) {
        st->setInt(5, 1);
    } else {
        st->setNull(5, 0);
    }
    st->executeUpdate();
}

void SigningRepo::deactivate_active() { db_.prepare(kDeactivate)->executeUpdate(); }

void SigningRepo::set_active(std::string_view keyid) {
    const auto st = db_.prepare(kSetActive);
    st->setString(1, std::string{keyid});
    st->executeUpdate();
}

bool SigningRepo::retire(std::string_view keyid, std::string_view expires_iso) {
    const auto st = db_.prepare(expires_iso.empty() ? kRetireNow : kRetireAt);
    int i = 1;
    if (!expires_iso.empty()) st->setString(i++, std::string{expires_iso});
    st->setString(i, std::string{keyid});
    return st->executeUpdate() > 0 || find(keyid).has_value();
}

void SigningRepo::save_signature(std::uint64_t version_id, std::string_view keyid,
                                 std::string_view sig) {
    const auto st = db_.prepare(kSaveSignature);
    st->setString(1, std::string{keyid});
    st->setString(2, std::string{sig});
    st->setUInt64(3, version_id);
    st->executeUpdate();
}

std::vector<UnsignedVersion> SigningRepo::unsigned_versions(std::uint64_t after_id,
                                                            int limit) const {
    const auto st = db_.prepare(kUnsigned);
    st->setUInt64(1, after_id);
    st->setInt(2, limit);
    const auto rs = query(*st);
    std::vector<UnsignedVersion> out;
    while (rs->next()) {
        out.push_back({rs->getUInt64(1), rs->getUInt64(2), str(*rs, 3), str(*rs, 4), str(*rs, 5)});
    }
    return out;
}

}  // namespace depot::storage
