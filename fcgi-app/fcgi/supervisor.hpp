#pragma once
// The worker processes and the one that keeps them running (issue 10). A
// crash of one worker process loses only the requests it was serving: the
// others keep accepting on the shared socket, and the supervisor starts a
// new one (after a growing pause when they keep dying at start). SIGHUP
// replaces every worker with the binary now on disk, new ones first, so an
// upgrade or a config change loses no request; SIGTERM stops them all after
// their requests in flight. The supervisor holds the listening socket and
// nothing else: no database, no request.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace depot::fcgi {

struct SupervisorOptions {
    std::string exe;                // the worker binary, exec'd for each process
    std::vector<std::string> args;  // its argv
    int listen_fd = -1;             // becomes fd 0 of every worker
    int metrics_fd = -1;            // becomes fd 3 (services/metrics), when set
    int processes = 2;
};

// Runs until SIGTERM or SIGINT; returns the exit status. Counts restarts
// in *restarts when it is not null (a counter the workers' metrics show).
int supervise(const SupervisorOptions& options, std::atomic<std::uint64_t>* restarts);

}  // namespace depot::fcgi
