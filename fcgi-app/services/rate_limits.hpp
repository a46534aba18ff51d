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

// The same for a client address: IPv6 addresses count by their /64, the
// block one client is given (one address each would be no limit at all).
void rate_limit_address(storage::Db& db, std::string_view kind, std::string_view address,
                        int max_hits, int window_seconds, std::string_view message);

// Hits in the current window of kind/who without counting one (0: none).
[[nodiscard]] int current_hits(storage::Db& db, std::string_view kind, std::string_view who);

// Counts one hit with no limit (a record for current_hits).
void record_hit(storage::Db& db, std::string_view kind, std::string_view who, int window_seconds);

// An address as rate limits count it: IPv4 as is, IPv6 as its /64.
[[nodiscard]] std::string address_key(std::string_view address);

}  // namespace depot::services
