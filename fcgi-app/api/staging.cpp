// npm stage publish|list|view|download|approve|reject (issue 12):
// services/staging decides; these turn requests into its calls.

#include "services/staging.hpp"

#include <charconv>

#include "api/publish_body.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "render/json.hpp"
#include "services/auth.hpp"
#include "storage/db.hpp"
#include "storage/staged_repo.hpp"

namespace depot::api {
namespace {

void write_item(render::JsonWriter& w, const storage::StagedRow& r) {
    w.begin_object().field("id", r.id).field("packageName", r.package_name);
    w.field("version", r.version).field("tag", r.tag).field("createdAt", r.created);
    w.field("actor", r.actor_name).field("actorType", r.actor_type).field("shasum", r.shasum);
    w.end_object();
}

int number(const http::Fields& q, std::string_view key, int fallback, int hi) {
    const auto v = http::find_field(q, key);
    if (!v || v->empty()) return fallback;
    int n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n < 0 || n > hi)
        throw bad_request(std::string{key} + " must be a whole number from 0 to " +
                          std::to_string(hi));
    return n;
}

services::PublishInput staged_input(Context& ctx, const storage::StagedRow& row) {
    return parse_publish_body(model::PackageName::parse(row.package_name),
                              services::staged_body(ctx.config, row));
}

}  // namespace

// POST /-/stage/package/{pkg}: npm stage publish (the publish body).
http::Response stage_publish(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto who = require_caller(req, ctx);
    if (req.body.size() > ctx.config.max_body_bytes)
        throw payload_too_large("the request body is larger than this registry accepts");
    const auto in = parse_publish_body(name, req.body);
    const auto id =
        services::stage_version(ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, in, req.body);
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(true).field("stageId", id).end_object();
    return private_json(201, w.str());
}

// GET /-/stage?page=&perPage=&package=: what the caller may approve.
http::Response list_staged(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    const auto q = http::parse_form(req.query);
    const int page = number(q, "page", 0, 100000);
    const int per_page = std::max(1, number(q, "perPage", 100, 100));
    const auto package = http::find_field(q, "package").value_or("");
    storage::StagedRepo staged{ctx.db};
    render::JsonWriter w;
    w.begin_object().key("items").begin_array();
    if (!who.one_package()) {
        for (const auto& r : staged.list(who.user_id, package, per_page, page * per_page)) {
            if (who.limits.covers(r.package_name)) write_item(w, r);
        }
    }
    w.end_array().key("page").integer(page).key("perPage").integer(per_page);
    w.key("total").integer(who.one_package() ? 0 : staged.count(who.user_id, package));
    w.end_object();
    return private_json(200, w.str());
}

// GET /-/stage/{id}
http::Response show_staged(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    render::JsonWriter w;
    write_item(w, services::staged_for(ctx.db, who, req.param("id")));
    return private_json(200, w.str());
}

// GET /-/stage/{id}/tarball: the bytes, for a look before approving.
http::Response download_staged(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    const auto row = services::staged_for(ctx.db, who, req.param("id"));
    http::Response r;
    r.status = 200;
    r.body = staged_input(ctx, row).tarball;
    r.set("Content-Type", "application/octet-stream");
    r.set("Cache-Control", "private, no-store");
    return r;
}

// POST /-/stage/{id}/approve: published now, as the approver (a code needed).
http::Response approve_staged(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    const auto row = services::staged_for(ctx.db, who, req.param("id"));
    services::require_approval(who);  // before reading anything
    (void)services::approve_staged(ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, row,
                                   staged_input(ctx, row));
    render::JsonWriter w;
    w.begin_object().field("message", row.package_name + "@" + row.version + " is published");
    w.end_object();
    return private_json(201, w.str());
}

// DELETE /-/stage/{id}: rejected, its upload deleted (a code needed).
http::Response reject_staged(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    const auto row = services::staged_for(ctx.db, who, req.param("id"));
    services::reject_staged(ctx.db, ctx.tarballs, who, row);
    http::Response r;
    r.status = 204;
    return r;
}

}  // namespace depot::api
