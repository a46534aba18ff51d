#pragma once
// Plain line logging to stderr (journald under systemd). Never log tokens or bodies.

#include <string_view>

namespace depot::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3 };

void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view request_id, std::string_view message);

inline void error(std::string_view m, std::string_view rid = {}) { write(Level::Error, rid, m); }
inline void warn(std::string_view m, std::string_view rid = {}) { write(Level::Warn, rid, m); }
inline void info(std::string_view m, std::string_view rid = {}) { write(Level::Info, rid, m); }
inline void debug(std::string_view m, std::string_view rid = {}) { write(Level::Debug, rid, m); }

}  // namespace depot::log
