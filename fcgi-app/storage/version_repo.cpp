#include "storage/version_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

// The signature, the trusted publisher and the provenance (issue 13).
#define SUPPLY_CHAIN_COLUMNS                                                         \
    ", v.sig_keyid, v.sig, v.trusted_publisher, v.oidc_config_id, a.predicate_type," \
    " a.source_repo, a.workflow, a.commit_sha, a.build_url"                          \
    " FROM versions v LEFT JOIN users u ON u.id = v.published_by"                    \
    " LEFT JOIN attestations a ON a.version_id = v.id "

constexpr const char* kInsert =
    "INSERT INTO versions (package_id, version, manifest, shasum, integrity, size, tarball_key,"
    " published_by, readme, tarball_url, readme_html, trusted_publisher, oidc_config_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kColumns =
    "SELECT v.id, v.version, v.manifest, v.shasum, v.integrity, v.size, v.tarball_key, "
    "v.tarball_url,"
    " v.published_at, v.deprecated, v.unpublished_at, u.name, u.email, v.readme, "
    "v.readme_html" SUPPLY_CHAIN_COLUMNS;
// The same without the READMEs (up to 64 KiB each), for building documents.
constexpr const char* kDocumentColumns =
    "SELECT v.id, v.version, v.manifest, v.shasum, v.integrity, v.size, v.tarball_key, "
    "v.tarball_url,"
    " v.published_at, v.deprecated, v.unpublished_at, u.name, u.email, NULL, "
    "NULL" SUPPLY_CHAIN_COLUMNS;
constexpr const char* kNewestSuffix =
    "WHERE v.package_id = ? AND v.unpublished_at IS NULL ORDER BY v.published_at DESC, v.id DESC"
    " LIMIT 1";
constexpr const char* kCountLive =
    "SELECT COUNT(*) FROM versions WHERE package_id = ? AND unpublished_at IS NULL";
constexpr const char* kFindSuffix = "WHERE v.package_id = ? AND v.version = ?";
constexpr const char* kListSuffix =
    "WHERE v.package_id = ? AND v.unpublished_at IS NULL ORDER BY v.published_at, v.id";
constexpr const char* kListAllSuffix = "WHERE v.package_id = ? ORDER BY v.published_at, v.id";
constexpr const char* kPublishedWithin =
    "SELECT published_at > NOW(3) - INTERVAL ? HOUR FROM versions WHERE id = ?";
constexpr const char* kSaveDeprecated = "UPDATE versions SET deprecated = ? WHERE id = ?";
constexpr const char* kSaveUnpublished =
    "UPDATE versions SET unpublished_at = NOW(3) WHERE id = ? AND unpublished_at IS NULL";
constexpr const char* kRemoveTag = "DELETE FROM dist_tags WHERE package_id = ? AND tag = ?";
constexpr const char* kRemoveAllTags = "DELETE FROM dist_tags WHERE package_id = ?";
constexpr const char* kChangesSince =
    "SELECT c.seq, c.package_name, c.kind, c.actor_name, c.detail, c.created_at FROM changes c"
    " LEFT JOIN packages p ON p.id = c.package_id WHERE c.origin = ? AND c.seq > ?"
    " AND (p.id IS NULL OR p.access = 'public' OR p.id = ? OR EXISTS (SELECT 1"
    " FROM package_owners o WHERE o.package_id = p.id AND o.user_id = ?)) ORDER BY c.seq LIMIT ?";
constexpr const char* kChangesFor =
    "SELECT c.seq, c.package_name, c.kind, c.actor_name, c.detail, c.created_at FROM changes c"
    " WHERE (? = '' OR c.package_name = ?) AND (? = '' OR c.actor_name = ?)"
    " ORDER BY c.seq DESC LIMIT ?";
constexpr const char* kInsertAdvisory =
    "INSERT INTO advisories (package_name, vulnerable_versions, severity, title, url) VALUES (?, "
    "?, ?, ?, ?)";
constexpr const char* kListAdvisories =
    "SELECT id, package_name, vulnerable_versions, severity, title, url FROM advisories"
    " WHERE package_name = ? ORDER BY id";
constexpr const char* kSaveTag =
    "INSERT INTO dist_tags (package_id, tag, version_id) VALUES (?, ?, ?)"
    " ON DUPLICATE KEY UPDATE version_id = VALUES(version_id), updated_at = NOW(3)";
constexpr const char* kListTags =
    "SELECT t.tag, v.version FROM dist_tags t JOIN versions v ON v.id = t.version_id"
    " WHERE t.package_id = ? AND v.unpublished_at IS NULL ORDER BY t.tag";
