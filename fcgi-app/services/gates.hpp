#pragma once
// Bounds on the expensive work one depot-fcgi does at once (review of issue
// 8): downloads of versions by link (a slow server holds a worker for up to
// link_timeout_seconds) and the reading of published tarballs with their
// READMEs (up to tarball_max_seconds and readme_render_ms of CPU). A caller
// over the bound gets 429 at once instead of a worker, so such requests can
// never take every worker from installs. Per process: several processes or
// hosts each keep their own share of workers free.

#include <chrono>
#include <semaphore>
#include <string_view>

namespace depot {
struct Config;
}

namespace depot::services {

class Gate {
  public:
    explicit Gate(int slots) : slots_{slots} {}
    Gate(const Gate&) = delete;
    Gate& operator=(const Gate&) = delete;

    // Holds a slot until it goes out of scope.
    class Pass {
      public:
        explicit Pass(Gate& g) : gate_{g} {}
        ~Pass() { gate_.slots_.release(); }
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;

      private:
        Gate& gate_;
    };

    // A slot, or too_many_requests(message) when all stay taken for `wait`.
    [[nodiscard]] Pass enter(std::string_view message,
                             std::chrono::milliseconds wait = std::chrono::milliseconds{0});

  private:
    std::counting_semaphore<1024> slots_;
};

struct Gates {
    explicit Gates(const Config& config);
    Gate links;    // version-by-link downloads: a quarter of the workers, at least one
    Gate uploads;  // tarball reads and README renders at publish: half the workers
    Gate uplinks;  // tarballs fetched from uplinks (held in memory): half the workers
};

}  // namespace depot::services
