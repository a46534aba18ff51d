#include "http/uri.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using namespace depot::http;

BOOST_AUTO_TEST_SUITE(uri)

BOOST_AUTO_TEST_CASE(percent_decoding_happens_exactly_once) {
    BOOST_TEST(*percent_decode("%252f", false) == "%2f");
    BOOST_TEST(*percent_decode("%2e%2e", false) == "..");
    BOOST_TEST(*percent_decode("a+b", false) == "a+b");
    BOOST_TEST(*percent_decode("a+b", true) == "a b");
}

const std::vector<std::string> kBadEscapes{"%", "%2", "%zz", "%g0", "a%00b"};

BOOST_DATA_TEST_CASE(malformed_escapes_and_nul_are_refused, bdata::make(kBadEscapes), bad) {
    BOOST_TEST(!percent_decode(bad, false).has_value());
}

BOOST_AUTO_TEST_CASE(split_path_decodes_each_segment_and_keeps_encoded_slashes_inside) {
    const auto segs = split_path("/@acme%2fwidget/-/widget-1.0.0.tgz");
    BOOST_TEST(segs.size() == 3u);
    BOOST_TEST(segs[0] == "@acme/widget");
    BOOST_TEST(segs[1] == "-");
    BOOST_TEST(split_path("/").empty());
    BOOST_TEST(split_path("/a/").size() == 2u);
}

BOOST_AUTO_TEST_CASE(split_path_refuses_relative_and_malformed_paths) {
    const auto is400 = [](const depot::HttpError& e) { return e.status() == 400; };
    BOOST_CHECK_EXCEPTION((void)split_path("relative"), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION((void)split_path(""), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION((void)split_path("/a%zz"), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION((void)split_path("/a%00"), depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(form_fields_decode_plus_and_escapes) {
    const auto f = parse_form("user=a%40b.example&reset=1&empty=&flag&x=%E2%9C%93+ok");
    BOOST_TEST(*find_field(f, "user") == "a@b.example");
    BOOST_TEST(*find_field(f, "reset") == "1");
    BOOST_TEST(*find_field(f, "empty") == "");
    BOOST_TEST(*find_field(f, "flag") == "");
    BOOST_TEST(*find_field(f, "x") == "\xE2\x9C\x93 ok");
    BOOST_TEST(!find_field(f, "missing").has_value());
}

BOOST_AUTO_TEST_CASE(malformed_form_is_400) {
    BOOST_CHECK_EXCEPTION((void)parse_form("a=%zz"), depot::HttpError,
                          [](const depot::HttpError& e) { return e.status() == 400; });
}

BOOST_AUTO_TEST_CASE(percent_encode_matches_encode_uri_component) {
    BOOST_TEST(percent_encode("@acme/widget") == "%40acme%2Fwidget");
    BOOST_TEST(percent_encode("a b=c") == "a%20b%3Dc");
    BOOST_TEST(percent_encode("AZaz09-_.!~*'()") == "AZaz09-_.!~*'()");
}

BOOST_AUTO_TEST_CASE(valid_utf8_takes_text_and_refuses_broken_bytes) {
    BOOST_TEST(valid_utf8("plain"));
    BOOST_TEST(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    BOOST_TEST(!valid_utf8("\xff"));
    BOOST_TEST(!valid_utf8("caf\xC3"));           // cut short
    BOOST_TEST(!valid_utf8("\xC0\xAF"));          // overlong '/'
    BOOST_TEST(!valid_utf8("\xED\xA0\x80"));      // a surrogate
    BOOST_TEST(!valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    BOOST_TEST(!valid_utf8("\x80"));
}

BOOST_AUTO_TEST_CASE(form_fields_with_invalid_utf8_are_a_400) {
    BOOST_CHECK_EXCEPTION((void)parse_form("name=%ff"), depot::HttpError,
                          [](const depot::HttpError& e) { return e.status() == 400; });
    BOOST_TEST(parse_form("name=caf%C3%A9").at(0).second == "caf\xC3\xA9");
}

BOOST_AUTO_TEST_SUITE_END()
