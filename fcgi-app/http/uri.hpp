#pragma once
// Percent-decoding and splitting of the raw request URI. nginx passes
// REQUEST_URI untouched; we decode each path segment exactly once, so "%2f"
// inside a segment stays inside it (scoped names) and "%252f" is not a slash.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::http {

// nullopt on a malformed escape or a decoded NUL byte.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// "/a/b%2fc" → {"a", "b/c"}; "/" → {}. Throws bad_request() for a path that
// does not start with '/' or has a malformed escape.
[[nodiscard]] std::vector<std::string> split_path(std::string_view raw_path);

using Fields = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded, also used for query strings. Throws bad_request().
[[nodiscard]] Fields parse_form(std::string_view s);
[[nodiscard]] std::optional<std::string> find_field(const Fields& fields, std::string_view name);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view s) noexcept;

// encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) is escaped.
[[nodiscard]] std::string percent_encode(std::string_view s);

// The value of the cookie whose "name=" prefix is given, from a Cookie
// header; empty when absent.
[[nodiscard]] std::string cookie_value(std::string_view cookies, std::string_view name_eq);

}  // namespace depot::http
