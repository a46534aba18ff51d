#include "storage/package_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kFind =
    "SELECT id, name, access, rev, description, readme, created_at, modified_at, unpublished_at"
    " FROM packages WHERE name = ?";
constexpr const char* kFindForUpdate =
    "SELECT id, name, access, rev, description, readme, created_at, modified_at, unpublished_at"
    " FROM packages WHERE name = ? FOR UPDATE";
constexpr const char* kInsert =
    "INSERT INTO packages (name, scope, access, search_name) VALUES (?, ?, ?, ?)";
constexpr const char* kSaveMeta =
    "UPDATE packages SET description = ?, keywords = ?, readme = ?, search_name = ?, rev = rev + 1,"
    " modified_at = NOW(3) WHERE id = ?";
constexpr const char* kBump =
    "UPDATE packages SET rev = rev + 1, modified_at = NOW(3) WHERE id = ?";
constexpr const char* kIsOwner =
    "SELECT 1 FROM package_owners WHERE package_id = ? AND user_id = ? AND permission = 'write'";
constexpr const char* kAddOwner =
    "INSERT IGNORE INTO package_owners (package_id, user_id, permission) VALUES (?, ?, 'write')";
constexpr const char* kListOwners =
    "SELECT u.id, u.name, u.email FROM package_owners o JOIN users u ON u.id = o.user_id"
    " WHERE o.package_id = ? AND o.permission = 'write' ORDER BY o.created_at, u.id";
// Exact name first, then FULLTEXT relevance; only public, live packages.
constexpr const char* kSearch =
    "SELECT p.name, p.description, p.modified_at, k.full_json FROM packages p"
    " JOIN packuments k ON k.package_id = p.id"
    " WHERE p.unpublished_at IS NULL AND p.access = 'public'"
    " AND (p.name = ? OR MATCH (p.search_name, p.description, p.keywords) AGAINST (? IN BOOLEAN "
    "MODE))"
    " ORDER BY p.name = ? DESC,"
    " MATCH (p.search_name, p.description, p.keywords) AGAINST (? IN BOOLEAN MODE) DESC, p.name"
    " LIMIT ? OFFSET ?";
constexpr const char* kCountSearch =
    "SELECT COUNT(*) FROM packages p WHERE p.unpublished_at IS NULL AND p.access = 'public'"
    " AND (p.name = ? OR MATCH (p.search_name, p.description, p.keywords) AGAINST (? IN BOOLEAN "
    "MODE))";

PackageRow read_row(sql::ResultSet& rs) {
    PackageRow p;
    p.id = rs.getUInt64(1);
    p.name = str(rs, 2);
    p.access = str(rs, 3);
    p.rev = rs.getUInt(4);
    p.description = str(rs, 5);
    p.readme = str(rs, 6);
    p.created = iso_time(str(rs, 7));
    p.modified = iso_time(str(rs, 8));
    p.unpublished = iso_time(str(rs, 9));
    return p;
}

}  // namespace

std::optional<PackageRow> PackageRepo::find(std::string_view name, bool for_update) const {
    const auto st = db_.prepare(for_update ? kFindForUpdate : kFind);
    st->setString(1, std::string{name});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_row(*rs);
}

std::optional<std::uint64_t> PackageRepo::insert(std::string_view name, std::string_view scope,
                                                 std::string_view access) {
    const auto st = db_.prepare(kInsert);
    st->setString(1, std::string{name});
    set_nullable(*st, 2, scope);
    st->setString(3, std::string{access});
    st->setString(4, std::string{name});
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (is_duplicate_key(e)) return std::nullopt;
        throw;
    }
    return last_insert_id(db_.conn());
}

void PackageRepo::save_meta(std::uint64_t id, const PackageMeta& m) {
    const auto st = db_.prepare(kSaveMeta);
    set_nullable(*st, 1, m.description);
    set_nullable(*st, 2, m.keywords);
    set_nullable(*st, 3, m.readme);
    st->setString(4, m.search_name);
    st->setUInt64(5, id);
    st->executeUpdate();
}

void PackageRepo::bump(std::uint64_t id) {
    const auto st = db_.prepare(kBump);
    st->setUInt64(1, id);
    st->executeUpdate();
}

bool PackageRepo::is_owner(std::uint64_t package_id, std::uint64_t user_id) const {
    const auto st = db_.prepare(kIsOwner);
    st->setUInt64(1, package_id);
    st->setUInt64(2, user_id);
    return query(*st)->next();
}

void PackageRepo::add_owner(std::uint64_t package_id, std::uint64_t user_id) {
    const auto st = db_.prepare(kAddOwner);
    st->setUInt64(1, package_id);
    st->setUInt64(2, user_id);
    st->executeUpdate();
}

std::vector<OwnerRow> PackageRepo::list_owners(std::uint64_t package_id) const {
    const auto st = db_.prepare(kListOwners);
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<OwnerRow> out;
    while (rs->next()) out.push_back({rs->getUInt64(1), str(*rs, 2), str(*rs, 3)});
    return out;
}

std::vector<SearchHit> PackageRepo::search(std::string_view text, std::string_view boolean_query,
                                           int size, int from) const {
    const auto st = db_.prepare(kSearch);
    st->setString(1, std::string{text});
    st->setString(2, std::string{boolean_query});
    st->setString(3, std::string{text});
    st->setString(4, std::string{boolean_query});
    st->setInt(5, size);
    st->setInt(6, from);
    const auto rs = query(*st);
    std::vector<SearchHit> out;
    while (rs->next())
        out.push_back({str(*rs, 1), str(*rs, 2), iso_time(str(*rs, 3)), str(*rs, 4)});
    return out;
}

int PackageRepo::count_search(std::string_view text, std::string_view boolean_query) const {
    const auto st = db_.prepare(kCountSearch);
    st->setString(1, std::string{text});
    st->setString(2, std::string{boolean_query});
    const auto rs = query(*st);
    return rs->next() ? rs->getInt(1) : 0;
}

}  // namespace depot::storage
