// The package lifecycle with the npm CLI (protocol §13–20): dist-tag,
// deprecate, unpublish, owner, access, star, the change feed and audit.

#include "services/lifecycle.hpp"

#include <charconv>
#include <set>

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/gzip.hpp"
#include "http/uri.hpp"
#include "model/account.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/staged_repo.hpp"
#include "storage/user_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {
namespace {

services::Principal login(const http::Request& req, Context& ctx) {
    return require_caller(req, ctx);
}

// A package the caller may read, else 404 (restricted names do not leak).
storage::PackageRow readable(const http::Request& req, Context& ctx,
                             const model::PackageName& name) {
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg || !pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    return *pkg;
}

http::Response ok(int status = 200) { return private_json(status, R"({"ok":true})"); }

std::uint64_t u64_param(const http::Fields& q, std::string_view name, std::uint64_t fallback,
                        std::uint64_t hi) {
    const auto v = http::find_field(q, name);
    if (!v || v->empty()) return fallback;
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n > hi) {
        throw bad_request(std::string{name} + " must be a whole number up to " +
                          std::to_string(hi));
    }
    return n;
}

}  // namespace

// GET /-/package/{pkg}/dist-tags
http::Response list_dist_tags(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto pkg = readable(req, ctx, name);
    render::JsonWriter w;
    w.begin_object();
    for (const auto& t : storage::TagRepo{ctx.db}.list(pkg.id)) w.field(t.tag, t.version);
    w.end_object();
    // No max-age: npm revalidates this URL with If-None-Match (protocol §13).
    return private_json(200, w.str());
}

// PUT /-/package/{pkg}/dist-tags/{tag} with the version as a JSON string.
http::Response add_dist_tag(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto tag = model::parse_dist_tag(req.param("tag"));
    rapidjson::Document doc;
    if (!render::parse_json(doc, req.body) || !doc.IsString()) {
        throw bad_request("the body must be the version as a JSON string, like \"1.0.0\"");
    }
    const auto version = model::Semver::parse({doc.GetString(), doc.GetStringLength()}).str();
    const auto who = login(req, ctx);
    services::set_dist_tag(ctx.db, ctx.config, who, name, tag, version);
    return ok(201);
}

// DELETE /-/package/{pkg}/dist-tags/{tag}
http::Response remove_dist_tag(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto tag = model::parse_dist_tag(req.param("tag"));
    const auto who = login(req, ctx);
    services::remove_dist_tag(ctx.db, ctx.config, who, name, tag);
    return ok();
}

// PUT /{pkg} without an attachment: deprecate / undeprecate, star / unstar.
http::Response update_package(const http::Request& req, Context& ctx,
                              const model::PackageName& name, const services::Principal& who) {
    rapidjson::Document doc;
    parse_json_object(req, doc);

    services::update_metadata(ctx.db, ctx.config, who, name, doc);
    return ok(201);
}

// PUT /{pkg}/-rev/{rev}: unpublish versions, or change owners.
http::Response update_package_rev(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto who = login(req, ctx);
    services::update_with_rev(ctx.db, ctx.tarballs, ctx.config, who, name, req.param("rev"), doc);
    return ok(201);
}

// DELETE /{pkg}/-/{file}/-rev/{rev}: the tarball of an unpublished version.
http::Response delete_tarball(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto& file = req.param("file");
    const std::string prefix = std::string{name.bare()} + "-";
    if (!file.starts_with(prefix) || !file.ends_with(".tgz")) throw not_found("no tarball " + file);
    const auto version = file.substr(prefix.size(), file.size() - prefix.size() - 4);
    const auto who = login(req, ctx);
    services::confirm_tarball_removed(ctx.db, ctx.tarballs, who, name, version);
    return ok();
}

// DELETE /{pkg}/-rev/{rev}: npm unpublish NAME --force.
http::Response delete_package(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto who = login(req, ctx);
    services::unpublish_package(ctx.db, ctx.tarballs, ctx.config, who, name, req.param("rev"));
    return ok();
}

