#pragma once
// npm user names and email addresses as depot accepts them.

#include <string>
#include <string_view>

namespace depot::model {

// Lower case, URL-safe, 1–214 characters, no leading '.', '-' or '_'
// (npm's registry rules). Throws bad_request().
[[nodiscard]] std::string parse_user_name(std::string_view s);
// The same rules, as a test: false instead of throwing.
[[nodiscard]] bool valid_user_name(std::string_view s) noexcept;

// One '@', a non-empty local part of at most 64 characters, a dotted domain,
// no spaces or control characters, at most 254 characters. Throws bad_request().
[[nodiscard]] std::string parse_email(std::string_view s);

// At least 8 characters and at most 1024. Throws bad_request().
void check_password(std::string_view s);

}  // namespace depot::model
