#pragma once

#include <string_view>
#include <vector>

#include "api/context.hpp"
#include "http/method.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace depot::api {

using Handler = http::Response (*)(const http::Request&, Context&);

struct Route {
    http::Method method;
    std::string_view pattern;
    Handler handler;
};

// THE route table: every path the registry answers, in match order.
[[nodiscard]] const std::vector<Route>& routes();

// Handlers, grouped by file.
http::Response ping(const http::Request&, Context&);    // ping.cpp
http::Response health(const http::Request&, Context&);  // ping.cpp

}  // namespace depot::api
