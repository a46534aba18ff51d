// depot-fcgi: load the config, check the views, open the FastCGI socket and
// supervise the worker processes (fcgi/supervisor), each this binary again
// with --worker: threads accepting on the socket until SIGTERM.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/dispatch.hpp"
#include "config.hpp"
#include "fcgi/supervisor.hpp"
#include "fcgi/worker_pool.hpp"
#include "log.hpp"
#include "render/markdown.hpp"
#include "render/views.hpp"
#include "services/documents.hpp"
#include "services/gates.hpp"
#include "services/link_versions.hpp"
#include "services/metrics.hpp"
#include "services/passwords.hpp"
#include "services/sweep.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/tarball_store.hpp"

extern char** environ;

namespace {

constexpr const char* kUsage =
    "usage: depot-fcgi [--config PATH] [--check-config]\n"
    "  --config PATH    configuration file (default $DEPOT_CONFIG or /etc/depot/depot.conf)\n"
    "  --check-config   validate the configuration and views, then exit\n";

// Everything one worker thread owns. Members are destroyed in reverse order,
// so the Connector/C++ thread scope ends after the connection is closed.
struct WorkerState {
    depot::storage::ThreadScope scope;
    depot::storage::Db db;
    depot::render::Views views;
    depot::api::Context ctx;

    WorkerState(sql::Driver& driver, const depot::Config& config,
                const depot::render::ViewSources& sources, depot::storage::TarballStore& tarballs,
                depot::services::PasswordChecks& passwords, depot::services::Gates& gates,
                depot::services::Metrics& metrics)
        : scope{driver},
          db{driver, depot::storage::settings_from(config)},
          views{sources},
          ctx{config, db, views, tarballs, passwords, gates, metrics} {}
};

bool has_flag(int argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], flag) == 0) return true;
    }
    return false;
}

// This binary, to run again as each worker process (the one on disk then:
// a SIGHUP after an upgrade starts the new one).
std::string self_path(const char* argv0) {
    char buf[4096];
    const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return argv0;
    return {buf, static_cast<std::size_t>(n)};
}

// What a supervisor hands its exec'd self (SIGHUP): fds and old workers.
constexpr const char* kInheritedFds = "DEPOT_SUPERVISOR_FDS";
constexpr const char* kRetiring = "DEPOT_RETIRING";

struct Inherited {
    int listen_fd = -1;
    int metrics_fd = -1;
    std::vector<int> retiring;
};

std::vector<int> numbers(const char* text) {
    std::vector<int> out;
    std::string cur;
    for (const char* p = text; p && *p; ++p) {
        if (*p == ',') {
            if (!cur.empty()) out.push_back(std::atoi(cur.c_str()));
            cur.clear();
        } else {
            cur.push_back(*p);
        }
    }
    if (!cur.empty()) out.push_back(std::atoi(cur.c_str()));
    return out;
}

// Read and removed from the environment, so no worker sees them.
Inherited take_inherited() {
    Inherited in;
    const auto fds = numbers(std::getenv(kInheritedFds));
    if (fds.size() == 2) {
        in.listen_fd = fds[0];
        in.metrics_fd = fds[1];
        in.retiring = numbers(std::getenv(kRetiring));
    }
    ::unsetenv(kInheritedFds);
    ::unsetenv(kRetiring);
    return in;
}

