// Who is asking, for handlers: the Authorization header through the auth
// service, with this request's client address (token address limits) and the
// shared password checks (rate limits, the Basic cache).

#include "api/routes.hpp"
#include "services/auth.hpp"

namespace depot::api {

std::optional<services::Principal> caller(const http::Request& req, Context& ctx) {
    return services::authenticate(ctx.db, ctx.passwords, req.header("authorization"),
                                  req.remote_addr, req.header("npm-otp"));
}

services::Principal require_caller(const http::Request& req, Context& ctx) {
    return services::require_login(ctx.db, ctx.passwords, req.header("authorization"),
                                   req.remote_addr, req.header("npm-otp"));
}

}  // namespace depot::api
