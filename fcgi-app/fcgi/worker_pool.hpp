#pragma once
// N threads, each accepting FastCGI requests on one listening socket with
// FCGX_Accept_r and answering them with its own handler (its own MySQL
// connection). stop() makes every thread finish the request it is in and exit.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace depot::fcgi {

using RequestHandler = std::function<http::Response(http::Request&)>;
// Called once inside each worker thread, so per-thread state is made there.
using HandlerFactory = std::function<RequestHandler()>;
// The largest body a request may have, from its method and path (known
// before the body is read): a login is not a publish (issue 8, review L4).
using BodyLimit = std::function<std::uint64_t(const http::Request&)>;

// Binds a unix socket at path (replacing a stale one), mode 0660. Throws std::runtime_error.
[[nodiscard]] int listen_unix(const std::string& path, int backlog);
// fd 0 when it is a listening socket (systemd socket activation, spawn-fcgi). Throws otherwise.
[[nodiscard]] int inherited_socket();

class WorkerPool {
  public:
    WorkerPool(int listen_fd, int threads, BodyLimit body_limit, HandlerFactory factory);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void start();
    void stop();  // async-signal-unsafe; call from a normal thread
    void join();

  private:
    void run();

    int listen_fd_;
    int threads_;
    BodyLimit body_limit_;
    HandlerFactory factory_;
    int wake_pipe_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
    std::mutex accept_mutex_;
    std::vector<std::thread> workers_;
};

}  // namespace depot::fcgi
