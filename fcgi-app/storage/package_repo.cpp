#include "storage/package_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kFind =
    "SELECT id, name, access, rev, description, readme, created_at, modified_at, unpublished_at,"
    " nightly_url"
    " FROM packages WHERE name = ?";
constexpr const char* kFindForUpdate =
    "SELECT id, name, access, rev, description, readme, created_at, modified_at, unpublished_at,"
    " nightly_url"
    " FROM packages WHERE name = ? FOR UPDATE";
constexpr const char* kFindById =
    "SELECT id, name, access, rev, description, readme, created_at, modified_at, unpublished_at,"
    " nightly_url"
    " FROM packages WHERE id = ?";
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
constexpr const char* kRemoveOwner =
    "DELETE FROM package_owners WHERE package_id = ? AND user_id = ?";
constexpr const char* kListOwned =
    "SELECT p.name, o.permission FROM package_owners o JOIN packages p ON p.id = o.package_id"
    " WHERE o.user_id = ? AND p.unpublished_at IS NULL ORDER BY p.name";
constexpr const char* kSaveAccess =
    "UPDATE packages SET access = ?, rev = rev + 1, modified_at = NOW(3) WHERE id = ?";
constexpr const char* kSaveUnpublished =
    "UPDATE packages SET unpublished_at = IF(?, NOW(3), NULL), rev = rev + 1, modified_at = NOW(3)"
    " WHERE id = ?";
constexpr const char* kAddStar = "INSERT IGNORE INTO stars (package_id, user_id) VALUES (?, ?)";
constexpr const char* kRemoveStar = "DELETE FROM stars WHERE package_id = ? AND user_id = ?";
constexpr const char* kListStargazers =
    "SELECT u.name FROM stars s JOIN users u ON u.id = s.user_id WHERE s.package_id = ?"
    " AND u.name IS NOT NULL ORDER BY u.name";
constexpr const char* kListStarred =
    "SELECT p.name FROM stars s JOIN users u ON u.id = s.user_id JOIN packages p ON p.id = "
    "s.package_id"
    " WHERE u.name = ? AND p.unpublished_at IS NULL AND p.access = 'public' ORDER BY p.name";
constexpr const char* kSaveNightly =
    "UPDATE packages SET nightly_url = ?, rev = rev + 1, modified_at = NOW(3) WHERE id = ?";
constexpr const char* kListRecent =
    "SELECT p.name, p.description, p.modified_at, v.version FROM packages p"
    " LEFT JOIN dist_tags t ON t.package_id = p.id AND t.tag = 'latest'"
    " LEFT JOIN versions v ON v.id = t.version_id"
    " WHERE p.unpublished_at IS NULL AND p.access = 'public'"
    " ORDER BY p.modified_at DESC, p.id DESC LIMIT ? OFFSET ?";
constexpr const char* kCountPublic =
    "SELECT COUNT(*) FROM packages WHERE unpublished_at IS NULL AND access = 'public'";
constexpr const char* kListOwners =

    "SELECT u.id, u.name, u.email FROM package_owners o JOIN users u ON u.id = o.user_id"
    " WHERE o.package_id = ? AND o.permission = 'write' ORDER BY o.created_at, u.id";
// Exact name first, then FULLTEXT relevance; only public, live packages.
constexpr const char* kSearch =
    "SELECT p.name, p.description, p.modified_at, v.version, v.manifest, pu.name,"
    " (SELECT GROUP_CONCAT(ou.name ORDER BY o.created_at, ou.id SEPARATOR ' ')"
    "  FROM package_owners o JOIN users ou ON ou.id = o.user_id"
    "  WHERE o.package_id = p.id AND o.permission = 'write' AND ou.name <> '')"
    " FROM packages p"
    " LEFT JOIN dist_tags t ON t.package_id = p.id AND t.tag = 'latest'"
    " LEFT JOIN versions v ON v.id = t.version_id"
    " LEFT JOIN users pu ON pu.id = v.published_by"
    " WHERE p.unpublished_at IS NULL AND (p.access = 'public' OR p.id = ? OR EXISTS (SELECT 1"
    " FROM package_owners o WHERE o.package_id = p.id AND o.user_id = ?))"
    " AND (p.name = ? OR MATCH (p.search_name, p.description, p.keywords) AGAINST (? IN BOOLEAN "
    "MODE))"
    " ORDER BY p.name = ? DESC,"
    " MATCH (p.search_name, p.description, p.keywords) AGAINST (? IN BOOLEAN MODE) DESC, p.name"
    " LIMIT ? OFFSET ?";
constexpr const char* kCountSearch =
    "SELECT COUNT(*) FROM packages p WHERE p.unpublished_at IS NULL AND (p.access = 'public' OR "
    "p.id = ? OR EXISTS"
    " (SELECT 1 FROM package_owners o WHERE o.package_id = p.id AND o.user_id = ?))"
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
    p.nightly_url = str(rs, 10);
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

