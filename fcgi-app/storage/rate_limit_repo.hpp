#pragma once
// Fixed-window hit counters (table rate_limits), one row per bucket.

#include <string_view>

namespace depot::storage {

class Db;

struct WindowHits {
    int hits = 0;          // in the current window, this hit included
    int seconds_left = 0;  // until the window ends
};

class RateLimitRepo {
  public:
    explicit RateLimitRepo(Db& db) : db_{db} {}
    // Counts one hit in bucket's current window (starting a new one when the
    // old one ended) and answers the count.
    [[nodiscard]] WindowHits hit(std::string_view bucket, int window_seconds);
    // Hits in the bucket's current window (0 when none or ended), counting nothing.
    [[nodiscard]] int peek(std::string_view bucket) const;
    // Drops windows that ended over an hour ago; at most limit rows per call.
    void purge_expired(int limit);

  private:
    Db& db_;
};

}  // namespace depot::storage
