#include "services/mailer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "config.hpp"

extern char** environ;

namespace depot::services {
namespace {

std::vector<std::string> split_words(const std::string& command) {
    std::vector<std::string> words;
    std::istringstream in{command};
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string{"mail: write: "} + std::strerror(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

void send_mail(const Config& config, std::string_view to, std::string_view subject,
               std::string_view body) {
    // Addresses were validated (no CR, LF or spaces), so no header can be injected.
    std::string message = "From: " + config.mail_from + "\nTo: " + std::string{to} +
                          "\nSubject: " + std::string{subject} +
                          "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" +
                          std::string{body};
    auto words = split_words(config.sendmail);
    if (words.empty()) throw std::runtime_error("mail: no sendmail command configured");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("mail: pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
    // Worker threads block SIGTERM (main waits for it); the child must not inherit that.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(pipe_fds[0]);
    if (rc != 0) {
        ::close(pipe_fds[1]);
        throw std::runtime_error("mail: cannot run " + words[0] + ": " + std::strerror(rc));
    }
    std::string write_error;
    try {
        write_all(pipe_fds[1], message);
    } catch (const std::exception& e) {
        write_error = e.what();
    }
    ::close(pipe_fds[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!write_error.empty()) throw std::runtime_error(write_error);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("mail: " + words[0] + " failed with status " +
                                 std::to_string(WEXITSTATUS(status)));
    }
}

}  // namespace depot::services
