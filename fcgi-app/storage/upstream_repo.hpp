#pragma once
// What depot knows of names it proxies (issue 11): one row per name an uplink
// was asked for, and each uplink's recent failures. The documents themselves
// are files in the store (services/uplinks).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct UpstreamDocRow {
    std::string name;
    std::string uplink;
    std::string status;  // "ok" or "missing"
    std::string etag;
    std::string last_modified;
    std::uint64_t versions = 0;
    std::uint64_t bytes = 0;
    std::string fetched_at;   // ISO
    std::string fresh_until;  // ISO
    bool fresh = false;       // fresh_until is still ahead
    bool served = false;
    std::uint64_t age_seconds = 0;  // since fetched_at
};

class UpstreamRepo {
  public:
    explicit UpstreamRepo(Db& db) : db_{db} {}

    [[nodiscard]] std::optional<UpstreamDocRow> find(std::string_view name) const;
    // The uplink answered 200 or 404: the row as it is now, fresh for maxage seconds.
    void save(const UpstreamDocRow& row, int maxage_seconds);
    // The uplink answered 304: fresh again.
    void confirm(std::string_view name, int maxage_seconds);
    void set_served(std::string_view name, bool served);
    // depotctl cache refresh: stale from now.
    void make_stale(std::string_view name);
    void remove(std::string_view name);
    // Rows whose files are up but whose time is over (the expiry loop).
    [[nodiscard]] std::vector<std::string> expired_served(int limit) const;
    // depotctl cache ls (a LIKE pattern; empty: all) and purge --older-than.
    [[nodiscard]] std::vector<UpstreamDocRow> list(std::string_view like, int limit) const;
    [[nodiscard]] std::vector<std::string> fetched_before_days(int days) const;
    // "missing" rows an hour past their time: names nobody asks for again.
    void remove_old_missing(int limit);

    // Seconds the uplink is still left alone after a failure; 0 when it is not.
    [[nodiscard]] double down_for(std::string_view uplink) const;
    // A failure: left alone for a few seconds, longer as failures repeat (at most 10).
    void record_failure(std::string_view uplink, std::string_view error);
    void record_success(std::string_view uplink);

  private:
    Db& db_;
};

}  // namespace depot::storage
