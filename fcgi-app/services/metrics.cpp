#include "services/metrics.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <new>
#include <stdexcept>

namespace depot::services {
namespace {

constexpr std::array<int, kMetricStatuses - 1> kStatuses{200, 201, 204, 301, 302, 304, 400, 401,
                                                         403, 404, 409, 413, 429, 500, 503};
constexpr std::array<double, kLatencyBuckets> kLatencyBoundsMs{1,   2.5, 5,   10,   25,   50,
                                                               100, 250, 500, 1000, 2500, 10000};

std::size_t status_slot(int status) {
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
        if (kStatuses[i] == status) return i;
    }
    return kMetricStatuses - 1;  // any other
}

MetricsBlock* map_block(int fd) {
    void* p = ::mmap(nullptr, sizeof(MetricsBlock), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? nullptr : static_cast<MetricsBlock*>(p);
}

std::string number(std::uint64_t v) { return std::to_string(v); }

std::string seconds(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", ms / 1000.0);
    return buf;
}

}  // namespace

Metrics::Metrics() : block_{new MetricsBlock{}}, mapped_{false} {}

Metrics::Metrics(Metrics&& o) noexcept : block_{o.block_}, mapped_{o.mapped_} {
    o.block_ = nullptr;
}

Metrics::~Metrics() {
    if (block_ == nullptr) return;
    if (mapped_) {
        ::munmap(block_, sizeof(MetricsBlock));
    } else {
        delete block_;
    }
}

Metrics Metrics::create_shared(int& fd) {
    fd = ::memfd_create("depot-metrics", 0);  // inherited by the workers, on purpose
    if (fd < 0 || ::ftruncate(fd, sizeof(MetricsBlock)) != 0)
        throw std::runtime_error("metrics: cannot make shared memory");
    auto* block = map_block(fd);  // zero-filled: every counter starts at 0
    if (block == nullptr) throw std::runtime_error("metrics: cannot map shared memory");
    return Metrics{block, true};
}

Metrics Metrics::adopt(int fd) {
    // A block made by an older binary may be smaller: grow it (zeros) first.
    struct stat st {};
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) < sizeof(MetricsBlock))
        (void)::ftruncate(fd, sizeof(MetricsBlock));
    auto* block = map_block(fd);
    if (block == nullptr) throw std::runtime_error("metrics: cannot map the shared memory");
    return Metrics{block, true};
}

Metrics Metrics::attach() {
    struct stat st {};
    if (::fstat(kMetricsFd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::size_t>(st.st_size) == sizeof(MetricsBlock)) {
        if (auto* block = map_block(kMetricsFd)) {
            ::close(kMetricsFd);
            return Metrics{block, true};
        }
    }
    return Metrics{};
}

void Metrics::request(std::size_t route, int status, std::uint64_t micros) {
    if (route >= kMetricRoutes) route = kMetricRoutes - 1;
    block_->requests[route][status_slot(status)].fetch_add(1, std::memory_order_relaxed);
    std::size_t b = 0;
    while (b<kLatencyBuckets&& static_cast<double>(micros)> kLatencyBoundsMs[b] * 1000) ++b;
    block_->latency[route][b].fetch_add(1, std::memory_order_relaxed);
    block_->latency_sum_us[route].fetch_add(micros, std::memory_order_relaxed);
}

std::string Metrics::render(const std::vector<std::string>& labels) const {
    const auto label = [&](std::size_t r) {
        return r < labels.size() && r != kMetricRoutes - 1 ? labels[r] : std::string{"unmatched"};
    };
    std::string out;
    out += "# HELP depot_requests_total Requests the workers answered, by route and status.\n";
    out += "# TYPE depot_requests_total counter\n";
    for (std::size_t r = 0; r < kMetricRoutes; ++r) {
        for (std::size_t s = 0; s < kMetricStatuses; ++s) {
            const auto n = block_->requests[r][s].load(std::memory_order_relaxed);
            if (n == 0) continue;
            const auto status = s < kStatuses.size() ? std::to_string(kStatuses[s]) : "other";
            out += "depot_requests_total{route=\"" + label(r) + "\",status=\"" + status + "\"} " +
                   number(n) + "\n";
        }
    }
    out +=
        "# HELP depot_request_duration_seconds Time from the request to the answer in a worker.\n";
    out += "# TYPE depot_request_duration_seconds histogram\n";
    for (std::size_t r = 0; r < kMetricRoutes; ++r) {
        std::uint64_t count = 0;
        for (std::size_t b = 0; b <= kLatencyBuckets; ++b)
            count += block_->latency[r][b].load(std::memory_order_relaxed);
        if (count == 0) continue;
        std::uint64_t cumulative = 0;
        const auto name = "depot_request_duration_seconds";
        const auto route = "route=\"" + label(r) + "\"";
        for (std::size_t b = 0; b <= kLatencyBuckets; ++b) {
            cumulative += block_->latency[r][b].load(std::memory_order_relaxed);
            const auto le = b < kLatencyBuckets ? seconds(kLatencyBoundsMs[b]) : "+Inf";
            out += std::string{name} + "_bucket{" + route + ",le=\"" + le + "\"} " +
                   number(cumulative) + "\n";
        }
        char sum[32];
        std::snprintf(sum, sizeof sum, "%.6f",
                      static_cast<double>(block_->latency_sum_us[r].load()) / 1e6);
        out += std::string{name} + "_sum{" + route + "} " + sum + "\n";
        out += std::string{name} + "_count{" + route + "} " + number(count) + "\n";
    }
    const auto counter = [&](const char* name, const char* help,
                             const std::atomic<std::uint64_t>& v) {
        out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " counter\n" +
               name + " " + number(v.load(std::memory_order_relaxed)) + "\n";
    };
    counter("depot_worker_restarts_total", "Worker processes the supervisor started again.",
            block_->worker_restarts);
    counter("depot_db_errors_total", "Requests that failed on a database error.",
            block_->db_errors);
    counter("depot_db_reconnects_total", "Database connections found lost and dropped.",
            block_->db_reconnects);
    counter("depot_lock_retries_total", "Transactions run again after a deadlock or lock wait.",
            block_->lock_retries);
    counter("depot_uplink_hits_total", "Proxied reads a worker answered from the cache.",
            block_->uplink_hits);
    counter("depot_uplink_misses_total", "Proxied documents fetched because none was cached.",
            block_->uplink_misses);
    counter("depot_uplink_revalidations_total", "Stale proxied documents asked for again.",
            block_->uplink_revalidations);
    counter("depot_uplink_errors_total", "Uplink requests that failed or were refused.",
            block_->uplink_errors);
    counter("depot_uplink_stale_total", "Stale proxied documents sent because the uplink failed.",
            block_->uplink_stale);
    return out;
}

}  // namespace depot::services
