// Reads of names proxied to an uplink (issue 11); services/uplinks decides
// and fetches, nginx sends the files.

#include "services/uplinks.hpp"

#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"

namespace depot::api {
namespace {

// What npm sends while it writes: answered from depot alone, so a publish
// never tells an uplink a name (npm's npm-command header, protocol §1.3).
bool writing_command(std::string_view command) {
    for (const char* c : {"publish", "stage", "unpublish", "deprecate", "dist-tag", "owner",
                          "access", "star", "unstar", "team", "org", "trust"}) {
        if (command == c) return true;
    }
    return false;
}

services::Uplinks uplinks_of(Context& ctx) {
    return services::Uplinks{ctx.config, ctx.db, ctx.tarballs, ctx.metrics, &ctx.gates};
}

}  // namespace

const Uplink* read_through(const http::Request& req, Context& ctx, const model::PackageName& name) {
    if (ctx.config.proxy.empty() || writing_command(req.header("npm-command"))) return nullptr;
    if (http::find_field(http::parse_form(req.query), "write")) return nullptr;
    return uplinks_of(ctx).proxied(name);
}

http::Response proxied_document(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                                bool abbreviated) {
    const auto doc = uplinks_of(ctx).document(name, uplink, abbreviated);
    http::Response r;
    r.status = 200;
    // The internal location sets the type, Cache-Control, Vary and (for
    // stale/) the Warning header.
    r.set("X-Accel-Redirect", "/-/internal/docs/" + doc.path);
    return r;
}

http::Response proxied_tarball(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                               const std::string& version, const std::string& file) {
    http::Response r;
    r.status = 200;
    r.set("X-Accel-Redirect", uplinks_of(ctx).tarball(name, uplink, version, file));
    return r;
}

http::Response proxied_version(Context& ctx, const model::PackageName& name, const Uplink& uplink,
                               const std::string& wanted) {
    auto r = http::json(200, uplinks_of(ctx).version_json(name, uplink, wanted));
    r.set("Cache-Control", "public, max-age=0, must-revalidate");
    return r;
}

// GET /-/npm/v1/attestations/NAME@VERSION: a version's Sigstore bundles,
// stored at publish (api/supply_chain), or a proxied version's from its uplink.
http::Response show_attestations(const http::Request& req, Context& ctx) {
    const auto& spec = req.param("pkg");
    const auto at = spec.rfind('@');
    if (at == std::string::npos || at == 0) throw not_found("expected NAME@VERSION");
    const auto name = model::PackageName::parse(spec.substr(0, at));
    const auto version = spec.substr(at + 1);
    // It names a file in the store: a version, nothing else.
    if (!model::Semver::valid(version)) throw not_found("no attestations for " + spec);
    if (auto local = local_attestations(req, ctx, name, version)) return std::move(*local);
    const auto* uplink = read_through(req, ctx, name);
    if (!uplink) throw not_found("no attestations for " + spec);
    auto r = http::json(200, uplinks_of(ctx).attestations(name, *uplink, version));
    r.set("Cache-Control", "public, max-age=300");
    return r;
}

}  // namespace depot::api
