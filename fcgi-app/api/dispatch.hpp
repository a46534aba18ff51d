#pragma once
// The exception boundary: route the request, run the handler, and turn every
// error into a response. An HttpError is rendered as it says; a lost database
// connection is reset (and a GET retried once); anything else is a 500 whose
// body names the request id that the log line carries in full.

#include <cstddef>
#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/routes.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace depot::api {

class Dispatcher {
  public:
    explicit Dispatcher(const std::vector<Route>& table = routes());

    [[nodiscard]] http::Response handle(http::Request& req, Context& ctx) const;
    // The largest body the route of req takes (its method and path), at most max_body.
    [[nodiscard]] std::uint64_t body_limit(const http::Request& req, std::uint64_t max_body) const;

  private:
    // route_index: the matched route's, or kMetricRoutes - 1 for none.
    [[nodiscard]] http::Response route(http::Request& req, Context& ctx,
                                       std::size_t& route_index) const;

    const std::vector<Route>& table_;
    http::Router router_;
};

}  // namespace depot::api
