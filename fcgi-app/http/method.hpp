#pragma once

#include <string_view>

namespace depot::http {

enum class Method { Get, Head, Put, Post, Delete, Patch, Options, Other };

[[nodiscard]] Method parse_method(std::string_view s);
[[nodiscard]] std::string_view method_name(Method m);

}  // namespace depot::http
