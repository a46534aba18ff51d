// Token address limits: parse_cidr accepts what npm token create --cidr sends,
// cidr_contains matches nginx's $remote_addr against it.

#include "model/cidr.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using depot::model::cidr_contains;
using depot::model::parse_cidr;

namespace {

const std::vector<std::string> kGoodRanges{
    "10.0.0.0/8",    "192.168.1.0/24", "1.2.3.4/32", "0.0.0.0/0",        "1.2.3.4",          "::/0",
    "2001:db8::/32", "::1/128",        "::1",        "fe80::1:2:3:4/64", "::ffff:10.0.0.0/8"};

const std::vector<std::string> kBadRanges{"",
                                          "garbage",
                                          "10.0.0.0/33",
                                          "10.0.0.0/-1",
                                          "10.0.0.0/",
                                          "10.0.0.0/8/8",
                                          "10.0.0.0/x",
                                          "10.0.0.0/8 ",
                                          " 10.0.0.0/8",
                                          "10.0.0/8",
                                          "256.0.0.0/8",
                                          "1.2.3.4.5",
                                          "::/129",
                                          "2001:db8:::/32",
                                          "/8",
                                          "localhost",
                                          "10.0.0.0/" + std::string(70, '1')};

}  // namespace

BOOST_AUTO_TEST_SUITE(cidr)

BOOST_DATA_TEST_CASE(valid_ranges_and_bare_addresses_are_accepted_unchanged,
                     bdata::make(kGoodRanges), good) {
    BOOST_TEST(parse_cidr(good) == good);
}

BOOST_DATA_TEST_CASE(malformed_ranges_are_refused, bdata::make(kBadRanges), bad) {
    BOOST_CHECK_EXCEPTION((void)parse_cidr(bad), depot::HttpError,
                          [](const depot::HttpError& e) { return e.status() == 400; });
}

BOOST_AUTO_TEST_CASE(ipv4_ranges_contain_their_addresses_only) {
    BOOST_TEST(cidr_contains("10.0.0.0/8", "10.255.1.2"));
    BOOST_TEST(!cidr_contains("10.0.0.0/8", "11.0.0.0"));
    BOOST_TEST(cidr_contains("192.168.1.0/24", "192.168.1.255"));
    BOOST_TEST(!cidr_contains("192.168.1.0/24", "192.168.2.0"));
    // A prefix that is not a multiple of 8.
    BOOST_TEST(cidr_contains("172.16.0.0/12", "172.31.255.255"));
    BOOST_TEST(!cidr_contains("172.16.0.0/12", "172.32.0.0"));
    BOOST_TEST(cidr_contains("10.0.0.128/25", "10.0.0.200"));
    BOOST_TEST(!cidr_contains("10.0.0.128/25", "10.0.0.127"));
}

BOOST_AUTO_TEST_CASE(slash_32_and_bare_addresses_match_exactly_one_address) {
    BOOST_TEST(cidr_contains("1.2.3.4/32", "1.2.3.4"));
    BOOST_TEST(!cidr_contains("1.2.3.4/32", "1.2.3.5"));
    BOOST_TEST(cidr_contains("1.2.3.4", "1.2.3.4"));
    BOOST_TEST(!cidr_contains("1.2.3.4", "1.2.3.5"));
    BOOST_TEST(cidr_contains("::1", "::1"));
    BOOST_TEST(!cidr_contains("::1", "::2"));
}

BOOST_AUTO_TEST_CASE(slash_0_contains_every_address_of_its_family) {
    BOOST_TEST(cidr_contains("0.0.0.0/0", "1.2.3.4"));
    BOOST_TEST(cidr_contains("0.0.0.0/0", "255.255.255.255"));
    BOOST_TEST(cidr_contains("::/0", "2001:db8::1"));
    BOOST_TEST(!cidr_contains("::/0", "1.2.3.4"));
    BOOST_TEST(!cidr_contains("0.0.0.0/0", "2001:db8::1"));
}

BOOST_AUTO_TEST_CASE(ipv6_ranges_contain_their_addresses_only) {
    BOOST_TEST(cidr_contains("2001:db8::/32", "2001:db8:ffff::1"));
    BOOST_TEST(!cidr_contains("2001:db8::/32", "2001:db9::1"));
    BOOST_TEST(cidr_contains("fe80::/10", "febf::1"));
    BOOST_TEST(!cidr_contains("fe80::/10", "fec0::1"));
    BOOST_TEST(cidr_contains("2001:db8::/127", "2001:db8::1"));
    BOOST_TEST(!cidr_contains("2001:db8::/127", "2001:db8::2"));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_ipv6_addresses_match_ipv4_ranges) {
    BOOST_TEST(cidr_contains("10.0.0.0/8", "::ffff:10.1.2.3"));
    BOOST_TEST(!cidr_contains("10.0.0.0/8", "::ffff:11.1.2.3"));
    BOOST_TEST(cidr_contains("::ffff:10.0.0.0/8", "10.1.2.3"));
    BOOST_TEST(cidr_contains("1.2.3.4", "::ffff:1.2.3.4"));
    // Not mapped: an IPv6 address whose last 32 bits happen to match.
    BOOST_TEST(!cidr_contains("1.2.3.4", "::1.2.3.4"));
}

BOOST_AUTO_TEST_CASE(garbage_on_either_side_matches_nothing) {
    BOOST_TEST(!cidr_contains("garbage", "1.2.3.4"));
    BOOST_TEST(!cidr_contains("10.0.0.0/8", "garbage"));
    BOOST_TEST(!cidr_contains("10.0.0.0/8", ""));
    BOOST_TEST(!cidr_contains("", "1.2.3.4"));
    BOOST_TEST(!cidr_contains("10.0.0.0/33", "10.0.0.1"));
    BOOST_TEST(!cidr_contains("10.0.0.0/8", "10.0.0.1/32"));
}

// A mapped address keeps the prefix length of its IPv6 form (96 + IPv4 bits).
BOOST_AUTO_TEST_CASE(ipv4_mapped_ranges_accept_ipv6_prefix_lengths) {
    BOOST_CHECK_NO_THROW((void)parse_cidr("::ffff:10.0.0.0/104"));
    BOOST_CHECK_NO_THROW((void)parse_cidr("::ffff:1.2.3.4/128"));
    BOOST_TEST(cidr_contains("::ffff:10.0.0.0/104", "10.1.2.3"));
    BOOST_TEST(cidr_contains("::ffff:0.0.0.0/96", "1.2.3.4"));
}

BOOST_AUTO_TEST_SUITE_END()
