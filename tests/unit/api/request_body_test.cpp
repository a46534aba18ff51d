// The small request parsers: CouchDB user ids (npm adduser / login) and
// If-None-Match against a packument ETag.

#include "api/request_body.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using depot::api::couch_user_name;
using depot::api::etag_matches;

namespace {

const std::vector<std::string> kBadCouchIds{"",
                                            "alice",
                                            "org.couchdb.user:",
                                            "org.couchdb.user",
                                            "org.couchdb.users:alice",
                                            "ORG.COUCHDB.USER:alice",
                                            " org.couchdb.user:alice",
                                            "user:alice"};

}  // namespace

BOOST_AUTO_TEST_SUITE(request_body)

BOOST_AUTO_TEST_CASE(couch_user_name_strips_the_couchdb_prefix) {
    BOOST_TEST(couch_user_name("org.couchdb.user:alice") == "alice");
    BOOST_TEST(couch_user_name("org.couchdb.user:a") == "a");
    // Only the prefix is checked here; the name itself is parsed later.
    BOOST_TEST(couch_user_name("org.couchdb.user:org.couchdb.user:x") == "org.couchdb.user:x");
}

BOOST_DATA_TEST_CASE(couch_ids_without_the_prefix_or_a_name_are_400, bdata::make(kBadCouchIds),
                     bad) {
    BOOST_CHECK_EXCEPTION((void)couch_user_name(bad), depot::HttpError,
                          [](const depot::HttpError& e) { return e.status() == 400; });
}

BOOST_AUTO_TEST_CASE(etag_matches_the_same_tag_strong_or_weak) {
    BOOST_TEST(etag_matches("\"f-abc\"", "\"f-abc\""));
    // nginx turns strong ETags weak when it gzips (protocol §1.6).
    BOOST_TEST(etag_matches("W/\"f-abc\"", "\"f-abc\""));
    BOOST_TEST(etag_matches("\"f-abc\"", "W/\"f-abc\""));
    BOOST_TEST(etag_matches("W/\"f-abc\"", "W/\"f-abc\""));
}

BOOST_AUTO_TEST_CASE(etag_matches_any_member_of_a_list) {
    BOOST_TEST(etag_matches("\"a-1\", \"f-abc\"", "\"f-abc\""));
    BOOST_TEST(etag_matches("\"a-1\",W/\"f-abc\",\"x\"", "\"f-abc\""));
    BOOST_TEST(etag_matches(" \"f-abc\" ,\t\"a-1\"", "\"f-abc\""));
    BOOST_TEST(!etag_matches("\"a-1\", \"a-2\"", "\"f-abc\""));
}

BOOST_AUTO_TEST_CASE(a_star_matches_any_etag) {
    BOOST_TEST(etag_matches("*", "\"f-abc\""));
    BOOST_TEST(etag_matches(" * ", "\"f-abc\""));
    BOOST_TEST(etag_matches("\"a-1\", *", "\"f-abc\""));
}

BOOST_AUTO_TEST_CASE(etag_does_not_match_other_or_empty_headers) {
    BOOST_TEST(!etag_matches("", "\"f-abc\""));
    BOOST_TEST(!etag_matches("\"f-abd\"", "\"f-abc\""));
    BOOST_TEST(!etag_matches("\"F-ABC\"", "\"f-abc\""));
    BOOST_TEST(!etag_matches("f-abc", "\"f-abc\""));
    BOOST_TEST(!etag_matches("\"f-ab\"", "\"f-abc\""));
    BOOST_TEST(!etag_matches(",", "\"f-abc\""));
    BOOST_TEST(!etag_matches("\"a-1\",", "\"f-abc\""));
}

BOOST_AUTO_TEST_SUITE_END()