constexpr const char* kAppendChange =
    "INSERT INTO changes (package_id, package_name, kind, actor_user_id, actor_name, detail,"
    " origin) VALUES (?, ?, ?, ?, ?, ?, ?)";

VersionRow read_version(sql::ResultSet& rs) {
    VersionRow v;
    v.id = rs.getUInt64(1);
    v.version = str(rs, 2);
    v.manifest = str(rs, 3);
    v.shasum = str(rs, 4);
    v.integrity = str(rs, 5);
    v.size = u64(rs, 6);
    v.tarball_key = str(rs, 7);
    v.tarball_url = str(rs, 8);
    v.published_at = iso_time(str(rs, 9));
    v.deprecated = str(rs, 10);
    v.unpublished_at = iso_time(str(rs, 11));
    v.publisher_name = str(rs, 12);
    v.publisher_email = str(rs, 13);
    v.readme = str(rs, 14);
    v.readme_html = str(rs, 15);
    v.sig_keyid = str(rs, 16);
    v.sig = str(rs, 17);
    v.trusted_publisher = str(rs, 18);
    v.oidc_config_id = str(rs, 19);
    v.provenance.predicate_type = str(rs, 20);
    v.provenance.source_repo = str(rs, 21);
    v.provenance.workflow = str(rs, 22);
    v.provenance.commit = str(rs, 23);
    v.provenance.build_url = str(rs, 24);
    return v;
}

}  // namespace

std::optional<std::uint64_t> VersionRepo::insert(const NewVersion& v) {
    const auto st = db_.prepare(kInsert);
    st->setUInt64(1, v.package_id);
    st->setString(2, v.version);
    st->setString(3, v.manifest);
    st->setString(4, v.shasum);
    st->setString(5, v.integrity);
    st->setUInt64(6, v.size);
    set_nullable(*st, 7, v.tarball_key);
    set_id(*st, 8, v.published_by);
    set_nullable(*st, 9, v.readme);
    set_nullable(*st, 10, v.tarball_url);
    // A README that could not be rendered (over the budget) keeps an empty HTML,
    // not NULL: NULL means "never rendered" to depotctl render-readmes.
    if (v.readme.empty()) {
        st->setNull(11, 0);
    } else {
        st->setString(11, v.readme_html);
    }
    set_nullable(*st, 12, v.trusted_publisher);
    set_nullable(*st, 13, v.oidc_config_id);
    if (!insert_unique(*st)) return std::nullopt;
    return last_insert_id(db_.conn());
}

std::optional<VersionRow> VersionRepo::find(std::uint64_t package_id,
                                            std::string_view version) const {
    const auto st = db_.prepare((std::string{kColumns} + kFindSuffix).c_str());
    st->setUInt64(1, package_id);
    st->setString(2, std::string{version});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_version(*rs);
}

std::vector<VersionRow> VersionRepo::list(std::uint64_t package_id) const {
    const auto st = db_.prepare((std::string{kColumns} + kListSuffix).c_str());
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<VersionRow> out;
    while (rs->next()) out.push_back(read_version(*rs));
    return out;
}

std::vector<VersionRow> VersionRepo::list_for_document(std::uint64_t package_id) const {
    const auto st = db_.prepare((std::string{kDocumentColumns} + kListSuffix).c_str());
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<VersionRow> out;
    while (rs->next()) out.push_back(read_version(*rs));
    return out;
}

std::optional<VersionRow> VersionRepo::newest_live(std::uint64_t package_id) const {
    const auto st = db_.prepare((std::string{kDocumentColumns} + kNewestSuffix).c_str());
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_version(*rs);
}

std::uint64_t VersionRepo::count_live(std::uint64_t package_id) const {
    const auto st = db_.prepare(kCountLive);
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    return rs->next() ? rs->getUInt64(1) : 0;
}

std::vector<VersionRow> VersionRepo::list_all(std::uint64_t package_id) const {
    const auto st = db_.prepare((std::string{kColumns} + kListAllSuffix).c_str());
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<VersionRow> out;
    while (rs->next()) out.push_back(read_version(*rs));
    return out;
}

bool VersionRepo::published_within(std::uint64_t version_id, int hours) const {
    const auto st = db_.prepare(kPublishedWithin);
    st->setInt(1, hours);
    st->setUInt64(2, version_id);
    const auto rs = query(*st);
    return rs->next() && rs->getBoolean(1);
}

std::vector<std::pair<std::uint64_t, std::string>> VersionRepo::list_unrendered_readmes(
    int limit) const {
    const auto st = db_.prepare(
        "SELECT id, readme FROM versions WHERE readme_html IS NULL AND readme IS NOT NULL"
        " AND readme <> '' ORDER BY id LIMIT ?");
    st->setInt(1, limit);
    const auto rs = query(*st);
    std::vector<std::pair<std::uint64_t, std::string>> out;
    while (rs->next()) out.emplace_back(rs->getUInt64(1), str(*rs, 2));
    return out;
}

