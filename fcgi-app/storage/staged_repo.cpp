#include "storage/staged_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kColumns =
    "s.id, s.package_id, p.name, s.version, s.tag, s.shasum, s.body_key, s.actor_user_id,"
    " s.actor_name, s.actor_type, s.created_at";
const std::string kFind = std::string{"SELECT "} + kColumns +
                          " FROM staged_versions s JOIN packages p ON p.id = s.package_id"
                          " WHERE s.id = ?";
const std::string kFindVersion = std::string{"SELECT "} + kColumns +
                                 " FROM staged_versions s JOIN packages p ON p.id = s.package_id"
                                 " WHERE s.package_id = ? AND s.version = ?";
const std::string kOwned =
    " FROM staged_versions s JOIN packages p ON p.id = s.package_id"
    " WHERE EXISTS (SELECT 1 FROM package_owners o WHERE o.package_id = p.id AND o.user_id = ?)"
    " AND (? = '' OR p.name = ?)";
const std::string kList =
    std::string{"SELECT "} + kColumns + kOwned + " ORDER BY s.created_at, s.id LIMIT ? OFFSET ?";
const std::string kCount = "SELECT COUNT(*)" + kOwned;
constexpr const char* kInsert =
    "INSERT INTO staged_versions (id, package_id, version, tag, shasum, body_key, actor_user_id,"
    " actor_name, actor_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

StagedRow read_row(sql::ResultSet& rs) {
    StagedRow r;
    r.id = str(rs, 1);
    r.package_id = u64(rs, 2);
    r.package_name = str(rs, 3);
    r.version = str(rs, 4);
    r.tag = str(rs, 5);
    r.shasum = str(rs, 6);
    r.body_key = str(rs, 7);
    r.actor_user_id = u64(rs, 8);
    r.actor_name = str(rs, 9);
    r.actor_type = str(rs, 10);
    r.created = iso_time(str(rs, 11));
    return r;
}

}  // namespace

bool StagedRepo::insert(const StagedRow& row) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, row.id);
    st->setUInt64(2, row.package_id);
    st->setString(3, row.version);
    set_nullable(*st, 4, row.tag);
    st->setString(5, row.shasum);
    st->setString(6, row.body_key);
    set_id(*st, 7, row.actor_user_id);
    set_nullable(*st, 8, row.actor_name);
    st->setString(9, row.actor_type);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (is_duplicate_key(e)) return false;
        throw;
    }
    return true;
}

std::optional<StagedRow> StagedRepo::find(std::string_view id) const {
    const auto st = db_.prepare(kFind.c_str());
    st->setString(1, std::string{id});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_row(*rs);
}

std::optional<StagedRow> StagedRepo::find_version(std::uint64_t package_id,
                                                  std::string_view version) const {
    const auto st = db_.prepare(kFindVersion.c_str());
    st->setUInt64(1, package_id);
    st->setString(2, std::string{version});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_row(*rs);
}

std::vector<StagedRow> StagedRepo::list(std::uint64_t user_id, std::string_view package, int limit,
                                        int offset) const {
    const auto st = db_.prepare(kList.c_str());
    st->setUInt64(1, user_id);
    st->setString(2, std::string{package});
    st->setString(3, std::string{package});
    st->setInt(4, limit);
    st->setInt(5, offset);
    const auto rs = query(*st);
    std::vector<StagedRow> out;
    while (rs->next()) out.push_back(read_row(*rs));
    return out;
}

int StagedRepo::count(std::uint64_t user_id, std::string_view package) const {
    const auto st = db_.prepare(kCount.c_str());
    st->setUInt64(1, user_id);
    st->setString(2, std::string{package});
    st->setString(3, std::string{package});
    const auto rs = query(*st);
    return rs->next() ? rs->getInt(1) : 0;
}

void StagedRepo::remove(std::string_view id) {
    const auto st = db_.prepare("DELETE FROM staged_versions WHERE id = ?");
    st->setString(1, std::string{id});
    st->executeUpdate();
}

bool StagedRepo::requires_staging(std::uint64_t package_id) const {
    const auto st = db_.prepare("SELECT require_staging FROM packages WHERE id = ?");
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    return rs->next() && rs->getBoolean(1);
}

void StagedRepo::set_requires_staging(std::uint64_t package_id, bool on) {
    const auto st = db_.prepare("UPDATE packages SET require_staging = ? WHERE id = ?");
    st->setBoolean(1, on);
    st->setUInt64(2, package_id);
    st->executeUpdate();
}

}  // namespace depot::storage
