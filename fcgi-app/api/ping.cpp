// GET /-/ping, GET /-/health and GET /-/metrics.

#include <unistd.h>

#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "model/cidr.hpp"
#include "render/json.hpp"
#include "services/metrics.hpp"
#include "storage/db.hpp"

namespace depot::api {

// npm ping: any 2xx is PONG, the body is shown as "details" (protocol §21).
http::Response ping(const http::Request&, Context&) {
    auto r = http::json(200, "{}");
    r.set("Cache-Control", "no-store");
    return r;
}

namespace {

// The store's two trees answer and take writes: a shared store whose mount
// died (ENOTCONN) or went read-only takes this host out of its load
// balancer's rotation (deploy/cluster checks /-/health).
bool store_ok(const Config& config) {
    for (const auto* dir : {&config.tarball_dir, &config.document_dir})
        if (::access(dir->c_str(), R_OK | W_OK | X_OK) != 0) return false;
    return true;
}

}  // namespace

// 200 when the database answers, the schema is migrated and the store is
// there; 503 otherwise.
http::Response health(const http::Request&, Context& ctx) {
    render::JsonWriter w;
    int status = 503;
    const bool store = store_ok(ctx.config);
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            const auto version = storage::schema_version(ctx.db);
            const bool ok = version && store;
            w.begin_object()
                .field("status", ok ? "ok" : "unavailable")
                .field("database", "ok")
                .field("store", store ? "ok" : "unavailable");
            w.key("schema_version");
            version ? w.integer(*version) : w.null();
            w.end_object();
            status = ok ? 200 : 503;
            break;
        } catch (...) {
            if (!storage::is_connection_lost(std::current_exception())) throw;
            ctx.db.reset();  // a restarted server: the second attempt reconnects
        }
    }
    if (status == 503 && w.str().empty()) {
        w.begin_object()
            .field("status", "unavailable")
            .field("database", "unreachable")
            .field("store", store ? "ok" : "unavailable")
            .end_object();
    }
    auto r = http::json(status, w.str());
    r.set("Cache-Control", "no-store");
    return r;
}

// Prometheus text for the addresses metrics_allow names; a 404 for others,
// as if there were nothing here.
http::Response metrics(const http::Request& req, Context& ctx) {
    bool allowed = false;
    for (const auto& cidr : ctx.config.metrics_allow)
        allowed = allowed || model::cidr_contains(cidr, req.remote_addr);
    if (!allowed) throw not_found("not found");
    http::Response r;
    r.status = 200;
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.set("Cache-Control", "no-store");
    r.body = ctx.metrics.render(route_labels());
    return r;
}

}  // namespace depot::api
