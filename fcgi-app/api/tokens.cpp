// npm token list / create / revoke (protocol §7).

#include "services/tokens.hpp"

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "model/cidr.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"
#include "services/auth.hpp"
#include "services/passwords.hpp"
#include "storage/db.hpp"
#include "storage/token_repo.hpp"

namespace depot::api {
namespace {

void write_cidrs(render::JsonWriter& w, std::string_view cidrs) {
    w.key("cidr_whitelist");
    if (cidrs.empty()) {
        w.null();
        return;
    }
    w.begin_array();
    std::size_t start = 0;
    while (start < cidrs.size()) {
        const auto sp = cidrs.find(' ', start);
        w.string(cidrs.substr(start,
                              sp == std::string_view::npos ? std::string_view::npos : sp - start));
        if (sp == std::string_view::npos) break;
        start = sp + 1;
    }
    w.end_array();
}

void write_token(render::JsonWriter& w, const storage::TokenRow& t) {
    w.begin_object().field("token", t.prefix).field("key", t.key_id);
    t.name.empty() ? w.key("name").null() : w.field("name", t.name);
    write_cidrs(w, t.cidrs);
    w.key("readonly").boolean(t.readonly).field("created", t.created).field("updated", t.created);
    t.expires.empty() ? w.key("expires").null() : w.field("expires", t.expires);
    if (t.limits.granular) {  // npm token list --json shows a granular token's limits
        const auto list = [&](const char* key, std::string_view items) {
            w.key(key).begin_array();
            while (!items.empty()) {
                const auto sp = items.find(' ');
                if (sp != 0) w.string(items.substr(0, sp));
                if (sp == std::string_view::npos) break;
                items.remove_prefix(sp + 1);
            }
            w.end_array();
        };
        if (!t.limits.description.empty()) w.field("description", t.limits.description);
        list("packages", t.limits.packages);
        list("scopes", t.limits.scopes);
        w.field("packages_and_scopes_permission", t.limits.permission);
        w.key("bypass_2fa").boolean(t.limits.bypass_2fa);
    }
    w.end_object();
}

// npm 11's token create fields (issue 12): any of them makes a granular token
// (a name alone, or the legacy {password, readonly, cidr_whitelist}, a classic one).
storage::TokenLimits parse_limits(const rapidjson::Value& doc) {
    storage::TokenLimits l;
    for (const char* key : {"description", "packages", "packages_all", "scopes", "orgs",
                            "packages_and_scopes_permission", "orgs_permission", "bypass_2fa"}) {
        const auto it = doc.FindMember(key);
        if (it != doc.MemberEnd() && !it->value.IsNull()) l.granular = true;
    }
    if (!l.granular) return l;
    const auto strings = [&](const char* key, auto&& check) {
        std::string out;
        const auto it = doc.FindMember(key);
        if (it == doc.MemberEnd() || it->value.IsNull()) return out;
        if (!it->value.IsArray() || it->value.Size() > 50)
            throw bad_request(std::string{key} + " must be a list of at most 50 names");
        for (const auto& v : it->value.GetArray()) {
            if (!v.IsString()) throw bad_request(std::string{key} + " must be a list of names");
            const std::string one = check(std::string{v.GetString(), v.GetStringLength()});
            out += (out.empty() ? "" : " ") + one;
        }
        return out;
    };
    l.packages = strings("packages", [](std::string n) {
        if (!model::PackageName::valid(n)) throw bad_request("\"" + n + "\" is not a package name");
        return n;
    });
    if (const auto all = doc.FindMember("packages_all");
        all != doc.MemberEnd() && all->value.IsBool() && all->value.GetBool())
        l.packages = "*";
    l.scopes = strings("scopes", [](std::string s) {
        if (!s.starts_with("@")) s = "@" + s;
        if (!model::PackageName::valid(s + "/x")) throw bad_request("\"" + s + "\" is not a scope");
        return s;
    });
    if (doc.HasMember("orgs") && !doc["orgs"].IsNull() && doc["orgs"].IsArray() &&
        doc["orgs"].Size() > 0)
        throw bad_request("depot has no organisations to give a token; use scopes");
    // Neither packages nor scopes: every package of the account (what a
    // classic read-only token meant, and npm's --packages-all).
    if (l.packages.empty() && l.scopes.empty()) l.packages = "*";
    const auto permission =
        std::string{render::string_member(doc, "packages_and_scopes_permission")};
    // Least privilege when npm says nothing.
    l.permission = permission.empty() ? "read-only" : permission;
    if (l.permission != "read-only" && l.permission != "read-write" && l.permission != "no-access")
        throw bad_request(
            "packages_and_scopes_permission must be read-only, read-write or no-access");
    l.description = std::string{render::string_member(doc, "description")};
    if (l.description.size() > 1024)
        throw bad_request("the description is longer than 1024 characters");
    if (const auto b = doc.FindMember("bypass_2fa"); b != doc.MemberEnd() && b->value.IsBool())
        l.bypass_2fa = b->value.GetBool();
    return l;
}

std::string parse_cidr_list(const rapidjson::Value& doc) {
    std::string out;
    const auto it = doc.FindMember("cidr_whitelist");
    if (it == doc.MemberEnd() || it->value.IsNull()) return out;
    if (!it->value.IsArray()) throw bad_request("cidr_whitelist must be an array of CIDR ranges");
    for (const auto& c : it->value.GetArray()) {
        if (!c.IsString()) throw bad_request("cidr_whitelist must be an array of CIDR ranges");
        out += (out.empty() ? "" : " ") + model::parse_cidr({c.GetString(), c.GetStringLength()});
    }
    return out;
}

bool wants_readonly(const rapidjson::Value& doc) {
    // npm 11 says read-only through the permission field; older npm sent "readonly".
    if (render::string_member(doc, "packages_and_scopes_permission") == "read-only") return true;
    const auto it = doc.FindMember("readonly");
    return it != doc.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

// GET /-/npm/v1/tokens
http::Response list_tokens(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    // A project token manages one package, not its creator's account (review M1).
    if (who.one_package()) throw forbidden("a project token cannot list tokens");
    const auto rows = storage::TokenRepo{ctx.db}.list_for_user(who.user_id, "user");
    render::JsonWriter w;
    w.begin_object().key("objects").begin_array();
    for (const auto& t : rows) write_token(w, t);
    w.end_array().key("total").integer(static_cast<long long>(rows.size()));
    // npm crashes without "urls" (protocol §7).
    w.key("urls").begin_object().key("next").null().end_object().end_object();
    return private_json(200, w.str());
}

// POST /-/npm/v1/tokens — needs the account password as well as a login.
http::Response create_token(const http::Request& req, Context& ctx) {
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto who = require_caller(req, ctx);
    services::require_write(who);
    if (who.one_package()) throw forbidden("a project token cannot create tokens");
    const auto password = render::string_member(doc, "password");
    if (password.empty() || !ctx.passwords.check(ctx.db, who.name, password, req.remote_addr)) {
        throw unauthorized("the password is incorrect", "Basic");
    }
    if (who.limits.granular) throw forbidden("a granular token cannot create tokens; log in");
    services::require_strict_otp(who);  // a new credential: a code with 2FA in either mode
    auto spec = services::user_token(who.user_id, std::string{render::string_member(doc, "name")});
    if (spec.name.size() > 255) throw bad_request("the token name is longer than 255 characters");
    spec.readonly = wants_readonly(doc);
    spec.cidrs = parse_cidr_list(doc);
    spec.limits = parse_limits(doc);
    const int max_days = spec.limits.granular ? ctx.config.token_max_days : 3650;
    if (const auto it = doc.FindMember("expires"); it != doc.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > max_days) {
            throw bad_request("expires must be a number of days between 1 and " +
                              std::to_string(max_days));
        }
        spec.expires_in_seconds = it->value.GetInt() * 86400;
    } else if (spec.limits.granular) {
        spec.expires_in_seconds = max_days * 86400;  // granular tokens always expire
    }
    const auto minted = services::mint_token(ctx.db, spec);
    const auto row = storage::TokenRepo{ctx.db}.find_active(services::token_hash(minted.secret));
    render::JsonWriter w;
    w.begin_object().field("token", minted.secret).field("key", minted.key_id);
    spec.name.empty() ? w.key("name").null() : w.field("name", spec.name);
    write_cidrs(w, spec.cidrs);
    w.key("readonly").boolean(spec.readonly).field("created", row ? row->created : "");
    w.field("updated", row ? row->created : "");
    if (row && !row->expires.empty()) w.field("expires", row->expires);
    if (spec.limits.granular) {
        w.field("packages_and_scopes_permission", spec.limits.permission);
        w.key("bypass_2fa").boolean(spec.limits.bypass_2fa);
    }
    w.end_object();
    return private_json(201, w.str());
}

// DELETE /-/npm/v1/tokens/token/KEY — KEY is a listed key or a whole token.
http::Response revoke_token(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    services::require_write(who);
    if (who.one_package()) throw forbidden("a project token cannot revoke tokens");
    const auto& key = req.param("key");

    storage::TokenRepo tokens{ctx.db};
    bool revoked = tokens.revoke_by_key(who.user_id, key);
    if (!revoked) {
        const auto row = tokens.find_active(services::token_hash(key));
        if (row && row->user_id == who.user_id)
            revoked = tokens.revoke_by_hash(services::token_hash(key));
    }
    if (!revoked) throw not_found("no such token");
    return private_json(200, R"({"ok":true})");
}

}  // namespace depot::api
