#include "storage/rate_limit_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

// MySQL evaluates ON DUPLICATE KEY assignments left to right: hits is reset
// with the old window_start, then window_start moves.
constexpr const char* kHit =
    "INSERT INTO rate_limits (bucket, window_start, window_seconds, hits) VALUES (?, NOW(3), ?, 1)"
    " ON DUPLICATE KEY UPDATE"
    " hits = IF(window_start <= NOW(3) - INTERVAL window_seconds SECOND, 1, hits + 1),"
    " window_start = IF(window_start <= NOW(3) - INTERVAL window_seconds SECOND, NOW(3),"
    " window_start), window_seconds = VALUES(window_seconds)";
constexpr const char* kRead =
    "SELECT hits, GREATEST(1, CEIL(TIMESTAMPDIFF(MICROSECOND, NOW(3),"
    " window_start + INTERVAL window_seconds SECOND) / 1000000))"
    " FROM rate_limits WHERE bucket = ?";
// The index on window_start finds the candidates; the second test keeps the
// long windows (remembered logins) that have not ended.
constexpr const char* kPurge =
    "DELETE FROM rate_limits WHERE window_start < NOW(3) - INTERVAL 1 HOUR"
    " AND window_start < NOW(3) - INTERVAL window_seconds SECOND LIMIT ?";

}  // namespace

WindowHits RateLimitRepo::hit(std::string_view bucket, int window_seconds) {
    const auto up = db_.prepare(kHit);
    up->setString(1, std::string{bucket});
    up->setInt(2, window_seconds);
    up->executeUpdate();
    const auto st = db_.prepare(kRead);
    st->setString(1, std::string{bucket});
    const auto rs = query(*st);
    if (!rs->next()) return {1, window_seconds};
    return {rs->getInt(1), rs->getInt(2)};
}

int RateLimitRepo::peek(std::string_view bucket) const {
    const auto st = db_.prepare(
        "SELECT hits FROM rate_limits WHERE bucket = ?"
        " AND window_start > NOW(3) - INTERVAL window_seconds SECOND");
    st->setString(1, std::string{bucket});
    const auto rs = query(*st);
    return rs->next() ? rs->getInt(1) : 0;
}

void RateLimitRepo::purge_expired(int limit) {
    const auto st = db_.prepare(kPurge);
    st->setInt(1, limit);
    st->executeUpdate();
}

}  // namespace depot::storage