// GET /-/package/{pkg}/visibility
http::Response show_visibility(const http::Request& req, Context& ctx) {
    const auto pkg = readable(req, ctx, model::PackageName::parse(req.param("pkg")));
    // npm access get status prints "public" or "private"; the 2FA policy is
    // there for --json readers and scripts (issue 12).
    const auto mfa = storage::PackageRepo{ctx.db}.mfa_policy(pkg.id);
    render::JsonWriter w;
    w.begin_object().key("public").boolean(pkg.access == "public");
    w.field("mfa", !mfa.publish_requires_tfa            ? "none"
                   : mfa.automation_token_overrides_tfa ? "automation"
                                                        : "publish");
    w.key("publish_requires_tfa").boolean(mfa.publish_requires_tfa);
    w.key("automation_token_overrides_tfa").boolean(mfa.automation_token_overrides_tfa);
    w.key("require_staging").boolean(storage::StagedRepo{ctx.db}.requires_staging(pkg.id));
    w.end_object();
    return private_json(200, w.str());
}

// POST /-/package/{pkg}/access {"access":"public"|"restricted"}
http::Response change_access(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto who = login(req, ctx);
    // npm access set mfa=…: {publish_requires_tfa, automation_token_overrides_tfa}.
    if (const auto tfa = doc.FindMember("publish_requires_tfa"); tfa != doc.MemberEnd()) {
        if (!tfa->value.IsBool()) throw bad_request("publish_requires_tfa must be true or false");
        const auto over = doc.FindMember("automation_token_overrides_tfa");
        const bool overrides =
            over != doc.MemberEnd() && over->value.IsBool() && over->value.GetBool();
        services::set_mfa(ctx.db, ctx.config, who, name, tfa->value.GetBool(),
                          tfa->value.GetBool() && overrides);
        return ok();
    }
    const auto access = std::string{render::string_member(doc, "access")};
    if (access.empty())
        throw bad_request(
            "expected {\"access\": \"public\"|\"restricted\"} or {\"publish_requires_tfa\": …}");
    services::set_access(ctx.db, ctx.config, who, name, access);
    return ok();
}

// GET /-/package/{pkg}/collaborators
http::Response list_collaborators(const http::Request& req, Context& ctx) {
    const auto pkg = readable(req, ctx, model::PackageName::parse(req.param("pkg")));
    render::JsonWriter w;
    w.begin_object();
    for (const auto& o : storage::PackageRepo{ctx.db}.list_owners(pkg.id)) w.field(o.name, "write");
    w.end_object();
    return private_json(200, w.str());
}

// GET /-/org/{scope}/package — depot has users, not organisations; npm then
// asks /-/user/{name}/package (protocol §17).
http::Response list_org_packages(const http::Request&, Context&) {
    throw not_found("depot has no organisations");
}

// GET /-/user/{name}/package — what a user owns; restricted ones only to themselves.
http::Response list_user_packages(const http::Request& req, Context& ctx) {
    const auto name = model::parse_user_name(req.param("name"));
    const auto who = caller(req, ctx);
    const auto user = storage::UserRepo{ctx.db}.find_by_name(name);
    if (!user) throw not_found("no user named \"" + name + "\"");
    storage::PackageRepo packages{ctx.db};
    render::JsonWriter w;
    w.begin_object();
    for (const auto& [pkg, permission] : packages.list_owned(user->id)) {
        const auto row = packages.find(pkg);
        if (row && services::can_read(ctx.db, who, row->id, row->access)) w.field(pkg, permission);
    }
    w.end_object();
    return private_json(200, w.str());
}

// GET /-/_view/starredByUser?key="NAME"
http::Response starred_by_user(const http::Request& req, Context& ctx) {
    auto key = http::find_field(http::parse_form(req.query), "key").value_or("");
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"')
        key = key.substr(1, key.size() - 2);
    const auto name = model::parse_user_name(key);
    render::JsonWriter w;
    w.begin_object().key("rows").begin_array();
    for (const auto& p : storage::PackageRepo{ctx.db}.list_starred(name)) {
        w.begin_object().field("value", p).end_object();
    }
    w.end_array().end_object();
    return private_json(200, w.str());
}

