#include "api/routes.hpp"

namespace depot::api {

// First match wins, so literal "/-/…" paths come before "/{pkg}". The router
// makes "@scope/name" and "@scope%2fname" one {pkg} (protocol §1.2).
const std::vector<Route>& routes() {
    using enum http::Method;
    static const std::vector<Route> kRoutes{
        {Get, "/", home},                           // the package list and forms (SPEC §3)
        {Post, "/", post_home},                     // register, or mail a reset link
        {Get, "/-confirm", show_confirmation},      // the link in the registration mail
        {Post, "/-confirm", confirm_registration},  // its button: the account is made
        {Get, "/-reset", show_reset},               // the link in the reset mail
        {Post, "/-reset", complete_reset},          // its button: new token, old ones die
        {Get, "/-/account", show_account},          // a person's account page (2FA)
        {Post, "/-/account", update_account},       // its forms
        {Get, "/-/ping", ping},                     // npm ping, npm doctor
        {Get, "/-/metrics", metrics},               // Prometheus, from metrics_allow only
        {Get, "/-/health", health},                 // load balancers, ops

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

        {Post, "/-/stage/package/{pkg}", stage_publish, kDocumentBody},  // npm stage publish
        {Get, "/-/stage", list_staged},                                  // npm stage list
        {Get, "/-/stage/{id}", show_staged},                             // npm stage view
        {Get, "/-/stage/{id}/tarball", download_staged},                 // npm stage download
        {Post, "/-/stage/{id}/approve", approve_staged},                 // npm stage approve
        {Delete, "/-/stage/{id}", reject_staged},                        // npm stage reject

        {Get, "/-/npm/v1/user", show_profile},     // npm profile get
        {Post, "/-/npm/v1/user", update_profile},  // npm profile set, enable-2fa, disable-2fa

        {Get, "/-/package/{pkg}/dist-tags", list_dist_tags},  // npm dist-tag ls
        {Put, "/-/package/{pkg}/dist-tags/{tag}", add_dist_tag, kFormBody,
         OnDeadlock::RunAgain},  // npm dist-tag add
        {Post, "/-/package/{pkg}/dist-tags/{tag}", add_dist_tag, kFormBody,
         OnDeadlock::RunAgain},  // older clients
        {Delete, "/-/package/{pkg}/dist-tags/{tag}", remove_dist_tag, kFormBody,
         OnDeadlock::RunAgain},                                 // npm dist-tag rm
        {Get, "/-/package/{pkg}/visibility", show_visibility},  // npm access get status
        {Post, "/-/package/{pkg}/access", change_access},       // npm access set status
        {Get, "/-/package/{pkg}/collaborators",
         list_collaborators},                                 // npm access list collaborators
        {Get, "/-/org/{scope}/package", list_org_packages},   // npm access list packages
        {Put, "/-/org/{scope}/user", set_org_member},         // npm org set
        {Delete, "/-/org/{scope}/user", remove_org_member},   // npm org rm
        {Get, "/-/org/{scope}/user", list_org_members},       // npm org ls
        {Get, "/-/user/{name}/package", list_user_packages},  // ... its fallback
        {Get, "/-/_view/starredByUser", starred_by_user},     // npm stars
        {Get, "/-/changes", list_changes},                    // mirrors, caches
        {Post, "/-/npm/v1/security/advisories/bulk", audit_bulk, kAuditBody},  // npm audit
        {Get, "/-/npm/v1/attestations/{pkg}", show_attestations},              // provenance
        {Get, "/-/npm/v1/keys", show_keys},  // npm audit signatures
        {Post, "/-/npm/v1/oidc/token/exchange/package/{pkg}",
         exchange_oidc_token},                                  // npm publish in CI
        {Get, "/-/package/{pkg}/trust", list_trust},            // npm trust list
        {Post, "/-/package/{pkg}/trust", add_trust},            // npm trust github|gitlab
        {Delete, "/-/package/{pkg}/trust/{id}", revoke_trust},  // npm trust revoke

        {Get, "/{pkg}", show_package},  // npm install, view (packument)
        {Put, "/{pkg}", publish, kDocumentBody, OnDeadlock::RunAgain},  // publish, deprecate, star
        {Post, "/{pkg}", create_project_form},            // create a project (SPEC §3)
        {Get, "/{pkg}/-/{file}", download_tarball},       // npm install (tarball)
        {Get, "/{pkg}/v/{version}", show_version_page},   // a version's page (browsers)
        {Post, "/{pkg}/-/rotate", rotate_project_token},  // a new project token
        {Post, "/{pkg}/-/owners", change_owner_form},     // owners (user token only)
        {Post, "/{pkg}/-/deprecate", deprecate_form},     // deprecate a version
        {Post, "/{pkg}/-/link", link_version_form},       // a version by link, from the page
        {Post, "/{pkg}/-/session", adopt_token},          // a ?ut=/?pt= link's button
        {Post, "/{pkg}/-/stage", stage_form},             // approve or reject a staged version
        {Post, "/{pkg}/{channel}", post_channel},         // stable, test, nightly (SPEC §3)

        {Delete, "/{pkg}/-/{file}/-rev/{rev}", delete_tarball},  // npm unpublish NAME@V
        {Put, "/{pkg}/-rev/{rev}", update_package_rev, kDocumentBody,
         OnDeadlock::RunAgain},  // unpublish, owner
        {Delete, "/{pkg}/-rev/{rev}", delete_package, kFormBody,
         OnDeadlock::RunAgain},                   // npm unpublish NAME --force
        {Get, "/{pkg}/{version}", show_version},  // a version manifest by version or tag
    };
    return kRoutes;
}

std::vector<std::string> route_labels() {
    std::vector<std::string> out;
    for (const auto& r : routes())
        out.push_back(std::string{http::method_name(r.method)} + " " + std::string{r.pattern});
    return out;
}

}  // namespace depot::api
