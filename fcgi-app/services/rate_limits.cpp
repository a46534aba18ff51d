#include "services/rate_limits.hpp"

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "storage/rate_limit_repo.hpp"

namespace depot::services {

void rate_limit(storage::Db& db, std::string_view kind, std::string_view who, int max_hits,
                int window_seconds, std::string_view message) {
    // Hashed: the bucket column is short ASCII, and emails or names stay out of it.
    const auto bucket = std::string{kind} + ":" + crypto::to_hex(crypto::sha256(who)).substr(0, 40);
    storage::RateLimitRepo repo{db};
    const auto w = repo.hit(bucket, window_seconds);
    if (w.hits == 1) repo.purge_expired(100);  // a new window: sweep some ended ones
    if (w.hits > max_hits) throw too_many_requests(std::string{message}, w.seconds_left);
}

}  // namespace depot::services
