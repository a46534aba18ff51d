// The supply-chain endpoints (issue 13): the registry's keys, a version's
// attestations, npm trust and the OIDC token exchange. The work is in
// services/signing, services/provenance and services/trusted_publishing.

#include <string>

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "error.hpp"
#include "model/semver.hpp"
#include "services/access.hpp"
#include "services/provenance.hpp"
#include "services/signing.hpp"
#include "services/trusted_publishing.hpp"
#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {

// GET /-/npm/v1/keys: npm audit signatures reads them (404: no keys, so npm
// reports nothing missing).
http::Response show_keys(const http::Request&, Context& ctx) {
    const auto doc = services::Signing{ctx.config, ctx.db}.keys_document();
    if (!doc) throw not_found("this registry does not sign packages");
    auto r = http::json(200, *doc);
    // Short: after a rotation, clients must see the new key before they
    // meet a version it signed.
    r.set("Cache-Control", "public, max-age=60");
    return r;
}

// A local version's attestations; nullopt when the name is not a local package.
std::optional<http::Response> local_attestations(const http::Request& req, Context& ctx,
                                                 const model::PackageName& name,
                                                 const std::string& version) {
    storage::PackageRepo packages{ctx.db};
    const auto pkg = packages.find(name.str());
    if (!pkg) return std::nullopt;
    const auto spec = name.str() + "@" + version;
    if (!pkg->unpublished.empty()) throw not_found("no attestations for " + spec);
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    const auto v = storage::VersionRepo{ctx.db}.find(pkg->id, version);
    const auto doc = v && v->unpublished_at.empty() ? services::stored_attestations(ctx.db, v->id)
                                                    : std::string{};
    if (doc.empty()) throw not_found("no attestations for " + spec);
    auto r = http::json(200, doc);
    r.set("Cache-Control", pkg->access == "public" ? "public, max-age=300" : "private, no-store");
    return r;
}

// GET /-/package/NAME/trust (npm trust list).
http::Response list_trust(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    return private_json(200, services::list_trust(ctx.db, require_caller(req, ctx), name));
}

// POST /-/package/NAME/trust (npm trust github|gitlab).
http::Response add_trust(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto who = require_caller(req, ctx);
    return private_json(201, services::add_trust(ctx.db, ctx.config, who, name, req.body));
}

// DELETE /-/package/NAME/trust/ID (npm trust revoke --id).
http::Response revoke_trust(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    services::revoke_trust(ctx.db, require_caller(req, ctx), name, req.param("id"));
    return private_json(200, R"({"ok":true})");
}

// POST /-/npm/v1/oidc/token/exchange/package/NAME with Authorization:
// Bearer <the CI's ID token> (npm's lib/utils/oidc.js).
http::Response exchange_oidc_token(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    auto auth = req.header("authorization");
    if (auth.size() < 8 || strncasecmp(auth.data(), "Bearer ", 7) != 0)
        throw unauthorized("send the CI's OIDC ID token as Authorization: Bearer", "Bearer");
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    return private_json(201, services::exchange_token(ctx.db, ctx.config, name, auth));
}

}  // namespace depot::api
