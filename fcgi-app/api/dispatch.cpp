#include "api/dispatch.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "api/errors.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "log.hpp"
#include "services/metrics.hpp"
#include "storage/db.hpp"

namespace depot::api {
namespace {

std::vector<http::RouteSpec> specs_of(const std::vector<Route>& table) {
    std::vector<http::RouteSpec> specs;
    specs.reserve(table.size());
    for (const auto& r : table) specs.push_back({r.method, r.pattern});
    return specs;
}

// nginx sends $request_id; this covers requests that reach us another way.
std::string make_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (std::size_t i = 0; i < id.size(); i += 16) {
        auto v = rng();
        for (std::size_t j = 0; j < 16; ++j, v >>= 4) id[i + j] = kHex[v & 15];
    }
    return id;
}

// On every answer: no MIME sniffing, no referrer (token URLs must not leak),
// HSTS over HTTPS; HTML pages also get a CSP without inline script.
void add_security_headers(const http::Request& req, http::Response& resp) {
    resp.set("X-Content-Type-Options", "nosniff");
    resp.set("Referrer-Policy", "no-referrer");
    if (req.https) resp.set("Strict-Transport-Security", "max-age=31536000");
    if (resp.header("Content-Type").starts_with("text/html")) {
        resp.set("Content-Security-Policy",
                 "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
                 "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
        resp.set("X-Frame-Options", "DENY");
    }
}

// The path for a log line, without the secrets some paths carry. Judged on
// the decoded segments the router sees, so "/%2d/user/token/…" is caught too.
std::string loggable_path(std::string_view path) {
    std::string decoded;
    try {
        for (const auto& seg : http::split_path(path)) decoded += "/" + seg;
    } catch (const HttpError&) {
        return "[a malformed path]";
    }
    for (const std::string_view secret :
         {"/-/user/token/", "/-/npm/v1/tokens/token/", "/-/v1/done/", "/-/v1/login/"}) {
        if (decoded.starts_with(secret)) return std::string{secret} + "[redacted]";
    }
    return std::string{path};
}

}  // namespace

Dispatcher::Dispatcher(const std::vector<Route>& table) : table_{table}, router_{specs_of(table)} {}

http::Response Dispatcher::route(http::Request& req, Context& ctx, std::size_t& route_index) const {
    if (req.body_state == http::BodyState::TooLarge) {
        throw payload_too_large("the request body is larger than this registry accepts");
    }
    if (req.body_state == http::BodyState::Incomplete)
        throw bad_request("the request body was cut short");
    // SPEC §3 and §5: writes only over HTTPS; nginx's HTTPS param is the only witness.
    if (!req.is_safe() && !req.https) throw forbidden("writes are accepted over HTTPS only");
    const auto segments = http::split_path(req.raw_path);
    auto m = router_.match(req.method, segments);
    switch (m.kind) {
        case http::Match::Kind::NotFound:
            throw not_found("not found");
        case http::Match::Kind::MethodNotAllowed: {
            auto r =
                render_error(req, ctx, 405, "method " + req.method_text + " is not allowed here");
            r.set("Allow", m.allow);
            return r;
        }
        case http::Match::Kind::Found:
            break;
    }
    req.params = std::move(m.params);
    route_index = m.index;
    return table_[m.index].handler(req, ctx);
}

std::uint64_t Dispatcher::body_limit(const http::Request& req, std::uint64_t max_body) const {
    try {
        const auto m = router_.match(req.method, http::split_path(req.raw_path));
        if (m.kind != http::Match::Kind::Found) return std::min(kFormBody, max_body);
        return std::min(table_[m.index].max_body, max_body);
    } catch (const HttpError&) {
        return std::min(kFormBody, max_body);  // a bad path: the handler answers 400 anyway
    }
}

// A transaction that loses a deadlock or lock wait runs again this many times.
constexpr int kLockRetries = 5;

http::Response Dispatcher::handle(http::Request& req, Context& ctx) const {
    if (req.request_id.empty()) req.request_id = make_request_id();
    const auto started = std::chrono::steady_clock::now();
    std::size_t route_index = services::kMetricRoutes - 1;
    auto& counters = ctx.metrics.block();
    http::Response resp;
    for (int attempt = 0;; ++attempt) {
        try {
            resp = route(req, ctx, route_index);
        } catch (const HttpError& e) {
            resp = render_error(req, ctx, e.status(), e.what(), e.www_authenticate());
            if (e.retry_after() > 0) resp.set("Retry-After", std::to_string(e.retry_after()));
        } catch (...) {
            const auto ep = std::current_exception();
            if (storage::is_invalid_text(ep)) {
                // A safety net: text the database will not store or compare
                // (invalid UTF-8, a collation clash, too long) is the client's
                // mistake, never a 500 (review L7). Logged: a check upstream was missed.
                log::warn(req.method_text + " " + loggable_path(req.raw_path) +
                              " refused by the database: " + storage::describe(ep),
                          req.request_id);
                resp = render_error(req, ctx, 400,
                                    "the request holds text this registry cannot store "
                                    "(invalid UTF-8, or too long)");
            } else if (storage::is_deadlock(ep) && attempt < kLockRetries &&
                       route_index < table_.size() &&
                       table_[route_index].on_deadlock == OnDeadlock::RunAgain) {
                // Another request's transaction won a race for the same rows
                // (eight first publishes of one name): ours was rolled back
                // whole, and this route does nothing outside it, so it runs
                // again and ends as the right 201/200/409.
                log::info("transaction lost a deadlock; running it again: " + storage::describe(ep),
                          req.request_id);
                counters.lock_retries.fetch_add(1, std::memory_order_relaxed);
                std::this_thread::sleep_for(std::chrono::milliseconds{5 + 20 * attempt});
                continue;
            } else if (storage::is_lock_conflict(ep)) {
                log::warn("transaction lost a lock race: " + storage::describe(ep), req.request_id);
                resp = render_error(req, ctx, 503,
                                    "another change to the same data was in the way; nothing "
                                    "was changed, try again");
                resp.set("Retry-After", "1");
            } else if (storage::is_write_refused(ep)) {
                log::error("the database refuses writes: " + storage::describe(ep), req.request_id);
                counters.db_errors.fetch_add(1, std::memory_order_relaxed);
                resp = render_error(req, ctx, 503,
                                    "the registry cannot take writes right now; nothing was "
                                    "changed, try again later");
                resp.set("Retry-After", "30");
            } else if (storage::is_connection_lost(ep)) {
                ctx.db.reset();
                counters.db_reconnects.fetch_add(1, std::memory_order_relaxed);
                if (attempt == 0 && req.is_safe()) {
                    log::warn("database connection lost; reconnecting and retrying",
                              req.request_id);
                    continue;
                }
                log::error("database unavailable: " + storage::describe(ep), req.request_id);
                counters.db_errors.fetch_add(1, std::memory_order_relaxed);
                resp = render_error(req, ctx, 503,
                                    "the registry database is unavailable; try again shortly");
            } else {
                log::error(req.method_text + " " + loggable_path(req.raw_path) +
                               " failed: " + storage::describe(ep),
                           req.request_id);
                if (storage::is_database_error(ep))
                    counters.db_errors.fetch_add(1, std::memory_order_relaxed);
                resp = render_error(req, ctx, 500,
                                    "internal server error (request id " + req.request_id + ")");
            }
        }
        break;
    }
    resp.set("X-Request-Id", req.request_id);
    add_security_headers(req, resp);
    ctx.metrics.request(
        route_index, resp.status,
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()));

    return resp;
}

}  // namespace depot::api
