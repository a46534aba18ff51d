#pragma once
// The worker processes and the one that keeps them running (issue 10). A
// crash of one worker process loses only the requests it was serving: the
// others keep accepting on the shared socket, and the supervisor starts a
// new one (after a growing pause when they keep dying at start). SIGHUP
// replaces every worker with the binary now on disk, new ones first, so an
// upgrade or a config change loses no request; SIGTERM stops them all after
// their requests in flight. The supervisor holds the listening socket and
// nothing else: no database, no request. On SIGHUP it runs itself again
// (the binary and config on disk), keeping the socket, the metrics and the
// old workers, which the new supervisor stops once its own have started:
// an upgrade of every part of depot-fcgi without a lost request.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace depot::fcgi {

// The environment variable a worker finds its supervisor's pid in.
inline constexpr const char* kSupervisorPid = "DEPOT_SUPERVISOR_PID";

struct SupervisorOptions {
    std::string exe;                // the worker binary, exec'd for each process
    std::vector<std::string> args;  // its argv
    int listen_fd = -1;             // becomes fd 0 of every worker
    int metrics_fd = -1;            // becomes fd 3 (services/metrics), when set
    int processes = 2;
    std::vector<int> retiring;  // a previous supervisor's workers: stopped once ours run
    std::vector<int> adopt;     // workers to keep supervising (a reload that was refused)
};

struct SuperviseResult {
    int status = 0;
    bool reload = false;        // SIGHUP: run the binary on disk again, keeping these
    std::vector<int> children;  // the workers running at that moment
};

// Runs until SIGTERM or SIGINT (an exit status) or SIGHUP (reload: the
// caller execs the binary again). Counts restarts in *restarts when it is
// not null (a counter the workers' metrics show).
SuperviseResult supervise(const SupervisorOptions& options, std::atomic<std::uint64_t>* restarts);

}  // namespace depot::fcgi
