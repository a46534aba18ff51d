#pragma once
// The single renderer for errors: {"error": "…"} for API clients (npm shows
// only that field, protocol §1.5), an HTML page for browsers.

#include <string_view>

#include "api/context.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace depot::api {

[[nodiscard]] http::Response render_error(const http::Request& req, Context& ctx, int status,
                                          std::string_view message,
                                          std::string_view www_authenticate = {});

}  // namespace depot::api
