#pragma once
// Running a helper program with bounded time and output: its stdin gets the
// input, its stdout is collected, and it is killed when the deadline passes.
// Worker threads block SIGTERM (main waits for it); the child gets the
// default signal mask. Used for mail (the sendmail command) and README
// rendering (depot's own binary in --render-markdown mode).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace depot::services {

struct ChildResult {
    bool exited = false;     // exited by itself (not killed)
    int exit_status = -1;    // when exited
    bool timed_out = false;  // killed at the deadline
    bool output_too_large = false;
    std::string output;  // stdout, at most max_output bytes
};

// Throws std::runtime_error when the program cannot be started.
[[nodiscard]] ChildResult run_child(const std::vector<std::string>& argv, std::string_view input,
                                    std::chrono::milliseconds timeout, std::size_t max_output);

}  // namespace depot::services
