#include "services/rate_limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "storage/rate_limit_repo.hpp"

namespace depot::services {
namespace {

std::string bucket_of(std::string_view kind, std::string_view who) {
    // Hashed: the bucket column is short ASCII, and emails or names stay out of it.
    return std::string{kind} + ":" + crypto::to_hex(crypto::sha256(who)).substr(0, 40);
}

}  // namespace

std::string address_key(std::string_view address) {
    in6_addr v6{};
    const std::string text{address};
    if (address.find(':') == std::string_view::npos || inet_pton(AF_INET6, text.c_str(), &v6) != 1)
        return text;
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6.s6_addr, kMapped, 12) == 0) {  // an IPv4 client of a dual-stack socket
        char v4[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, v6.s6_addr + 12, v4, sizeof v4);
        return v4;
    }
    std::memset(v6.s6_addr + 8, 0, 8);
    char out[INET6_ADDRSTRLEN] = "";
    inet_ntop(AF_INET6, &v6, out, sizeof out);
    return std::string{out} + "/64";
}

void rate_limit_address(storage::Db& db, std::string_view kind, std::string_view address,
                        int max_hits, int window_seconds, std::string_view message) {
    rate_limit(db, kind, address_key(address), max_hits, window_seconds, message);
}

int current_hits(storage::Db& db, std::string_view kind, std::string_view who) {
    return storage::RateLimitRepo{db}.peek(bucket_of(kind, who));
}

void record_hit(storage::Db& db, std::string_view kind, std::string_view who, int window_seconds) {
    (void)storage::RateLimitRepo{db}.hit(bucket_of(kind, who), window_seconds);
}

void rate_limit(storage::Db& db, std::string_view kind, std::string_view who, int max_hits,
                int window_seconds, std::string_view message) {
    const auto bucket = bucket_of(kind, who);
    storage::RateLimitRepo repo{db};
    const auto w = repo.hit(bucket, window_seconds);
    if (w.hits == 1) repo.purge_expired(100);  // a new window: sweep some ended ones
    if (w.hits > max_hits) throw too_many_requests(std::string{message}, w.seconds_left);
}

}  // namespace depot::services
