// GET /{pkg}/-/{file}: the worker decides, nginx sends the bytes (SPEC §2).

#include "api/routes.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"
#include "services/documents.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {

void require_read_access(const http::Request& req, Context& ctx, std::uint64_t package_id,
                         std::string_view access, std::string_view name);  // packages.cpp

http::Response download_tarball(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto& file = req.param("file");
    const std::string prefix = std::string{name.bare()} + "-";
    if (!file.starts_with(prefix) || !file.ends_with(".tgz") || file.size() <= prefix.size() + 4) {
        throw not_found("no tarball " + file + " for " + name.str());
    }
    const auto version = file.substr(prefix.size(), file.size() - prefix.size() - 4);
    if (!model::Semver::valid(version))
        throw not_found("no tarball " + file + " for " + name.str());
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg) {
        if (const auto* uplink = read_through(req, ctx, name))
            return proxied_tarball(ctx, name, *uplink, version, file);
    }
    if (!pkg || !pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    const auto v = storage::VersionRepo{ctx.db}.find(pkg->id, version);
    if (!v || !v->unpublished_at.empty())
        throw not_found("no tarball " + file + " for " + name.str());

    http::Response r;
    if (v->tarball_key.empty()) {  // registered by link, with link_keep_copy = false (SPEC §3)
        r.status = 302;
        r.set("Location", v->tarball_url);
        return r;
    }
    // nginx's internal location sets Content-Type, Cache-Control and the length.
    r.status = 200;
    // Restricted tarballs go out through a location that says "private", so
    // no shared cache keeps a copy for others.
    r.set("X-Accel-Redirect", ctx.tarballs.accel_uri(v->tarball_key, pkg->access == "public"));
    // From the next download on, nginx sends a public tarball by itself.
    if (pkg->access == "public" && req.header("authorization").empty())
        services::Documents{ctx.config}.expose_tarball(ctx.db, name.str(), version, file);

    return r;
}

}  // namespace depot::api
