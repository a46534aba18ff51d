// Links may be fetched only from global unicast addresses (review I5, S4):
// every private, reserved and IPv4-embedding form is refused.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "services/link_versions.hpp"

namespace bdata = boost::unit_test::data;
using depot::services::fetchable_address;

namespace {

const std::vector<std::string> kRefused{"127.0.0.1",
                                        "10.1.2.3",
                                        "172.16.0.1",
                                        "192.168.1.1",
                                        "169.254.169.254",
                                        "100.64.0.1",
                                        "0.0.0.0",
                                        "224.0.0.1",
                                        "240.0.0.1",
                                        "255.255.255.255",
                                        "198.18.0.1",
                                        "198.19.255.1",
                                        "192.0.0.8",
                                        "192.0.2.1",
                                        "198.51.100.7",
                                        "203.0.113.9",
                                        "::1",
                                        "::",
                                        "::127.0.0.1",
                                        "::ffff:127.0.0.1",
                                        "::ffff:10.0.0.1",
                                        "64:ff9b::7f00:1",
                                        "2002:7f00:1::1",
                                        "2001:0:4136:e378::1",
                                        "2001:db8::1",
                                        "fe80::1",
                                        "fec0::1",
                                        "fc00::1",
                                        "fd12::1",
                                        "ff02::1",
                                        "not an address"};
const std::vector<std::string> kAllowed{"93.184.216.34", "8.8.8.8", "::ffff:93.184.216.34",
                                        "2606:4700:4700::1111", "2a00:1450:4001::1"};

}  // namespace

BOOST_AUTO_TEST_SUITE(link_addresses)

BOOST_DATA_TEST_CASE(private_and_reserved_addresses_are_refused, bdata::make(kRefused), ip) {
    BOOST_TEST(!fetchable_address(ip));
}

BOOST_DATA_TEST_CASE(global_addresses_are_fetched, bdata::make(kAllowed), ip) {
    BOOST_TEST(fetchable_address(ip));
}

BOOST_AUTO_TEST_SUITE_END()
