#include "fcgi/supervisor.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "log.hpp"

extern char** environ;

namespace depot::fcgi {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
    Clock::time_point started;
};

std::string describe_exit(int status) {
    if (WIFSIGNALED(status)) return std::string{"killed by signal "} + strsignal(WTERMSIG(status));
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// The worker as a new program (posix_spawn: nothing runs between fork and
// exec): the socket on fd 0, the metrics on fd 3, nothing else, signals
// unblocked. It learns our pid so it can die with us (PR_SET_PDEATHSIG).
pid_t spawn(const SupervisorOptions& o) {
    std::vector<char*> argv;
    for (const auto& a : o.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::setenv(kSupervisorPid, std::to_string(::getpid()).c_str(), 1);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    if (o.listen_fd != 0) posix_spawn_file_actions_adddup2(&files, o.listen_fd, 0);
    if (o.metrics_fd >= 0 && o.metrics_fd != 3)
        posix_spawn_file_actions_adddup2(&files, o.metrics_fd, 3);
    posix_spawn_file_actions_addclosefrom_np(&files, o.metrics_fd >= 0 ? 4 : 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, o.exe.c_str(), &files, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&files);
    ::unsetenv(kSupervisorPid);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

}  // namespace

SuperviseResult supervise(const SupervisorOptions& o, std::atomic<std::uint64_t>* restarts) {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);

    std::map<pid_t, Child> children;
    int missing = 0;      // workers to start again
    int fast_deaths = 0;  // in a row, each within a few seconds of its start
    Clock::time_point next_start = Clock::now();
    const auto start_one = [&]() {
        const pid_t pid = spawn(o);
        if (pid < 0) {
            log::error(std::string{"cannot start a worker process: "} + std::strerror(errno));
            ++missing;
            next_start = Clock::now() + std::chrono::seconds{1};
            return;
        }
        children[pid] = {Clock::now()};
    };
    for (const int pid : o.adopt) children[pid] = {Clock::now()};
    for (int i = static_cast<int>(o.adopt.size()); i < o.processes; ++i) start_one();
    log::info("supervising " + std::to_string(o.processes) + " worker processes");
    // The previous supervisor's workers (this process before its exec) finish
    // what they hold and go; waitpid reaps them below, as strangers.
    for (const int pid : o.retiring) ::kill(pid, SIGTERM);

    bool stopping = false;
    Clock::time_point deadline{};
    while (!(stopping && children.empty())) {
        struct timespec wait {
            0, 200 * 1000 * 1000
        };
        siginfo_t info{};
        const int sig = ::sigtimedwait(&set, &info, &wait);
        if (sig == SIGTERM || sig == SIGINT) {
            if (!stopping) {
                log::info("stopping the worker processes, finishing requests in flight");
                stopping = true;
                deadline = Clock::now() + std::chrono::seconds{60};
                for (const auto& [pid, c] : children) ::kill(pid, SIGTERM);
            }
        } else if (sig == SIGHUP && !stopping) {
            SuperviseResult r;
            r.reload = true;
            for (const auto& [pid, c] : children) r.children.push_back(pid);
            log::info("reloading: running the binary on disk again; the workers go on meanwhile");
            return r;
        }
        int status = 0;
        pid_t pid;
        while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
            const auto it = children.find(pid);
            if (it == children.end()) continue;
            const auto child = it->second;
            children.erase(it);
            if (stopping) continue;  // asked to go
            log::error("worker process " + std::to_string(pid) + " " + describe_exit(status) +
                       "; starting another");
            if (restarts) restarts->fetch_add(1, std::memory_order_relaxed);
            // A worker that exits on its own right after it started (a bad
            // config, no database) would only do it again: it waits, 0.1 s,
            // 0.2 s, … up to 10 s. One killed or crashed starts again at once.
            const bool failed_at_start = WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                                         Clock::now() - child.started < std::chrono::seconds{5};
            fast_deaths = failed_at_start ? fast_deaths + 1 : 0;
            const auto pause = std::chrono::milliseconds{
                fast_deaths == 0 ? 0 : std::min(10000, 100 << std::min(fast_deaths - 1, 7))};
            next_start = std::max(next_start, Clock::now() + pause);
            ++missing;
        }
        if (!stopping) {
            while (missing > 0 && Clock::now() >= next_start) {
                --missing;
                start_one();
            }
        } else if (Clock::now() > deadline) {
            for (const auto& [p, c] : children) ::kill(p, SIGKILL);
        }
    }
    log::info("every worker process stopped");
    return {};
}

}  // namespace depot::fcgi
