#pragma once
// IPv4/IPv6 CIDR ranges for token address limits (npm token create --cidr).

#include <string>
#include <string_view>

namespace depot::model {

// Throws bad_request() unless s is "ADDRESS/BITS" (or a bare address).
[[nodiscard]] std::string parse_cidr(std::string_view s);

// True when address (as nginx's $remote_addr gives it) lies in cidr.
// IPv4-mapped IPv6 addresses match IPv4 ranges.
[[nodiscard]] bool cidr_contains(std::string_view cidr, std::string_view address);

}  // namespace depot::model
