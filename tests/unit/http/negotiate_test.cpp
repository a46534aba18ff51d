#include "http/negotiate.hpp"

#include <boost/test/unit_test.hpp>

using namespace depot::http;

namespace {
// What the clients send (protocol §9.1 and a current Chromium).
constexpr const char* kNpmCorgi =
    "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
constexpr const char* kNpmFull = "application/json";
constexpr const char* kBrowser =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
}  // namespace

BOOST_AUTO_TEST_SUITE(negotiate)

BOOST_AUTO_TEST_CASE(browsers_get_html_and_npm_gets_json) {
    BOOST_TEST(wants_html(kBrowser));
    BOOST_TEST(!wants_html(kNpmCorgi));
    BOOST_TEST(!wants_html(kNpmFull));
    BOOST_TEST(!wants_html("*/*"));
    BOOST_TEST(!wants_html(""));  // yarn sends no Accept
}

BOOST_AUTO_TEST_CASE(json_ranked_above_html_wins) {
    BOOST_TEST(!wants_html("text/html;q=0.5, application/json"));
    BOOST_TEST(wants_html("text/html, application/json;q=0.5"));
    BOOST_TEST(!wants_html("text/html;q=0"));
}

BOOST_AUTO_TEST_CASE(corgi_only_when_the_install_type_ranks_first) {
    BOOST_TEST(wants_abbreviated(kNpmCorgi));
    BOOST_TEST(!wants_abbreviated(kNpmFull));
    BOOST_TEST(!wants_abbreviated("*/*"));
    BOOST_TEST(!wants_abbreviated(""));
    BOOST_TEST(!wants_abbreviated("application/vnd.npm.install-v1+json;q=0.5, application/json"));
    BOOST_TEST(wants_abbreviated("application/vnd.npm.install-v1+json"));
}

BOOST_AUTO_TEST_CASE(quality_parsing_is_case_insensitive_and_tolerant) {
    BOOST_TEST(quality_of("Application/JSON;Q=0.4", "application/json") == 0.4);
    BOOST_TEST(quality_of("application/json;q=abc", "application/json") == 0.0);
    BOOST_TEST(quality_of("application/json;charset=utf-8", "application/json") == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
