// Packuments, version manifests and publish (protocol §9, §12).

#include "api/publish_body.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/negotiate.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "render/packument.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/documents.hpp"
#include "services/publish.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {

// A restricted package exists only for those who may read it (services/access):
// everyone else gets the same 404 as for a name that was never published.
void require_read_access(const http::Request& req, Context& ctx, std::uint64_t package_id,
                         std::string_view access, std::string_view name) {
    if (access != "restricted") return;
    const auto who = caller(req, ctx);
    // A granular token reads the restricted packages it is for, no others (issue 12).
    if (!services::can_read(ctx.db, who, package_id, access) ||
        (who && !who->limits.covers(name))) {
        throw not_found("package \"" + std::string{name} + "\" not found");
    }
}

// 404 either way; a fully unpublished package keeps time.unpublished for
// the record, which npm view reports as "Unpublished on …" (protocol §9.3).
http::Response unpublished_or_missing(const http::Request& req, Context& ctx,
                                      const model::PackageName& name) {
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg || pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    render::JsonWriter w;
    w.begin_object().field("error",
                           "package \"" + name.str() + "\" was unpublished on " + pkg->unpublished);
    w.field("name", name.str()).key("time").begin_object().field("created", pkg->created);
    w.field("modified", pkg->modified)
        .key("unpublished")
        .begin_object()
        .field("time", pkg->unpublished);
    w.key("versions").begin_array();
    for (const auto& v : storage::VersionRepo{ctx.db}.list_all(pkg->id)) w.string(v.version);
    w.end_array().end_object().end_object().end_object();
    return private_json(404, w.str());
}

// GET /{pkg}: the full or abbreviated document. nginx sends a public one
// without asking (nginx/depot-site.conf.in); what reaches a worker (a
// restricted package, a token, ?write=true, a file not built yet) is decided
// here and sent by nginx from the file with X-Accel-Redirect: the worker
// never holds a copy, and ETag, 304, gzip and HEAD are nginx's.
http::Response show_package(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto q = http::parse_form(req.query);
    const bool write = http::find_field(q, "write") == "true";
    for (const char* kind : {"ut", "pt"}) {
        if (const auto secret = http::find_field(q, kind))
            return take_token_from_url(req, ctx, name, *secret);
    }
    if (!write && http::wants_html(req.header("accept"))) return package_page(req, ctx, name, "");

    const bool abbreviated = !write && http::wants_abbreviated(req.header("accept"));
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    // A name depot does not have may be an uplink's (issue 11); a local
    // name, even unpublished or restricted, never is.
    if (!pkg) {
        if (const auto* uplink = read_through(req, ctx, name))
            return proxied_document(ctx, name, *uplink, abbreviated);
    }
    if (!pkg || !pkg->unpublished.empty()) return unpublished_or_missing(req, ctx, name);
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    const auto path = services::Documents{ctx.config}.locate(ctx.db, *pkg, abbreviated);

    http::Response r;
    r.status = 200;
    // The internal locations set Content-Type, Cache-Control (no-store for
    // ?write=true, private for restricted packages) and Vary.
    r.set("X-Accel-Redirect", std::string{"/-/internal/docs/"} + (write ? "write/" : "") + path);
    return r;
}

// GET /{pkg}/{version}: one version manifest, by version or dist-tag, built
// from the rows as the full document has it.
http::Response show_version(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto& wanted = req.param("version");
    // SPEC §3: stable, test, nightly and vX.Y.Z are redirects to tarballs.
    if (auto redirect = follow_channel(req, ctx, name, wanted)) return std::move(*redirect);
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg) {
        if (const auto* uplink = read_through(req, ctx, name))
            return proxied_version(ctx, name, *uplink, wanted);
    }
    if (!pkg || !pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    std::string version = wanted;
    for (const auto& t : storage::TagRepo{ctx.db}.list(pkg->id)) {
        if (t.tag == wanted) version = t.version;
    }
    const auto v = storage::VersionRepo{ctx.db}.find(pkg->id, version);
    if (!v || !v->unpublished_at.empty()) {
        throw not_found("version or tag \"" + wanted + "\" of \"" + name.str() + "\" not found");
    }
    render::PackumentInput in;
    in.package = *pkg;
    in.owners = storage::PackageRepo{ctx.db}.list_owners(pkg->id);
    in.public_url = ctx.config.public_url;
    auto r = http::json(200, render::version_json(in, *v));
    r.set("Cache-Control", pkg->access == "restricted" ? "private, max-age=0, must-revalidate"
                                                       : "public, max-age=0, must-revalidate");
    return r;
}

// PUT /{pkg}: npm publish; deprecate and star share the URL (protocol §26).
http::Response publish(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    // Log in before looking at the name: what follows must not tell strangers
    // whether a restricted package exists.
    const auto who = require_caller(req, ctx);
    // Without attachment data it is a metadata change to a package the caller
    // can see; otherwise the publish parser says what is missing.
    const bool publishing = is_publish_body(req.body);
    // The route takes whole documents (npm deprecate PUTs one back); a
    // publish is held to max_body_bytes.
    if (publishing && req.body.size() > ctx.config.max_body_bytes)
        throw payload_too_large("the request body is larger than this registry accepts");
    if (!publishing) {
        const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
        if (pkg && services::can_read(ctx.db, who, pkg->id, pkg->access)) {
            return update_package(req, ctx, name, who);
        }
    }
    auto input = parse_publish_body(name, req.body);

    const auto version = input.version;  // input moves into the service
    const auto outcome =
        services::publish(ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, std::move(input));
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(true).field("id", name.str());
    w.field("version", version);
    if (outcome == services::PublishOutcome::AlreadyPublished) w.key("unchanged").boolean(true);
    w.end_object();
    return private_json(outcome == services::PublishOutcome::Created ? 201 : 200, w.str());
}

}  // namespace depot::api
