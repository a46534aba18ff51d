#include "http/router.hpp"

#include <boost/test/unit_test.hpp>

#include "http/uri.hpp"

using depot::http::Match;
using depot::http::Method;
using depot::http::Router;
using depot::http::split_path;

namespace {

const Router& router() {
    static const Router r{{
        {Method::Get, "/-/ping"},
        {Method::Get, "/-/package/{pkg}/dist-tags"},
        {Method::Put, "/-/package/{pkg}/dist-tags/{tag}"},
        {Method::Get, "/{pkg}"},
        {Method::Put, "/{pkg}"},
        {Method::Get, "/{pkg}/-/{file}"},
        {Method::Delete, "/{pkg}/-/{file}/-rev/{rev}"},
        {Method::Get, "/{pkg}/{version}"},
    }};
    return r;
}

Match route(Method m, const char* path) { return router().match(m, split_path(path)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(literal_path_matches_before_package_pattern) {
    const auto m = route(Method::Get, "/-/ping");
    BOOST_TEST((m.kind == Match::Kind::Found));
    BOOST_TEST(m.index == 0u);
}

BOOST_AUTO_TEST_CASE(encoded_and_plain_scoped_names_are_the_same_package) {
    for (const char* p : {"/@acme%2fwidget", "/@acme%2Fwidget", "/@acme/widget"}) {
        const auto m = route(Method::Get, p);
        BOOST_TEST_INFO(p);
        BOOST_TEST((m.kind == Match::Kind::Found));
        BOOST_TEST(m.index == 3u);
        BOOST_TEST(m.params.at(0).second == "@acme/widget");
    }
}

BOOST_AUTO_TEST_CASE(scoped_tarball_is_reachable_with_both_spellings) {
    for (const char* p :
         {"/@acme/widget/-/widget-0.1.0.tgz", "/@acme%2fwidget/-/widget-0.1.0.tgz"}) {
        const auto m = route(Method::Get, p);
        BOOST_TEST((m.kind == Match::Kind::Found));
        BOOST_TEST(m.index == 5u);
        BOOST_TEST(m.params.at(0).second == "@acme/widget");
        BOOST_TEST(m.params.at(1).second == "widget-0.1.0.tgz");
    }
}

BOOST_AUTO_TEST_CASE(unscoped_version_path_has_two_params) {
    const auto m = route(Method::Get, "/left-pad/1.3.0");
    BOOST_TEST((m.kind == Match::Kind::Found));
    BOOST_TEST(m.index == 7u);
    BOOST_TEST(m.params.at(0).second == "left-pad");
    BOOST_TEST(m.params.at(1).second == "1.3.0");
}

BOOST_AUTO_TEST_CASE(package_inside_api_path_is_decoded) {
    const auto m = route(Method::Put, "/-/package/@acme%2fwidget/dist-tags/beta");
    BOOST_TEST((m.kind == Match::Kind::Found));
    BOOST_TEST(m.params.at(0).second == "@acme/widget");
    BOOST_TEST(m.params.at(1).second == "beta");
}

BOOST_AUTO_TEST_CASE(known_path_with_wrong_method_is_405_with_allow) {
    const auto m = route(Method::Delete, "/left-pad");
    BOOST_TEST((m.kind == Match::Kind::MethodNotAllowed));
    BOOST_TEST(m.allow == "GET, HEAD, PUT");
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404) {
    BOOST_TEST((route(Method::Get, "/-/nothing/here/at/all").kind == Match::Kind::NotFound));
    BOOST_TEST((route(Method::Get, "/a/b/c/d").kind == Match::Kind::NotFound));
    BOOST_TEST((route(Method::Get, "/left-pad/").kind == Match::Kind::NotFound));
}

BOOST_AUTO_TEST_CASE(dash_segment_is_never_a_package) {
    BOOST_TEST((route(Method::Get, "/-").kind == Match::Kind::NotFound));
}

BOOST_AUTO_TEST_CASE(head_is_served_by_get_routes) {
    const auto m = route(Method::Head, "/left-pad");
    BOOST_TEST((m.kind == Match::Kind::Found));
    BOOST_TEST(m.index == 3u);
}

BOOST_AUTO_TEST_CASE(rev_delete_of_scoped_tarball_matches) {
    const auto m = route(Method::Delete, "/@acme/scratch/-/scratch-1.0.0.tgz/-rev/7-39d8");
    BOOST_TEST((m.kind == Match::Kind::Found));
    BOOST_TEST(m.index == 6u);
    BOOST_TEST(m.params.at(0).second == "@acme/scratch");
    BOOST_TEST(m.params.at(2).second == "7-39d8");
}

BOOST_AUTO_TEST_SUITE_END()