// GET /-/changes?since=SEQ&limit=N — the change log, for mirrors and caches.
http::Response list_changes(const http::Request& req, Context& ctx) {
    const auto q = http::parse_form(req.query);
    const auto since = u64_param(q, "since", 0, ~0ull >> 1);
    const auto limit = static_cast<int>(u64_param(q, "limit", 100, 1000));
    if (limit == 0) throw bad_request("limit must be at least 1");
    // Proxied documents (issue 11) are a feed of their own: ?origin=uplink.
    const auto origin = http::find_field(q, "origin").value_or("local");
    if (origin != "local" && origin != "uplink") throw bad_request("origin is local or uplink");
    // What the company installs is its own business: the proxied feed is for
    // logged-in callers only.
    const auto who = caller(req, ctx);
    if (origin == "uplink" && !who) throw unauthorized("the uplink feed needs a login");
    const auto reader = services::reader_of(who);
    const auto rows = storage::ChangeRepo{ctx.db}.list_since(since, limit, reader.user_id,
                                                             reader.package_id, origin);
    render::JsonWriter w;
    w.begin_object().key("results").begin_array();
    std::uint64_t last = since;
    for (const auto& c : rows) {
        w.begin_object()
            .key("seq")
            .integer(static_cast<long long>(c.seq))
            .field("name", c.package_name);
        w.field("kind", c.kind).field("time", c.time).field("actor", c.actor_name);
        rapidjson::Document d;
        if (!c.detail.empty() && render::parse_json(d, c.detail)) w.key("detail").value(d);
        w.end_object();
        last = c.seq;
    }
    w.end_array().key("last_seq").integer(static_cast<long long>(last)).end_object();
    return private_json(200, w.str());
}

// POST /-/npm/v1/security/advisories/bulk — a gzipped {name: [versions]}.
// Answers depot's own advisories for those names; npm matches the ranges.
http::Response audit_bulk(const http::Request& req, Context& ctx) {
    std::string body = req.body;
    if (req.header("content-encoding") == "gzip" ||
        (body.size() > 2 && body[0] == '\x1f' && body[1] == '\x8b')) {
        auto inflated = http::inflate(body, 16u << 20);
        if (!inflated)
            throw bad_request("the gzip body could not be inflated (or is over 16 MiB inflated)");
        body = std::move(*inflated);
    }
    rapidjson::Document doc;
    if (!render::parse_json(doc, body) || !doc.IsObject())
        throw bad_request("expected {\"name\": [\"version\"]}");
    storage::AdvisoryRepo advisories{ctx.db};
    render::JsonWriter w;
    if (doc.MemberCount() > 10000) throw bad_request("an audit asks about at most 10000 packages");
    const auto who = caller(req, ctx);
    storage::PackageRepo packages{ctx.db};
    w.begin_object();
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        const std::string name{it->name.GetString(), it->name.GetStringLength()};
        // Not a package name (non-ASCII, too long…): nothing can be known of it (review L7).
        if (!model::PackageName::valid(name)) continue;
        auto list = advisories.list_for(name);
        if (list.empty()) continue;
        // Advisories of a restricted package would tell strangers it exists.
        if (const auto pkg = packages.find(name);
            pkg && !services::can_read(ctx.db, who, pkg->id, pkg->access)) {
            continue;
        }
        w.key(name).begin_array();
        for (const auto& a : list) {
            w.begin_object().key("id").integer(static_cast<long long>(a.id));
            w.field("url", a.url.empty()
                               ? ctx.config.public_url + "/-/advisories/" + std::to_string(a.id)
                               : a.url);
            w.field("title", a.title).field("severity", a.severity);
            w.field("vulnerable_versions", a.vulnerable_versions);
            w.key("cwe").begin_array().end_array();
            w.key("cvss")
                .begin_object()
                .key("score")
                .integer(0)
                .key("vectorString")
                .null()
                .end_object();
            w.end_object();
        }
        w.end_array();
    }
    // The audit uplink's advisories (issue 11) for names read from uplinks
    // only: nothing local or restricted, nothing under a "none" rule, leaves.
    if (const auto* uplink = ctx.config.find_uplink(ctx.config.audit_uplink)) {
        services::Uplinks uplinks{ctx.config, ctx.db, ctx.tarballs, ctx.metrics};
        render::JsonWriter ask;
        ask.begin_object();
        std::set<std::string, std::less<>> asked;
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            const std::string name{it->name.GetString(), it->name.GetStringLength()};
            if (!model::PackageName::valid(name) || asked.contains(name)) continue;
            if (!uplinks.proxied(model::PackageName::parse(name))) continue;
            asked.insert(name);
            ask.key(name).value(it->value);
        }
        ask.end_object();
        rapidjson::Document up;
        const auto answer =
            asked.empty() ? std::string{}
                          : uplinks.ask(*uplink, "/-/npm/v1/security/advisories/bulk", ask.str());
        if (!answer.empty() && render::parse_json(up, answer) && up.IsObject()) {
            for (auto it = up.MemberBegin(); it != up.MemberEnd(); ++it) {
                const std::string_view name{it->name.GetString(), it->name.GetStringLength()};
                if (asked.contains(name) && it->value.IsArray()) w.key(name).value(it->value);
            }
        }
    }
    w.end_object();
    return private_json(200, w.str());
}

}  // namespace depot::api
