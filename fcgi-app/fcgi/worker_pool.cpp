#include "fcgi/worker_pool.hpp"

#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fcgi/fcgi_request.hpp"
#include "log.hpp"

namespace depot::fcgi {

int listen_unix(const std::string& path, int backlog) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path)
        throw std::runtime_error("listen: socket path too long");
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string{"listen: socket: "} + std::strerror(errno));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());  // a stale socket from a previous run
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::chmod(path.c_str(), 0660) != 0 || ::listen(fd, backlog) != 0) {
        const std::string err = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("listen: " + path + ": " + err);
    }
    return fd;
}

int inherited_socket() {
    int type = 0;
    socklen_t len = sizeof type;
    int listening = 0;
    socklen_t llen = sizeof listening;
    if (::getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
        ::getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) != 0 || !listening) {
        throw std::runtime_error(
            "listen: fd 0 is not a listening stream socket (use systemd "
            "socket activation or spawn-fcgi, or set listen to a path)");
    }
    return 0;
}

WorkerPool::WorkerPool(int listen_fd, int threads, BodyLimit body_limit, HandlerFactory factory)
    : listen_fd_{listen_fd},
      threads_{threads},
      body_limit_{std::move(body_limit)},
      factory_{std::move(factory)} {
    if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    // Several processes accept on this socket: when poll says a connection
    // waits, another process may take it first. A blocking accept() would
    // then wait for the next connection and never see stop(); non-blocking,
    // it fails with EAGAIN and the thread polls again. (The flag belongs to
    // the socket, shared by every process; accepted connections stay blocking.)
    const int flags = ::fcntl(listen_fd_, F_GETFL);
    if (flags < 0 || ::fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) != 0)
        throw std::runtime_error("cannot make the listening socket non-blocking");
    FCGX_Init();
}

WorkerPool::~WorkerPool() {
    stop();
    join();
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

void WorkerPool::start() {
    for (int i = 0; i < threads_; ++i) workers_.emplace_back([this] { run(); });
}

void WorkerPool::stop() {
    if (stopping_.exchange(true)) return;
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(wake_pipe_[1], &byte, 1);
}

void WorkerPool::join() {
    for (auto& t : workers_) {
        if (t.joinable()) t.join();
    }
    workers_.clear();
}

void WorkerPool::run() {
    RequestHandler handle;
    try {
        handle = factory_();
    } catch (const std::exception& e) {
        log::error(std::string{"worker could not start: "} + e.what());
        return;
    }
    FcgiRequest fr{listen_fd_};
    while (!stopping_.load()) {
        bool accepted = false;
        {
            const std::lock_guard lock{accept_mutex_};
            pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
            const int rc = ::poll(fds, 2, -1);
            if (rc < 0 && errno != EINTR) {
                log::error(std::string{"poll: "} + std::strerror(errno));
                break;
            }
            if (stopping_.load() || (fds[1].revents & POLLIN)) break;
            if (rc > 0 && (fds[0].revents & POLLIN)) accepted = fr.accept();
        }
        if (!accepted) continue;
        http::Request req;
        http::Response resp;
        try {
            req = fr.read_head();
            fr.read_body(req, body_limit_(req));
            resp = handle(req);
        } catch (const std::exception& e) {
            // The handler renders its own errors; this is the last line of defence.
            log::error(std::string{"unhandled: "} + e.what(), req.request_id);
            resp = http::json(500, R"({"error":"internal server error"})");
        }
        fr.write(req, resp);
        fr.finish();
    }
}

}  // namespace depot::fcgi
