#pragma once
// Counters for GET /-/metrics (issue 10), in Prometheus text. They live in
// one block of shared memory that the supervisor makes and every worker
// process of the host maps (fd 3), so a scrape through nginx, whichever
// process answers, sees the host's totals: requests by route and status,
// latency histograms by route, worker restarts, database errors,
// reconnects and lock retries. Public documents and tarballs that nginx
// sends alone never reach a worker: their counts are in nginx's access log.
// Counters only grow and are lost with the supervisor; nothing reads them
// to decide anything.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depot::services {

inline constexpr std::size_t kMetricRoutes = 96;  // route table entries, the last: unmatched
inline constexpr std::size_t kMetricStatuses = 16;
inline constexpr std::size_t kLatencyBuckets = 12;  // upper bounds in kLatencyBoundsMs, then +Inf

struct MetricsBlock {
    std::atomic<std::uint64_t> requests[kMetricRoutes][kMetricStatuses];
    std::atomic<std::uint64_t> latency[kMetricRoutes][kLatencyBuckets + 1];
    std::atomic<std::uint64_t> latency_sum_us[kMetricRoutes];
    std::atomic<std::uint64_t> worker_restarts;
    std::atomic<std::uint64_t> db_errors;
    std::atomic<std::uint64_t> db_reconnects;
    std::atomic<std::uint64_t> lock_retries;
    // Uplinks (issue 11), as the workers see them: fresh documents and
    // stored tarballs that nginx sends are in its access log instead.
    std::atomic<std::uint64_t> uplink_hits;           // answered from the cache
    std::atomic<std::uint64_t> uplink_misses;         // fetched: nothing was cached
    std::atomic<std::uint64_t> uplink_revalidations;  // stale, asked again (304 or 200)
    std::atomic<std::uint64_t> uplink_errors;         // the uplink failed or answered nonsense
    std::atomic<std::uint64_t> uplink_stale;          // stale copies sent because of an error
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "counters in shared memory must be lock-free");

// The fd the supervisor hands every worker its block on.
inline constexpr int kMetricsFd = 3;

class Metrics {
  public:
    // A block of this process only (depotctl, unit tests).
    Metrics();
    // The supervisor's: a new shared block, whose fd it passes on (memfd).
    static Metrics create_shared(int& fd);
    // A supervisor's after a reload: the block its previous self made.
    static Metrics adopt(int fd);
    // A worker's: the block on kMetricsFd when the supervisor gave one,
    // else one of its own.
    static Metrics attach();

    Metrics(Metrics&&) noexcept;
    Metrics& operator=(Metrics&&) = delete;
    Metrics(const Metrics&) = delete;
    ~Metrics();

    MetricsBlock& block() { return *block_; }
    static void count(std::atomic<std::uint64_t>& counter) {
        counter.fetch_add(1, std::memory_order_relaxed);
    }

    // route: an index in the route table, or kMetricRoutes - 1 for none.
    void request(std::size_t route, int status, std::uint64_t micros);

    // labels[i]: "GET /{pkg}" for route i.
    [[nodiscard]] std::string render(const std::vector<std::string>& labels) const;

  private:
    explicit Metrics(MetricsBlock* block, bool mapped) : block_{block}, mapped_{mapped} {}
    MetricsBlock* block_;
    bool mapped_;
};

}  // namespace depot::services
