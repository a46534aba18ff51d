// npm org set|rm|ls (libnpmorg): the members of a scope (services/scopes).
//   PUT    /-/org/SCOPE/user {"user","role"} → {org:{name,size}, user, role}
//   DELETE /-/org/SCOPE/user {"user"}        → 204 (npm ignores the body)
//   GET    /-/org/SCOPE/user                 → {"alice":"owner","bob":"developer"}

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"
#include "services/scopes.hpp"

namespace depot::api {
namespace {

// npm strips the '@'; accept it anyway. A scope follows package-name rules.
std::string scope_param(const http::Request& req) {
    std::string_view s = req.param("scope");
    if (s.starts_with("@")) s.remove_prefix(1);
    (void)model::PackageName::parse("@" + std::string{s} + "/x");  // 400 when not a scope
    return std::string{s};
}

std::string user_field(const rapidjson::Value& doc) {
    std::string_view user = render::string_member(doc, "user");
    if (user.starts_with("@")) user.remove_prefix(1);
    if (user.empty()) throw bad_request("give the member's npm user name as \"user\"");
    return std::string{user};
}

}  // namespace

http::Response set_org_member(const http::Request& req, Context& ctx) {
    const auto scope = scope_param(req);
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto user = user_field(doc);
    auto role = std::string{render::string_member(doc, "role")};
    if (role.empty()) role = "developer";
    const auto who = require_caller(req, ctx);
    const auto size = services::set_scope_member(ctx.db, &who, scope, user, role);
    render::JsonWriter w;
    w.begin_object().key("org").begin_object().field("name", scope);
    w.key("size").integer(static_cast<long long>(size)).end_object();
    w.field("user", user).field("role", role).end_object();
    return private_json(201, w.str());
}

http::Response remove_org_member(const http::Request& req, Context& ctx) {
    const auto scope = scope_param(req);
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto user = user_field(doc);
    const auto who = require_caller(req, ctx);
    (void)services::remove_scope_member(ctx.db, &who, scope, user);
    return private_json(200, R"({"ok":true})");
}

http::Response list_org_members(const http::Request& req, Context& ctx) {
    const auto scope = scope_param(req);
    const auto who = require_caller(req, ctx);
    render::JsonWriter w;
    w.begin_object();
    for (const auto& m : services::list_scope_members(ctx.db, &who, scope)) {
        if (!m.name.empty()) w.field(m.name, m.role);
    }
    w.end_object();
    return private_json(200, w.str());
}

}  // namespace depot::api
