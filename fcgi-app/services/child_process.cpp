#include "services/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace depot::services {
namespace {

using Clock = std::chrono::steady_clock;

// Closes a file descriptor once.
class Fd {
  public:
    explicit Fd(int fd = -1) : fd_{fd} {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_;
};

class SpawnSetup {
  public:
    SpawnSetup(int stdin_fd, int stdout_fd) {
        posix_spawn_file_actions_init(&actions_);
        posix_spawn_file_actions_adddup2(&actions_, stdin_fd, 0);
        posix_spawn_file_actions_adddup2(&actions_, stdout_fd, 1);
        // Nothing else of the worker's (client sockets, database connections)
        // stays open in the child (glibc 2.34+).
        posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
        posix_spawnattr_init(&attr_);
        sigset_t none;
        sigemptyset(&none);
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        posix_spawnattr_setsigmask(&attr_, &none);
        posix_spawnattr_setsigdefault(&attr_, &defaults);
        posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions_);
        posix_spawnattr_destroy(&attr_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
    const posix_spawn_file_actions_t* actions() const { return &actions_; }
    const posix_spawnattr_t* attr() const { return &attr_; }

  private:
    posix_spawn_file_actions_t actions_{};
    posix_spawnattr_t attr_{};
};

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv_in, std::string_view input,
                      std::chrono::milliseconds timeout, std::size_t max_output) {
    if (argv_in.empty()) throw std::runtime_error("run_child: no program");
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("run_child: pipe failed");
    Fd in_read{in_pipe[0]}, in_write{in_pipe[1]};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("run_child: pipe failed");
    Fd out_read{out_pipe[0]}, out_write{out_pipe[1]};

    std::vector<std::string> words = argv_in;
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    {
        const SpawnSetup setup{in_read.get(), out_write.get()};
        const int rc =
            posix_spawn(&pid, argv[0], setup.actions(), setup.attr(), argv.data(), environ);
        if (rc != 0) {
            throw std::runtime_error("cannot run " + words[0] + ": " + std::strerror(rc));
        }
    }
    in_read.reset();
    out_write.reset();
    ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);

    ChildResult result;
    const auto deadline = Clock::now() + timeout;
    std::size_t written = 0;
    if (input.empty()) in_write.reset();
    char buf[1 << 14];
    while (out_read.get() >= 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {in_write.get(), POLLOUT, 0}};
        const nfds_t n = in_write.get() >= 0 ? 2 : 1;
        const int rc = ::poll(fds, n, static_cast<int>(left.count()));
        if (rc < 0 && errno != EINTR) break;
        if (rc <= 0) continue;
        if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const auto w = ::write(in_write.get(), input.data() + written, input.size() - written);
            if (w > 0) written += static_cast<std::size_t>(w);
            if (w < 0 && errno != EAGAIN && errno != EINTR) in_write.reset();
            if (written == input.size()) in_write.reset();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const auto r = ::read(out_read.get(), buf, sizeof buf);
            if (r > 0) {
                if (result.output.size() + static_cast<std::size_t>(r) > max_output) {
                    result.output_too_large = true;
                    break;
                }
                result.output.append(buf, static_cast<std::size_t>(r));
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                out_read.reset();
            }
        }
    }
    in_write.reset();
    out_read.reset();
    if (result.timed_out || result.output_too_large) ::kill(pid, SIGKILL);
    int status = 0;
    // The child has closed stdout (or was killed): it ends promptly; a child
    // that lingers after closing stdout is killed at the deadline.
    for (;;) {
        const pid_t w = ::waitpid(pid, &status, result.timed_out ? 0 : WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) break;
        if (w == 0) {
            if (Clock::now() > deadline) {
                result.timed_out = true;
                ::kill(pid, SIGKILL);
                continue;
            }
            ::usleep(1000);
        }
    }
    if (!result.timed_out && !result.output_too_large && WIFEXITED(status)) {
        result.exited = true;
        result.exit_status = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace depot::services
