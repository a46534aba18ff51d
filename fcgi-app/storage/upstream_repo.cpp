#include "storage/upstream_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kColumns =
    "name, uplink, status, etag, last_modified, versions, bytes, fetched_at, fresh_until,"
    " fresh_until > NOW(3), served, TIMESTAMPDIFF(SECOND, fetched_at, NOW(3))";
const std::string kFind = std::string{"SELECT "} + kColumns + " FROM upstream_docs WHERE name = ?";
const std::string kList = std::string{"SELECT "} + kColumns +
                          " FROM upstream_docs WHERE name LIKE ? ORDER BY name LIMIT ?";
constexpr const char* kSave =
    "INSERT INTO upstream_docs (name, uplink, status, etag, last_modified, versions, bytes,"
    " fetched_at, fresh_until, served) VALUES (?, ?, ?, ?, ?, ?, ?, NOW(3),"
    " NOW(3) + INTERVAL ? SECOND, 0) ON DUPLICATE KEY UPDATE uplink = VALUES(uplink),"
    " status = VALUES(status), etag = VALUES(etag), last_modified = VALUES(last_modified),"
    " versions = VALUES(versions), bytes = VALUES(bytes), fetched_at = VALUES(fetched_at),"
    " fresh_until = VALUES(fresh_until), served = 0";
constexpr const char* kConfirm =
    "UPDATE upstream_docs SET fetched_at = NOW(3), fresh_until = NOW(3) + INTERVAL ? SECOND"
    " WHERE name = ?";
constexpr const char* kServed = "UPDATE upstream_docs SET served = ? WHERE name = ?";
constexpr const char* kMakeStale =
    "UPDATE upstream_docs SET fresh_until = NOW(3) - INTERVAL 1 SECOND WHERE name = ?";
constexpr const char* kRemove = "DELETE FROM upstream_docs WHERE name = ?";
constexpr const char* kExpired =
    "SELECT name FROM upstream_docs WHERE served = 1 AND fresh_until <= NOW(3) LIMIT ?";
constexpr const char* kOlder =
    "SELECT name FROM upstream_docs WHERE fetched_at < NOW(3) - INTERVAL ? DAY";
constexpr const char* kRemoveOldMissing =
    "DELETE FROM upstream_docs WHERE status = 'missing' AND fresh_until < NOW(3) - INTERVAL 1 HOUR"
    " LIMIT ?";
constexpr const char* kDownFor =
    "SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), down_until) FROM uplink_state"
    " WHERE uplink = ? AND down_until > NOW(3)";
constexpr const char* kFailure =
    "INSERT INTO uplink_state (uplink, down_until, failures, last_error)"
    " VALUES (?, NOW(3) + INTERVAL 2 SECOND, 1, ?) ON DUPLICATE KEY UPDATE"
    " failures = failures + 1, last_error = VALUES(last_error),"
    " down_until = NOW(3) + INTERVAL LEAST(10, 2 * failures) SECOND";
constexpr const char* kSuccess =
    "UPDATE uplink_state SET failures = 0, down_until = NOW(3) WHERE uplink = ? AND failures > 0";

UpstreamDocRow read_row(sql::ResultSet& rs) {
    UpstreamDocRow r;
    r.name = str(rs, 1);
    r.uplink = str(rs, 2);
    r.status = str(rs, 3);
    r.etag = str(rs, 4);
    r.last_modified = str(rs, 5);
    r.versions = u64(rs, 6);
    r.bytes = u64(rs, 7);
    r.fetched_at = iso_time(str(rs, 8));
    r.fresh_until = iso_time(str(rs, 9));
    r.fresh = rs.getInt(10) != 0;
    r.served = rs.getInt(11) != 0;
    r.age_seconds = u64(rs, 12);
    return r;
}

}  // namespace

std::optional<UpstreamDocRow> UpstreamRepo::find(std::string_view name) const {
    const auto st = db_.prepare(kFind.c_str());
    st->setString(1, std::string{name});
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_row(*rs);
}

void UpstreamRepo::save(const UpstreamDocRow& row, int maxage_seconds) {
    const auto st = db_.prepare(kSave);
    st->setString(1, row.name);
    st->setString(2, row.uplink);
    st->setString(3, row.status);
    set_nullable(*st, 4, row.etag);
    set_nullable(*st, 5, row.last_modified);
    st->setUInt64(6, row.versions);
    st->setUInt64(7, row.bytes);
    st->setInt(8, maxage_seconds);
    st->executeUpdate();
}

void UpstreamRepo::confirm(std::string_view name, int maxage_seconds) {
    const auto st = db_.prepare(kConfirm);
    st->setInt(1, maxage_seconds);
    st->setString(2, std::string{name});
    st->executeUpdate();
}

void UpstreamRepo::set_served(std::string_view name, bool served) {
    const auto st = db_.prepare(kServed);
    st->setInt(1, served ? 1 : 0);
    st->setString(2, std::string{name});
    st->executeUpdate();
}

void UpstreamRepo::make_stale(std::string_view name) {
    const auto st = db_.prepare(kMakeStale);
    st->setString(1, std::string{name});
    st->executeUpdate();
}

void UpstreamRepo::remove(std::string_view name) {
    const auto st = db_.prepare(kRemove);
    st->setString(1, std::string{name});
    st->executeUpdate();
}

std::vector<std::string> UpstreamRepo::expired_served(int limit) const {
    const auto st = db_.prepare(kExpired);
    st->setInt(1, limit);
    const auto rs = query(*st);
    std::vector<std::string> out;
    while (rs->next()) out.push_back(str(*rs, 1));
    return out;
}

std::vector<UpstreamDocRow> UpstreamRepo::list(std::string_view like, int limit) const {
    const auto st = db_.prepare(kList.c_str());
    st->setString(1, like.empty() ? std::string{"%"} : std::string{like});
    st->setInt(2, limit);
    const auto rs = query(*st);
    std::vector<UpstreamDocRow> out;
    while (rs->next()) out.push_back(read_row(*rs));
    return out;
}

std::vector<std::string> UpstreamRepo::fetched_before_days(int days) const {
    const auto st = db_.prepare(kOlder);
    st->setInt(1, days);
    const auto rs = query(*st);
    std::vector<std::string> out;
    while (rs->next()) out.push_back(str(*rs, 1));
    return out;
}

void UpstreamRepo::remove_old_missing(int limit) {
    const auto st = db_.prepare(kRemoveOldMissing);
    st->setInt(1, limit);
    st->executeUpdate();
}

double UpstreamRepo::down_for(std::string_view uplink) const {
    const auto st = db_.prepare(kDownFor);
    st->setString(1, std::string{uplink});
    const auto rs = query(*st);
    if (!rs->next()) return 0;
    return static_cast<double>(rs->getInt64(1)) / 1e6;
}

void UpstreamRepo::record_failure(std::string_view uplink, std::string_view error) {
    const auto st = db_.prepare(kFailure);
    st->setString(1, std::string{uplink});
    st->setString(2, std::string{error.substr(0, 500)});
    st->executeUpdate();
}

void UpstreamRepo::record_success(std::string_view uplink) {
    const auto st = db_.prepare(kSuccess);
    st->setString(1, std::string{uplink});
    st->executeUpdate();
}

}  // namespace depot::storage
