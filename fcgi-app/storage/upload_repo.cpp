#include "storage/upload_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kBegin = "INSERT INTO uploads (tarball_key) VALUES (?)";
constexpr const char* kFinish = "DELETE FROM uploads WHERE id = ?";
constexpr const char* kStale =
    "SELECT id, tarball_key FROM uploads WHERE created_at < NOW(3) - INTERVAL ? SECOND"
    " ORDER BY created_at LIMIT ?";
constexpr const char* kInProgress =
    "SELECT 1 FROM uploads WHERE tarball_key = ? AND id <> ?"
    " AND created_at >= NOW(3) - INTERVAL ? SECOND LIMIT 1";
constexpr const char* kUsed = "SELECT 1 FROM versions WHERE tarball_key = ? LIMIT 1";
constexpr const char* kUnpublishedFiles =
    "SELECT id, tarball_key FROM versions WHERE unpublished_at IS NOT NULL"
    " AND tarball_key IS NOT NULL AND unpublished_at < NOW(3) - INTERVAL ? SECOND LIMIT ?";
constexpr const char* kHasTables =
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
    " AND table_name IN ('users', 'packages')";
constexpr const char* kCountUse =
    "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM packages)";
constexpr const char* kTarballKeys =
    "SELECT tarball_key FROM versions WHERE tarball_key IS NOT NULL"
    " UNION ALL SELECT body_key FROM staged_versions";  // staged uploads wait in the store too
constexpr const char* kForgetFile = "UPDATE versions SET tarball_key = NULL WHERE id = ?";

std::vector<UploadRow> rows(sql::PreparedStatement& st) {
    const auto rs = query(st);
    std::vector<UploadRow> out;
    while (rs->next()) out.push_back({rs->getUInt64(1), str(*rs, 2)});
    return out;
}

}  // namespace

std::uint64_t UploadRepo::begin(std::string_view key) {
    const auto st = db_.prepare(kBegin);
    st->setString(1, std::string{key});
    st->executeUpdate();
    return last_insert_id(db_.conn());
}

void UploadRepo::finish(std::uint64_t id) {
    const auto st = db_.prepare(kFinish);
    st->setUInt64(1, id);
    st->executeUpdate();
}

std::vector<UploadRow> UploadRepo::stale(int age_seconds, int limit) const {
    const auto st = db_.prepare(kStale);
    st->setInt(1, age_seconds);
    st->setInt(2, limit);
    return rows(*st);
}

bool UploadRepo::in_progress(std::string_view key, std::uint64_t except_id, int age_seconds) const {
    const auto st = db_.prepare(kInProgress);
    st->setString(1, std::string{key});
    st->setUInt64(2, except_id);
    st->setInt(3, age_seconds);
    return query(*st)->next();
}

bool UploadRepo::used(std::string_view key) const {
    const auto st = db_.prepare(kUsed);
    st->setString(1, std::string{key});
    return query(*st)->next();
}

std::vector<UploadRow> UploadRepo::unpublished_files(int age_seconds, int limit) const {
    const auto st = db_.prepare(kUnpublishedFiles);
    st->setInt(1, age_seconds);
    st->setInt(2, limit);
    return rows(*st);
}

void UploadRepo::forget_file(std::uint64_t version_id) {
    const auto st = db_.prepare(kForgetFile);
    st->setUInt64(1, version_id);
    st->executeUpdate();
}

bool UploadRepo::registry_empty() const {
    const auto tables = db_.prepare(kHasTables);
    const auto rs = query(*tables);
    if (!rs->next() || rs->getInt(1) < 2) return true;
    const auto use = db_.prepare(kCountUse);
    const auto n = query(*use);
    return n->next() && n->getUInt64(1) == 0;
}

std::vector<std::string> UploadRepo::tarball_keys() const {
    const auto st = db_.prepare(kTarballKeys);
    const auto rs = query(*st);
    std::vector<std::string> out;
    while (rs->next()) out.push_back(str(*rs, 1));
    return out;
}

}  // namespace depot::storage
