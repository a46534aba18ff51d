// GET /-/ping and GET /-/health.

#include "api/routes.hpp"
#include "render/json.hpp"
#include "storage/db.hpp"

namespace depot::api {

// npm ping: any 2xx is PONG, the body is shown as "details" (protocol §21).
http::Response ping(const http::Request&, Context&) {
    auto r = http::json(200, "{}");
    r.set("Cache-Control", "no-store");
    return r;
}

// 200 when the database answers and the schema is migrated, 503 otherwise.
http::Response health(const http::Request&, Context& ctx) {
    render::JsonWriter w;
    int status = 503;
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            const auto version = storage::schema_version(ctx.db);
            w.begin_object()
                .field("status", version ? "ok" : "unavailable")
                .field("database", "ok");
            w.key("schema_version");
            version ? w.integer(*version) : w.null();
            w.end_object();
            status = version ? 200 : 503;
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
            .end_object();
    }
    auto r = http::json(status, w.str());
    r.set("Cache-Control", "no-store");
    return r;
}

}  // namespace depot::api
