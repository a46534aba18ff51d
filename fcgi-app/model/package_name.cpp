#include "model/package_name.hpp"

#include <algorithm>
#include <array>

#include "error.hpp"

namespace depot::model {
namespace {

// Node's built-in modules: validate-npm-package-name refuses them for new packages.
constexpr std::array<std::string_view, 44> kCoreModules{"assert",
                                                        "async_hooks",
                                                        "buffer",
                                                        "child_process",
                                                        "cluster",
                                                        "console",
                                                        "constants",
                                                        "crypto",
                                                        "dgram",
                                                        "diagnostics_channel",
                                                        "dns",
                                                        "domain",
                                                        "events",
                                                        "fs",
                                                        "http",
                                                        "http2",
                                                        "https",
                                                        "inspector",
                                                        "module",
                                                        "net",
                                                        "os",
                                                        "path",
                                                        "perf_hooks",
                                                        "process",
                                                        "punycode",
                                                        "querystring",
                                                        "readline",
                                                        "repl",
                                                        "stream",
                                                        "string_decoder",
                                                        "sys",
                                                        "timers",
                                                        "tls",
                                                        "trace_events",
                                                        "tty",
                                                        "url",
                                                        "util",
                                                        "v8",
                                                        "vm",
                                                        "wasi",
                                                        "worker_threads",
                                                        "zlib",
                                                        "freelist",
                                                        "smalloc"};

bool allowed_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

void check_part(std::string_view part, std::string_view full, bool is_scope) {
    const std::string quoted = "\"" + std::string{full} + "\"";
    if (part.empty()) throw bad_request("invalid package name " + quoted + ": an empty part");
    if (part.front() == '.' || part.front() == '_' || part.front() == '-') {
        throw bad_request("invalid package name " + quoted +
                          ": must not start with '.', '_' or '-'");
    }
    for (const char c : part) {
        if (c >= 'A' && c <= 'Z') {
            throw bad_request("invalid package name " + quoted + ": must be lower case");
        }
        if (!allowed_char(c)) {
            throw bad_request("invalid package name " + quoted +
                              ": only a-z, 0-9, '-', '.' and '_' are allowed" +
                              (is_scope ? " in the scope" : ""));
        }
    }
}

}  // namespace

PackageName::PackageName(std::string s) : name_{std::move(s)}, slash_{name_.find('/')} {}

PackageName PackageName::parse(std::string_view s) {
    const std::string quoted = "\"" + std::string{s.substr(0, 240)} + "\"";
    if (s.empty()) throw bad_request("a package name is required");
    if (s.size() > 214) throw bad_request("invalid package name: longer than 214 characters");
    if (s.front() == '@') {
        const auto slash = s.find('/');
        if (slash == std::string_view::npos) {
            throw bad_request("invalid package name " + quoted + ": a scoped name is @scope/name");
        }
        check_part(s.substr(1, slash - 1), s, true);
        check_part(s.substr(slash + 1), s, false);
    } else {
        check_part(s, s, false);
        if (s == "node_modules" || s == "favicon.ico") {
            throw bad_request("invalid package name " + quoted + ": that name is reserved");
        }
        if (std::find(kCoreModules.begin(), kCoreModules.end(), s) != kCoreModules.end()) {
            throw bad_request("invalid package name " + quoted + ": it is a Node.js core module");
        }
    }
    return PackageName{std::string{s}};
}

std::string_view PackageName::scope() const {
    return scoped() ? std::string_view{name_}.substr(1, slash_ - 1) : std::string_view{};
}

std::string_view PackageName::bare() const {
    return scoped() ? std::string_view{name_}.substr(slash_ + 1) : std::string_view{name_};
}

std::string PackageName::tarball_file(std::string_view version) const {
    return std::string{bare()} + "-" + std::string{version} + ".tgz";
}

bool PackageName::valid(std::string_view s) noexcept {
    try {
        (void)parse(s);
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace depot::model
