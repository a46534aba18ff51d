#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.hpp"
#include "http/method.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/uri.hpp"
#include "model/package_name.hpp"
#include "render/views.hpp"
#include "services/auth.hpp"

namespace depot::api {

using Handler = http::Response (*)(const http::Request&, Context&);

// Request bodies a route takes: forms and small JSON by default; documents
// (publish, unpublish, deprecate: a whole packument) up to max_body_bytes.
inline constexpr std::uint64_t kFormBody = 64ull << 10;
inline constexpr std::uint64_t kAuditBody = 16ull << 20;
inline constexpr std::uint64_t kDocumentBody = ~0ull;  // max_body_bytes of the config

// Whether a handler may run again after its transaction lost a deadlock:
// only those whose every effect is inside that one transaction (and, for a
// publish, a content-addressed file), never one that mails or counts first.
enum class OnDeadlock { Answer503, RunAgain };

struct Route {
    http::Method method;
    std::string_view pattern;
    Handler handler;
    std::uint64_t max_body = kFormBody;
    OnDeadlock on_deadlock = OnDeadlock::Answer503;
};

// THE route table: every path the registry answers, in match order.
[[nodiscard]] const std::vector<Route>& routes();
// "GET /{pkg}" for each route, in table order: the metrics' labels.
[[nodiscard]] std::vector<std::string> route_labels();

// Handlers, grouped by file.
http::Response ping(const http::Request&, Context&);     // ping.cpp
http::Response health(const http::Request&, Context&);   // ping.cpp
http::Response metrics(const http::Request&, Context&);  // ping.cpp

http::Response add_user(const http::Request&, Context&);        // users.cpp
http::Response show_user(const http::Request&, Context&);       // users.cpp
http::Response update_user(const http::Request&, Context&);     // users.cpp
http::Response create_session(const http::Request&, Context&);  // users.cpp
http::Response whoami(const http::Request&, Context&);          // users.cpp
http::Response logout(const http::Request&, Context&);          // users.cpp

http::Response start_web_login(const http::Request&, Context&);    // web_login.cpp
http::Response poll_web_login(const http::Request&, Context&);     // web_login.cpp
http::Response show_web_login(const http::Request&, Context&);     // web_login.cpp
http::Response approve_web_login(const http::Request&, Context&);  // web_login.cpp

http::Response list_tokens(const http::Request&, Context&);   // tokens.cpp
http::Response create_token(const http::Request&, Context&);  // tokens.cpp
http::Response revoke_token(const http::Request&, Context&);  // tokens.cpp

http::Response search(const http::Request&, Context&);  // search.cpp

// staging.cpp: npm stage (issue 12)
http::Response stage_publish(const http::Request&, Context&);
http::Response list_staged(const http::Request&, Context&);
http::Response show_staged(const http::Request&, Context&);
http::Response download_staged(const http::Request&, Context&);
http::Response approve_staged(const http::Request&, Context&);
http::Response reject_staged(const http::Request&, Context&);

http::Response show_profile(const http::Request&, Context&);    // profile.cpp
http::Response update_profile(const http::Request&, Context&);  // profile.cpp

http::Response show_package(const http::Request&, Context&);  // packages.cpp
http::Response show_version(const http::Request&, Context&);  // packages.cpp
http::Response publish(const http::Request&, Context&);       // packages.cpp

http::Response download_tarball(const http::Request&, Context&);  // tarballs.cpp

// uplinks.cpp (issue 11): the uplink a read of name goes to (nullptr: depot
// alone answers), and the proxied answers.
const Uplink* read_through(const http::Request& req, Context& ctx, const model::PackageName& name);
http::Response proxied_document(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                                bool abbreviated);
http::Response proxied_tarball(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                               const std::string& version, const std::string& file);
http::Response proxied_version(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                               const std::string& wanted);
http::Response show_attestations(const http::Request&, Context&);

// supply_chain.cpp (issue 13)
http::Response show_keys(const http::Request&, Context&);
std::optional<http::Response> local_attestations(const http::Request& req, Context& ctx,
                                                 const model::PackageName& name,
                                                 const std::string& version);
http::Response list_trust(const http::Request&, Context&);
http::Response add_trust(const http::Request&, Context&);
http::Response revoke_trust(const http::Request&, Context&);
http::Response exchange_oidc_token(const http::Request&, Context&);

// lifecycle.cpp
http::Response list_dist_tags(const http::Request&, Context&);
http::Response add_dist_tag(const http::Request&, Context&);
http::Response remove_dist_tag(const http::Request&, Context&);
http::Response update_package_rev(const http::Request&, Context&);
http::Response delete_tarball(const http::Request&, Context&);
http::Response delete_package(const http::Request&, Context&);
http::Response show_visibility(const http::Request&, Context&);
http::Response change_access(const http::Request&, Context&);
http::Response list_collaborators(const http::Request&, Context&);
http::Response list_org_packages(const http::Request&, Context&);
http::Response list_user_packages(const http::Request&, Context&);
http::Response starred_by_user(const http::Request&, Context&);
http::Response list_changes(const http::Request&, Context&);
http::Response audit_bulk(const http::Request&, Context&);

// web_pages.cpp
http::Response home(const http::Request&, Context&);
http::Response post_home(const http::Request&, Context&);       // web_forms.cpp
http::Response complete_reset(const http::Request&, Context&);  // web_forms.cpp
http::Response show_version_page(const http::Request&, Context&);
http::Response package_page(const http::Request& req, Context& ctx, const model::PackageName& name,
                            const std::string& version);

// web_forms.cpp: the pages behind the mailed links, and their buttons
http::Response show_confirmation(const http::Request&, Context&);
http::Response confirm_registration(const http::Request&, Context&);
http::Response show_reset(const http::Request&, Context&);

// orgs.cpp: npm org set|rm|ls (scope members)
http::Response set_org_member(const http::Request&, Context&);
http::Response remove_org_member(const http::Request&, Context&);
http::Response list_org_members(const http::Request&, Context&);

// web_projects.cpp
http::Response adopt_token(const http::Request&, Context&);
http::Response create_project_form(const http::Request&, Context&);
http::Response stage_form(const http::Request&, Context&);      // approve/reject on the page
http::Response show_account(const http::Request&, Context&);    // the account page (2FA)
http::Response update_account(const http::Request&, Context&);  // its forms
http::Response post_channel(const http::Request&, Context&);
http::Response rotate_project_token(const http::Request&, Context&);
http::Response change_owner_form(const http::Request&, Context&);
http::Response deprecate_form(const http::Request&, Context&);
http::Response link_version_form(const http::Request&, Context&);
std::string csrf_token(std::string_view token_secret);
services::Principal form_principal(const http::Request& req, Context& ctx,
                                   const http::Fields& fields);
void add_management(const http::Request& req, Context& ctx, std::uint64_t package_id,
                    render::PackagePage& page);
http::Response take_token_from_url(const http::Request& req, Context& ctx,
                                   const model::PackageName& name, std::string_view secret);
std::optional<http::Response> follow_channel(const http::Request& req, Context& ctx,
                                             const model::PackageName& name,
                                             const std::string& channel);

// Shared by handlers: PUT /{pkg} without attachment (lifecycle.cpp), and the
// read check for restricted packages (packages.cpp): 404 unless an owner asks.
http::Response update_package(const http::Request&, Context&, const model::PackageName& name,
                              const services::Principal& who);

void require_read_access(const http::Request& req, Context& ctx, std::uint64_t package_id,
                         std::string_view access, std::string_view name);

// caller.cpp: who is asking (nullopt: nobody), and the same where a login is required (401).
[[nodiscard]] std::optional<services::Principal> caller(const http::Request& req, Context& ctx);
[[nodiscard]] services::Principal require_caller(const http::Request& req, Context& ctx);

}  // namespace depot::api
