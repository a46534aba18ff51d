// The /-/metrics counters (services/metrics): requests by route and status,
// cumulative latency buckets, and a block shared with another process.

#include "services/metrics.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using depot::services::kMetricRoutes;
using depot::services::Metrics;

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(requests_and_latency_render_as_prometheus_text) {
    Metrics m;
    const std::vector<std::string> labels{"GET /-/ping", "PUT /{pkg}"};
    m.request(0, 200, 300);                 // 0.3 ms: the first bucket
    m.request(0, 200, 7000);                // 7 ms: le 0.01 and up
    m.request(1, 201, 20000000);            // 20 s: +Inf only
    m.request(1, 418, 10);                  // a status without its own slot
    m.request(kMetricRoutes + 5, 404, 10);  // out of range: unmatched
    const auto text = m.render(labels);
    BOOST_TEST(text.find("depot_requests_total{route=\"GET /-/ping\",status=\"200\"} 2\n") !=
               std::string::npos);
    BOOST_TEST(text.find("depot_requests_total{route=\"PUT /{pkg}\",status=\"201\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("depot_requests_total{route=\"PUT /{pkg}\",status=\"other\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("depot_requests_total{route=\"unmatched\",status=\"404\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(
        text.find(
            "depot_request_duration_seconds_bucket{route=\"GET /-/ping\",le=\"0.001\"} 1\n") !=
        std::string::npos);
    BOOST_TEST(
        text.find("depot_request_duration_seconds_bucket{route=\"GET /-/ping\",le=\"0.01\"} 2\n") !=
        std::string::npos);
    BOOST_TEST(
        text.find("depot_request_duration_seconds_bucket{route=\"PUT /{pkg}\",le=\"10\"} 1\n") !=
        std::string::npos);  // the 10 µs one
    BOOST_TEST(
        text.find("depot_request_duration_seconds_bucket{route=\"PUT /{pkg}\",le=\"+Inf\"} 2\n") !=
        std::string::npos);
    BOOST_TEST(text.find("depot_request_duration_seconds_count{route=\"GET /-/ping\"} 2\n") !=
               std::string::npos);
    BOOST_TEST(text.find("depot_worker_restarts_total 0\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_shared_block_counts_what_another_process_adds) {
    int fd = -1;
    auto shared = Metrics::create_shared(fd);
    BOOST_REQUIRE(fd >= 0);
    const pid_t child = ::fork();
    if (child == 0) {
        // As a worker process would: counters through the same memory.
        for (int i = 0; i < 1000; ++i) shared.request(0, 200, 5);
        shared.block().worker_restarts.fetch_add(3);
        ::_exit(0);
    }
    for (int i = 0; i < 1000; ++i) shared.request(0, 200, 5);
    int status = 0;
    ::waitpid(child, &status, 0);
    BOOST_TEST(shared.block().requests[0][0].load() == 2000u);
    BOOST_TEST(shared.block().worker_restarts.load() == 3u);
    ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()
