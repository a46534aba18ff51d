#include "api/routes.hpp"

namespace depot::api {

// First match wins, so literal "/-/…" paths come before "/{pkg}". The router
// makes "@scope/name" and "@scope%2fname" one {pkg} (protocol §1.2).
const std::vector<Route>& routes() {
    using enum http::Method;
    static const std::vector<Route> kRoutes{
        {Get, "/-/ping", ping},      // npm ping, npm doctor
        {Get, "/-/health", health},  // load balancers, ops
    };
    return kRoutes;
}

}  // namespace depot::api
