#pragma once
// Inflating request bodies: npm gzips the audit POST (protocol §20) and nginx
// does not inflate request bodies.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace depot::http {

// nullopt when the data is not gzip/zlib or inflates to more than max_bytes.
[[nodiscard]] std::optional<std::string> inflate(std::string_view data, std::size_t max_bytes);

}  // namespace depot::http
