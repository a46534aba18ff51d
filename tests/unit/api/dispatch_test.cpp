// The exception boundary, with a route table of its own: a handler that
// throws something unexpected gets a 500 naming the request id, and the same
// dispatcher goes on serving.

#include "api/dispatch.hpp"

#include <boost/test/unit_test.hpp>
#include <stdexcept>

#include "config.hpp"
#include "error.hpp"
#include "render/views.hpp"
#include "services/gates.hpp"
#include "services/metrics.hpp"
#include "services/passwords.hpp"
#include "storage/db.hpp"
#include "storage/tarball_store.hpp"

using namespace depot;

namespace {

http::Response boom(const http::Request&, api::Context&) {
    throw std::runtime_error("boom: secret detail");
}
http::Response teapot(const http::Request&, api::Context&) {
    throw HttpError(418, "short and stout");
}
http::Response ok(const http::Request&, api::Context&) { return http::json(200, R"({"ok":true})"); }

const std::vector<api::Route>& test_routes() {
    using enum http::Method;
    static const std::vector<api::Route> r{
        {Get, "/boom", boom}, {Get, "/teapot", teapot}, {Get, "/ok", ok}, {Put, "/ok", ok}};
    return r;
}

struct Fixture {
    Config config =
        parse_config("public_url = https://depot.test\npassword_iterations = 1000\n", {});
    storage::Db db{storage::driver(), storage::settings_from(config)};  // never connects here
    render::ViewSources sources{
        {{"error", "<h1>{{status}}</h1><p>{{message}}</p>"}, {"login", ""}, {"login_done", ""}},
        {}};
    render::Views views{sources};
    storage::LocalDiskStore tarballs{"/nonexistent"};
    services::PasswordChecks passwords{config};
    services::Gates gates{config};
    services::Metrics metrics;
    api::Context ctx{config, db, views, tarballs, passwords, gates, metrics};
    api::Dispatcher dispatcher{test_routes()};

    http::Response get(const std::string& path, const std::string& accept = "*/*",
                       bool https = true) {
        http::Request r;
        r.method = http::Method::Get;
        r.method_text = "GET";
        r.raw_path = path;
        r.https = https;
        r.headers["accept"] = accept;
        r.request_id = "req-1234";
        return dispatcher.handle(r, ctx);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dispatch, Fixture)

BOOST_AUTO_TEST_CASE(unexpected_exception_is_500_with_request_id_and_serving_continues) {
    const auto r = get("/boom");
    BOOST_TEST(r.status == 500);
    BOOST_TEST(r.body.find("req-1234") != std::string::npos);
    BOOST_TEST(r.body.find("secret detail") == std::string::npos);  // details go to the log only
    BOOST_TEST(r.header("X-Request-Id") == "req-1234");
    BOOST_TEST(get("/ok").status == 200);
}

BOOST_AUTO_TEST_CASE(http_error_is_rendered_as_json_for_api_clients) {
    const auto r = get("/teapot");
    BOOST_TEST(r.status == 418);
    BOOST_TEST(r.body == R"({"error":"short and stout"})");
    BOOST_TEST(r.header("Content-Type") == "application/json");
}

BOOST_AUTO_TEST_CASE(http_error_is_an_html_page_for_browsers_with_escaping) {
    const auto r = get("/nope<script>", "text/html,*/*;q=0.8");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.header("Content-Type").starts_with("text/html"));
    BOOST_TEST(r.body.find("<h1>404</h1>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_allow_header) {
    http::Request r;
    r.method = http::Method::Delete;
    r.method_text = "DELETE";
    r.raw_path = "/ok";
    r.https = true;
    const auto resp = dispatcher.handle(r, ctx);
    BOOST_TEST(resp.status == 405);
    BOOST_TEST(resp.header("Allow") == "GET, HEAD, PUT");
}

BOOST_AUTO_TEST_CASE(writes_over_plain_http_are_refused_before_routing) {
    http::Request r;
    r.method = http::Method::Put;
    r.method_text = "PUT";
    r.raw_path = "/ok";
    r.https = false;
    BOOST_TEST(dispatcher.handle(r, ctx).status == 403);
    r.https = true;
    BOOST_TEST(dispatcher.handle(r, ctx).status == 200);
}

BOOST_AUTO_TEST_CASE(oversized_and_truncated_bodies_are_413_and_400) {
    http::Request r;
    r.method = http::Method::Put;
    r.method_text = "PUT";
    r.raw_path = "/ok";
    r.https = true;
    r.body_state = http::BodyState::TooLarge;
    BOOST_TEST(dispatcher.handle(r, ctx).status == 413);
    r.body_state = http::BodyState::Incomplete;
    BOOST_TEST(dispatcher.handle(r, ctx).status == 400);
}

BOOST_AUTO_TEST_CASE(malformed_path_escape_is_400_not_500) {
    BOOST_TEST(get("/%zz").status == 400);
}

BOOST_AUTO_TEST_SUITE_END()
