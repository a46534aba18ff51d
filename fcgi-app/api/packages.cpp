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
#include "services/access.hpp"
#include "services/auth.hpp"
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
    if (!services::can_read(ctx.db, caller(req, ctx), package_id, access)) {
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

// GET /{pkg}: the stored bytes of the full or abbreviated document.
http::Response show_package(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const bool write = http::find_field(http::parse_form(req.query), "write") == "true";
    const auto q = http::parse_form(req.query);
    for (const char* kind : {"ut", "pt"}) {
        if (const auto secret = http::find_field(q, kind))
            return take_token_from_url(req, ctx, name, *secret);
    }
    if (!write && http::wants_html(req.header("accept"))) return package_page(req, ctx, name, "");

    const bool abbreviated = !write && http::wants_abbreviated(req.header("accept"));
    const auto stored = storage::PackumentRepo{ctx.db}.find(name.str(), abbreviated);
    if (!stored) return unpublished_or_missing(req, ctx, name);
    require_read_access(req, ctx, stored->package_id, stored->access, name.str());

    http::Response r;
    r.set("ETag", stored->etag);
    // Corgi and full share one URL and one npm cache slot (protocol §1.6).
    r.set("Vary", "Accept");
    r.set("Cache-Control", write                            ? "no-store"
                           : stored->access == "restricted" ? "private, max-age=0, must-revalidate"
                                                            : "public, max-age=0, must-revalidate");
    if (!write && etag_matches(req.header("if-none-match"), stored->etag)) {
        r.status = 304;
        return r;
    }
    r.status = 200;
    r.set("Content-Type", abbreviated ? "application/vnd.npm.install-v1+json" : "application/json");
    r.body = stored->body;
    return r;
}

// GET /{pkg}/{version}: one version manifest, by version or dist-tag.
http::Response show_version(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto& wanted = req.param("version");
    // SPEC §3: stable, test, nightly and vX.Y.Z are redirects to tarballs.
    if (auto redirect = follow_channel(req, ctx, name, wanted)) return std::move(*redirect);
    const auto stored = storage::PackumentRepo{ctx.db}.find(name.str(), false);
    if (!stored) throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, stored->package_id, stored->access, name.str());
    rapidjson::Document doc;
    if (!render::parse_json(doc, stored->body))
        throw std::runtime_error("stored packument is not JSON");
    std::string version{render::string_member(doc["dist-tags"], wanted)};
    if (version.empty()) version = wanted;
    const auto& versions = doc["versions"];
    const auto it =
        versions.FindMember(rapidjson::Value{rapidjson::StringRef(version.data(), version.size())});
    if (it == versions.MemberEnd()) {
        throw not_found("version or tag \"" + wanted + "\" of \"" + name.str() + "\" not found");
    }
    render::JsonWriter w;
    w.value(it->value);
    auto r = http::json(200, w.str());
    r.set("Cache-Control", stored->access == "restricted" ? "private, max-age=0, must-revalidate"
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
    if (!is_publish_body(req.body)) {
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
