#pragma once
// Abuse limits (issue 8, review M3 and L4): fixed-window counters in MySQL,
// so every worker on every host counts the same hits. A caller over a limit
// gets 429 with Retry-After before any expensive work (a password hash, a
// mail, a download) is done. Call outside a transaction: the counter row is
// committed at once.

#include <string_view>

namespace depot::storage {
class Db;
}

namespace depot::services {

// Counts one hit for `who` (an address, a name, an email) in the bucket kind;
// throws too_many_requests(message) when more than max_hits fell into the
// current window of window_seconds.
void rate_limit(storage::Db& db, std::string_view kind, std::string_view who, int max_hits,
                int window_seconds, std::string_view message);

}  // namespace depot::services