void VersionRepo::save_readme_html(std::uint64_t version_id, std::string_view html) {
    const auto st = db_.prepare("UPDATE versions SET readme_html = ? WHERE id = ?");
    st->setString(1, std::string{html});
    st->setUInt64(2, version_id);
    st->executeUpdate();
}

void VersionRepo::save_deprecated(std::uint64_t version_id, std::string_view message) {
    const auto st = db_.prepare(kSaveDeprecated);
    set_nullable(*st, 1, message);
    st->setUInt64(2, version_id);
    st->executeUpdate();
}

void VersionRepo::save_unpublished(std::uint64_t version_id) {
    const auto st = db_.prepare(kSaveUnpublished);
    st->setUInt64(1, version_id);
    st->executeUpdate();
}

bool TagRepo::remove(std::uint64_t package_id, std::string_view tag) {
    const auto st = db_.prepare(kRemoveTag);
    st->setUInt64(1, package_id);
    st->setString(2, std::string{tag});
    return st->executeUpdate() > 0;
}

void TagRepo::remove_all(std::uint64_t package_id) {
    const auto st = db_.prepare(kRemoveAllTags);
    st->setUInt64(1, package_id);
    st->executeUpdate();
}

void TagRepo::save(std::uint64_t package_id, std::string_view tag, std::uint64_t version_id) {
    const auto st = db_.prepare(kSaveTag);
    st->setUInt64(1, package_id);
    st->setString(2, std::string{tag});
    st->setUInt64(3, version_id);
    st->executeUpdate();
}

std::vector<TagRow> TagRepo::list(std::uint64_t package_id) const {
    const auto st = db_.prepare(kListTags);
    st->setUInt64(1, package_id);
    const auto rs = query(*st);
    std::vector<TagRow> out;
    while (rs->next()) out.push_back({str(*rs, 1), str(*rs, 2)});
    return out;
}

void ChangeRepo::append(const Change& c) {
    const auto st = db_.prepare(kAppendChange);
    set_id(*st, 1, c.package_id);
    set_nullable(*st, 2, c.package_name);
    st->setString(3, c.kind);
    set_id(*st, 4, c.actor_user_id);
    set_nullable(*st, 5, c.actor_name);
    set_nullable(*st, 6, c.detail);
    st->setString(7, c.origin);
    st->executeUpdate();
}

namespace {

std::vector<ChangeRow> read_changes(sql::ResultSet& rs) {
    std::vector<ChangeRow> out;
    while (rs.next()) {
        out.push_back({rs.getUInt64(1), str(rs, 2), str(rs, 3), str(rs, 4), str(rs, 5),
                       iso_time(str(rs, 6))});
    }
    return out;
}

}  // namespace

std::vector<ChangeRow> ChangeRepo::list_since(std::uint64_t seq, int limit, std::uint64_t reader_id,
                                              std::uint64_t reader_package,
                                              std::string_view origin) const {
    const auto st = db_.prepare(kChangesSince);
    st->setString(1, std::string{origin});
    st->setUInt64(2, seq);
    st->setUInt64(3, reader_package);
    st->setUInt64(4, reader_id);
    st->setInt(5, limit);
    return read_changes(*query(*st));
}

std::vector<ChangeRow> ChangeRepo::list_for(std::string_view package, std::string_view actor,
                                            int limit) const {
    const auto st = db_.prepare(kChangesFor);
    st->setString(1, std::string{package});
    st->setString(2, std::string{package});
    st->setString(3, std::string{actor});
    st->setString(4, std::string{actor});
    st->setInt(5, limit);
    return read_changes(*query(*st));
}

std::uint64_t AdvisoryRepo::insert(const AdvisoryRow& a) {
    const auto st = db_.prepare(kInsertAdvisory);
    st->setString(1, a.package_name);
    st->setString(2, a.vulnerable_versions);
    st->setString(3, a.severity);
    st->setString(4, a.title);
    set_nullable(*st, 5, a.url);
    st->executeUpdate();
    return last_insert_id(db_.conn());
}

std::vector<AdvisoryRow> AdvisoryRepo::list_for(std::string_view package_name) const {
    const auto st = db_.prepare(kListAdvisories);
    st->setString(1, std::string{package_name});
    const auto rs = query(*st);
    std::vector<AdvisoryRow> out;
    while (rs->next()) {
        out.push_back(
            {rs->getUInt64(1), str(*rs, 2), str(*rs, 3), str(*rs, 4), str(*rs, 5), str(*rs, 6)});
    }
    return out;
}

}  // namespace depot::storage
