#include "api/routes.hpp"

namespace depot::api {

// First match wins, so literal "/-/…" paths come before "/{pkg}". The router
// makes "@scope/name" and "@scope%2fname" one {pkg} (protocol §1.2).
const std::vector<Route>& routes() {
    using enum http::Method;
    static const std::vector<Route> kRoutes{
        {Get, "/-/ping", ping},      // npm ping, npm doctor
        {Get, "/-/health", health},  // load balancers, ops

        {Put, "/-/user/{couch_id}", add_user},   // npm adduser, npm login --auth-type=legacy
        {Get, "/-/user/{couch_id}", show_user},  // login 409 path, npm owner
        {Put, "/-/user/{couch_id}/-rev/{rev}", update_user},  // login 409 path, CouchDB clients
        {Post, "/_session", create_session},                  // CouchDB login (SPEC §4)
        {Get, "/-/whoami", whoami},                           // npm whoami
        {Delete, "/-/user/token/{token}", logout},            // npm logout

        {Post, "/-/v1/login", start_web_login},         // npm login (web, the default)
        {Get, "/-/v1/done/{id}", poll_web_login},       // npm polls doneUrl
        {Get, "/-/v1/login/{id}", show_web_login},      // loginUrl: the browser page
        {Post, "/-/v1/login/{id}", approve_web_login},  // the page's form

        {Get, "/-/npm/v1/tokens", list_tokens},                  // npm token list
        {Post, "/-/npm/v1/tokens", create_token},                // npm token create
        {Delete, "/-/npm/v1/tokens/token/{key}", revoke_token},  // npm token revoke

        {Get, "/-/v1/search", search},  // npm search

        {Get, "/{pkg}", show_package},               // npm install, view (packument)
        {Put, "/{pkg}", publish},                    // npm publish
        {Get, "/{pkg}/-/{file}", download_tarball},  // npm install (tarball)
        {Get, "/{pkg}/{version}", show_version},     // a version manifest by version or tag
    };
    return kRoutes;
}

}  // namespace depot::api
