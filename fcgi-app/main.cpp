// depot-fcgi: load the config, check the views, open the FastCGI socket, start
// the worker threads, and wait for SIGTERM/SIGINT to stop them gracefully.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "api/context.hpp"
#include "api/dispatch.hpp"
#include "config.hpp"
#include "fcgi/worker_pool.hpp"
#include "log.hpp"
#include "render/markdown.hpp"
#include "render/views.hpp"
#include "services/documents.hpp"
#include "services/gates.hpp"
#include "services/link_versions.hpp"
#include "services/passwords.hpp"
#include "storage/db.hpp"
#include "storage/tarball_store.hpp"

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
                depot::services::PasswordChecks& passwords, depot::services::Gates& gates)
        : scope{driver},
          db{driver, depot::storage::settings_from(config)},
          views{sources},
          ctx{config, db, views, tarballs, passwords, gates} {}
};

bool has_flag(int argc, char** argv, const char* flag) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], flag) == 0) return true;
    }
    return false;
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

    // Signals are taken by sigwait() below, never by a worker thread.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);  // nginx may close a connection before we finish writing

    int listen_fd = -1;
    try {
        listen_fd = config.listen == "fd:0" ? fcgi::inherited_socket()
                                            : fcgi::listen_unix(config.listen, 1024);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depot-fcgi: %s\n", e.what());
        return 1;
    }

    storage::LocalDiskStore tarballs{config.tarball_dir};
    if (const int n = tarballs.clean_orphans(); n > 0) {
        log::info("removed " + std::to_string(n) +
                  " partial tarball writes left by a killed worker");
    }

    // Documents built for another public_url (or format) go; readers rebuild them.
    try {
        const services::Documents documents{config};
        if (documents.drop_if_stale())
            log::info("dropped documents built for another public_url or format");
        if (const int n = documents.clean_orphans(); n > 0)
            log::info("removed " + std::to_string(n) +
                      " partial document writes left by a killed worker");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "depot-fcgi: %s\n", e.what());
        return 1;
    }

    services::init_link_fetching();
    services::PasswordChecks passwords{config};
    services::Gates gates{config};
    sql::Driver& driver = storage::driver();
    const api::Dispatcher dispatcher;
    fcgi::WorkerPool pool{listen_fd, config.workers,
                          [&](const http::Request& r) {
                              return dispatcher.body_limit(r, config.document_body_bytes());
                          },
                          [&]() -> fcgi::RequestHandler {
                              auto state = std::make_shared<WorkerState>(
                                  driver, config, view_sources, tarballs, passwords, gates);
                              return [state, &dispatcher](http::Request& req) {
                                  return dispatcher.handle(req, state->ctx);
                              };
                          }};
    pool.start();
    log::info("depot-fcgi " + std::to_string(config.workers) + " workers on " + config.listen +
              ", public url " + config.public_url);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log::info(std::string{"stopping on "} + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
              "; finishing requests in flight");
    pool.stop();
    pool.join();
    if (config.listen != "fd:0") ::unlink(config.listen.c_str());
    log::info("stopped");
    return 0;
}
