#pragma once
// Outgoing mail through a sendmail-compatible command from the config
// (default /usr/sbin/sendmail -t -i): the message goes to its stdin, and a
// non-zero exit is an error, never a silent success.

#include <string>
#include <string_view>

namespace depot {
struct Config;
}

namespace depot::services {

// Throws std::runtime_error when the command cannot run or fails.
void send_mail(const Config& config, std::string_view to, std::string_view subject,
               std::string_view body);

}  // namespace depot::services