// Whether the binary on disk accepts the config on disk (--check-config),
// before this supervisor becomes it: a reload with a broken one is refused.
bool reload_checks(const std::string& exe, int argc, char** argv) {
    std::vector<char*> args(argv, argv + argc);
    std::string check = "--check-config";
    args.push_back(check.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    if (::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, args.data(), environ) != 0) return false;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// SIGHUP: this binary as it is on disk now, with the same arguments; the
// socket and the metrics stay open across the exec. Returns only on failure.
void reexec(const std::string& exe, int argc, char** argv, int listen_fd, int metrics_fd,
            const std::vector<int>& children) {
    std::string pids;
    for (const int p : children) pids += (pids.empty() ? "" : ",") + std::to_string(p);
    const auto fds = std::to_string(listen_fd) + "," + std::to_string(metrics_fd);
    for (const int fd : {listen_fd, metrics_fd}) ::fcntl(fd, F_SETFD, 0);  // kept by exec
    ::setenv(kInheritedFds, fds.c_str(), 1);
    ::setenv(kRetiring, pids.c_str(), 1);
    std::vector<char*> args(argv, argv + argc);
    args.push_back(nullptr);
    ::execv(exe.c_str(), args.data());
    depot::log::error(std::string{"reload: cannot run "} + exe + ": " + std::strerror(errno));
    ::unsetenv(kInheritedFds);
    ::unsetenv(kRetiring);
}

// What killed workers left behind (services/sweep); never fatal.
void sweep_once(depot::storage::Db& db, depot::storage::TarballStore& tarballs,
                const depot::Config& config) {
    try {
        const auto r = depot::services::sweep(db, tarballs, config);
        if (r.tarballs + r.tombstones + r.partials > 0) {
            depot::log::info("sweep: removed " + std::to_string(r.tarballs) +
                             " tarballs never recorded, " + std::to_string(r.tombstones) +
                             " of unpublished versions, " + std::to_string(r.partials) +
                             " partial writes");
        }
    } catch (const std::exception& e) {
        depot::log::warn(std::string{"sweep failed (retried later): "} + e.what());
        db.reset();
    }
}

// Stale proxied documents out of nginx's way; never fatal.
void expire_once(depot::storage::Db& db, depot::storage::TarballStore& tarballs,
                 const depot::Config& config, depot::services::Metrics& metrics) {
    static int failures = 0;  // the main thread's alone
    try {
        (void)depot::services::Uplinks{config, db, tarballs, metrics}.expire();
        failures = 0;
    } catch (const std::exception& e) {
        // Once a minute while it keeps failing (the database is down…).
        if (failures++ % 60 == 0)
            depot::log::warn(std::string{"uplink expiry failed (retried each second): "} +
                             e.what());
        db.reset();
    }
}

// One worker process: threads accepting on the socket it got as fd 0 from
// the supervisor, until SIGTERM; a sweep at start and every few minutes.
int run_worker(const depot::Config& config, const depot::render::ViewSources& view_sources) {
    using namespace depot;
    // Gone with the supervisor: a killed one leaves no worker serving a
    // socket nobody will restart.
    if (const char* parent = std::getenv(fcgi::kSupervisorPid)) {
        const pid_t supervisor = static_cast<pid_t>(std::atoi(parent));
        ::unsetenv(fcgi::kSupervisorPid);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != supervisor) return 0;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    int listen_fd = -1;
    try {
        listen_fd = fcgi::inherited_socket();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depot-fcgi: %s\n", e.what());
        return 1;
    }
    auto metrics = services::Metrics::attach();  // the host's counters, from the supervisor
    storage::LocalDiskStore tarballs{config.tarball_dir};
    services::init_link_fetching();
    services::PasswordChecks passwords{config};
    services::Gates gates{config};
    sql::Driver& driver = storage::driver();
    storage::ThreadScope main_scope{driver};
    storage::Db sweep_db{driver, storage::settings_from(config)};
    sweep_once(sweep_db, tarballs, config);
    try {  // proxy rules may have changed since the cache was filled
        if (const int n = services::Uplinks{config, sweep_db, tarballs, metrics}.reconcile(); n > 0)
            log::info("uplinks: " + std::to_string(n) +
                      " cached names no longer proxied as before");
    } catch (const std::exception& e) {
        log::warn(std::string{"uplinks: reconcile failed: "} + e.what());
        sweep_db.reset();
    }

    const api::Dispatcher dispatcher;
    fcgi::WorkerPool pool{listen_fd, config.threads_per_process(),
                          [&](const http::Request& r) {
                              return dispatcher.body_limit(r, config.document_body_bytes());
                          },
                          [&]() -> fcgi::RequestHandler {
                              auto state = std::make_shared<WorkerState>(driver, config,
                                                                         view_sources, tarballs,
                                                                         passwords, gates, metrics);
                              return [state, &dispatcher](http::Request& req) {
                                  return dispatcher.handle(req, state->ctx);
                              };
                          }};
    pool.start();
    // Each second: proxied documents whose time is over leave nginx's way
    // (services/uplinks); every 300 s: the sweep.
    int ticks = 0;
    while (true) {
        struct timespec every {
            1, 0
        };
        const int sig = ::sigtimedwait(&stop_signals, nullptr, &every);
        if (sig == SIGTERM || sig == SIGINT) break;
        if (sig >= 0 || errno != EAGAIN) continue;
        // Also without proxy rules: documents cached before they were removed must go.
        expire_once(sweep_db, tarballs, config, metrics);
        if (++ticks % 300 == 0) {
            sweep_once(sweep_db, tarballs, config);
            try {
                services::Uplinks{config, sweep_db, tarballs, metrics}.tidy();
            } catch (const std::exception& e) {
                log::warn(std::string{"uplinks: tidy failed: "} + e.what());
                sweep_db.reset();
            }
        }
    }
    pool.stop();
    pool.join();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace depot;
    // services/readme runs this binary as a time-limited Markdown renderer.
    if (argc == 2 && std::strcmp(argv[1], "--render-markdown") == 0) {
        return render::run_markdown_filter();
    }
    if (has_flag(argc, argv, "--help") || has_flag(argc, argv, "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const auto env = process_environment();
    const auto path = config_path(argc, argv, env);
    Config config;
    render::ViewSources view_sources;
    try {
        config = load_config(path, env);
        view_sources = render::load_view_sources(config.views_dir);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depot-fcgi: %s: %s\n", path.c_str(), e.what());
        return 1;
    }
    if (has_flag(argc, argv, "--check-config")) {
        std::printf("%s: ok\n", path.c_str());
        return 0;
    }
    log::set_level(config.log_level);
    signal(SIGPIPE, SIG_IGN);  // nginx may close a connection before we finish writing
    if (has_flag(argc, argv, "--worker")) return run_worker(config, view_sources);

    // The supervisor: the socket, the documents' stamp, the worker processes.
    sigset_t signals;
    sigemptyset(&signals);
    for (const int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // After a reload (SIGHUP) this process is its previous self exec'd again:
    // the socket, the metrics and the workers to retire come in the environment.
    const Inherited inherited = take_inherited();
    int listen_fd = -1;
    int metrics_fd = -1;
    std::optional<services::Metrics> metrics;
    try {
        if (inherited.listen_fd >= 0) {
            listen_fd = inherited.listen_fd;
            metrics_fd = inherited.metrics_fd;
            metrics.emplace(services::Metrics::adopt(metrics_fd));
        } else {
            listen_fd = config.listen == "fd:0" ? fcgi::inherited_socket()
                                                : fcgi::listen_unix(config.listen, 1024);
            metrics.emplace(services::Metrics::create_shared(metrics_fd));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depot-fcgi: %s\n", e.what());
        return 1;
    }
    // Documents built for another public_url (or format) go; readers rebuild
    // them. A failure is logged, never fatal: the workers still serve.
    try {
        if (services::Documents{config}.drop_if_stale())
            log::info("dropped documents built for another public_url or format");
    } catch (const std::exception& e) {
        log::error(std::string{"cannot drop stale documents: "} + e.what());
    }
    fcgi::SupervisorOptions options;
    options.exe = self_path(argv[0]);
    for (int i = 0; i < argc; ++i) options.args.emplace_back(argv[i]);
    options.args.emplace_back("--worker");
    options.listen_fd = listen_fd;
    options.metrics_fd = metrics_fd;
    options.processes = config.processes;
    options.retiring = inherited.retiring;
    log::info("depot-fcgi " + std::to_string(config.processes) + " processes of " +
              std::to_string(config.threads_per_process()) + " workers on " + config.listen +
              ", public url " + config.public_url);
    while (true) {
        const auto r = fcgi::supervise(options, &metrics->block().worker_restarts);
        if (!r.reload) {
            if (config.listen != "fd:0") ::unlink(config.listen.c_str());
            log::info("stopped");
            return r.status;
        }
        if (!reload_checks(options.exe, argc, argv)) {
            log::error(
                "reload refused: the binary or config on disk does not start "
                "(depot-fcgi --check-config failed); the running workers go on");
            options.adopt = r.children;
            options.retiring.clear();
            continue;
        }
        reexec(options.exe, argc, argv, listen_fd, metrics_fd, r.children);
        // Only when the exec failed: keep the workers that run.
        options.adopt = r.children;
        options.retiring.clear();
    }
}
