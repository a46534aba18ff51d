#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

namespace depot::log {
namespace {

// Set once in main before the workers start; atomic so that TSan agrees.
std::atomic<int> g_level{static_cast<int>(Level::Info)};

constexpr const char* kNames[] = {"error", "warn", "info", "debug"};

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }

bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(); }

void write(Level level, std::string_view request_id, std::string_view message) {
    if (!enabled(level)) return;
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string line;
    line.reserve(message.size() + 64);
    line.append(stamp).append(" ").append(kNames[static_cast<int>(level)]);
    if (!request_id.empty()) line.append(" [").append(request_id).append("]");
    line.append(" ").append(message).append("\n");
    // One fwrite per line keeps lines from different threads whole.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace depot::log