std::optional<PackageRow> PackageRepo::find_by_id(std::uint64_t id) const {
    const auto st = db_.prepare(kFindById);
    st->setUInt64(1, id);
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
    if (!insert_unique(*st)) return std::nullopt;
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

void PackageRepo::remove_owner(std::uint64_t package_id, std::uint64_t user_id) {
    const auto st = db_.prepare(kRemoveOwner);
    st->setUInt64(1, package_id);
    st->setUInt64(2, user_id);
    st->executeUpdate();
}

std::vector<std::pair<std::string, std::string>> PackageRepo::list_owned(
    std::uint64_t user_id) const {
    const auto st = db_.prepare(kListOwned);
    st->setUInt64(1, user_id);
    const auto rs = query(*st);
    std::vector<std::pair<std::string, std::string>> out;
    while (rs->next()) out.emplace_back(str(*rs, 1), str(*rs, 2));
    return out;
}

void PackageRepo::save_access(std::uint64_t id, std::string_view access) {
    const auto st = db_.prepare(kSaveAccess);
    st->setString(1, std::string{access});
    st->setUInt64(2, id);
    st->executeUpdate();
}

PackageRepo::MfaPolicy PackageRepo::mfa_policy(std::uint64_t id) const {
    const auto st = db_.prepare(
        "SELECT publish_requires_tfa, automation_token_overrides_tfa FROM packages WHERE id = ?");
    st->setUInt64(1, id);
    const auto rs = query(*st);
    if (!rs->next()) return {};
    return {rs->getBoolean(1), rs->getBoolean(2)};
}

void PackageRepo::save_mfa_policy(std::uint64_t id, const MfaPolicy& policy) {
    const auto st = db_.prepare(
        "UPDATE packages SET publish_requires_tfa = ?, automation_token_overrides_tfa = ? WHERE id "
        "= ?");
    st->setBoolean(1, policy.publish_requires_tfa);
    st->setBoolean(2, policy.automation_token_overrides_tfa);
    st->setUInt64(3, id);
    st->executeUpdate();
}

void PackageRepo::save_unpublished(std::uint64_t id, bool unpublished) {
    const auto st = db_.prepare(kSaveUnpublished);
    st->setBoolean(1, unpublished);
    st->setUInt64(2, id);
    st->executeUpdate();
}

void PackageRepo::add_star(std::uint64_t package_id, std::uint64_t user_id) {
    const auto st = db_.prepare(kAddStar);
    st->setUInt64(1, package_id);
    st->setUInt64(2, user_id);
    st->executeUpdate();
}

void PackageRepo::remove_star(std::uint64_t package_id, std::uint64_t user_id) {
    const auto st = db_.prepare(kRemoveStar);
    st->setUInt64(1, package_id);
    st->setUInt64(2, user_id);
    st->executeUpdate();
}

std::vector<std::string> PackageRepo::list_stargazers(std::uint64_t package_id) const {
    const auto st = db_.prepare(kListStargazers);
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<std::string> out;
    while (rs->next()) out.push_back(str(*rs, 1));
    return out;
}

std::vector<std::string> PackageRepo::list_starred(std::string_view user_name) const {
    const auto st = db_.prepare(kListStarred);
    st->setString(1, std::string{user_name});
    const auto rs = query(*st);
    std::vector<std::string> out;
    while (rs->next()) out.push_back(str(*rs, 1));
    return out;
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
                                           int size, int from, std::uint64_t reader_id,
                                           std::uint64_t reader_package) const {
    const auto st = db_.prepare(kSearch);
    st->setUInt64(1, reader_package);
    st->setUInt64(2, reader_id);
    st->setString(3, std::string{text});
    st->setString(4, std::string{boolean_query});
    st->setString(5, std::string{text});
    st->setString(6, std::string{boolean_query});
    st->setInt(7, size);
    st->setInt(8, from);
    const auto rs = query(*st);
    std::vector<SearchHit> out;
    while (rs->next()) {
        out.push_back({str(*rs, 1), str(*rs, 2), iso_time(str(*rs, 3)), str(*rs, 4), str(*rs, 5),
                       str(*rs, 6), str(*rs, 7)});
    }
    return out;
}

int PackageRepo::count_search(std::string_view text, std::string_view boolean_query,
                              std::uint64_t reader_id, std::uint64_t reader_package) const {
    const auto st = db_.prepare(kCountSearch);
    st->setUInt64(1, reader_package);
    st->setUInt64(2, reader_id);
    st->setString(3, std::string{text});
    st->setString(4, std::string{boolean_query});
    const auto rs = query(*st);
    return rs->next() ? rs->getInt(1) : 0;
}

}  // namespace depot::storage

namespace depot::storage {

std::vector<RecentRow> PackageRepo::list_recent(int limit, int offset) const {
    const auto st = db_.prepare(kListRecent);
    st->setInt(1, limit);
    st->setInt(2, offset);
    const auto rs = query(*st);
    std::vector<RecentRow> out;
    while (rs->next())
        out.push_back({str(*rs, 1), str(*rs, 2), iso_time(str(*rs, 3)), str(*rs, 4)});
    return out;
}

std::vector<std::pair<std::uint64_t, std::string>> PackageRepo::list_all() const {
    const auto st = db_.prepare("SELECT id, name FROM packages ORDER BY id");
    const auto rs = query(*st);
    std::vector<std::pair<std::uint64_t, std::string>> out;
    while (rs->next()) out.emplace_back(rs->getUInt64(1), str(*rs, 2));
    return out;
}

int PackageRepo::count_public() const {
    const auto st = db_.prepare(kCountPublic);
    const auto rs = query(*st);
    return rs->next() ? rs->getInt(1) : 0;
}

}  // namespace depot::storage

namespace depot::storage {

void PackageRepo::save_nightly(std::uint64_t id, std::string_view url) {
    const auto st = db_.prepare(kSaveNightly);
    set_nullable(*st, 1, url);
    st->setUInt64(2, id);
    st->executeUpdate();
}

}  // namespace depot::storage

namespace depot::storage {

std::string exact_name_of(std::string_view text) {
    if (text.size() > 214) return {};
    for (const char c : text) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return {};
    }
    return std::string{text};
}

std::string fulltext_query(std::string_view text) {
    std::string out, word;
    for (const char ch : std::string{text} + " ") {
        const char c = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            word.push_back(c);
        } else if (!word.empty()) {
            out += (out.empty() ? "" : " ") + word + "*";
            word.clear();
        }
    }
    return out;
}

}  // namespace depot::storage
