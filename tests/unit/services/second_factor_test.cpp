#include "services/second_factor.hpp"

#include <boost/test/unit_test.hpp>

using depot::services::base32_decode;
using depot::services::base32_encode;
using depot::services::totp_code;

BOOST_AUTO_TEST_SUITE(second_factor)

// RFC 6238 appendix B (SHA-1), cut to the 6 digits authenticator apps show.
BOOST_AUTO_TEST_CASE(totp_matches_the_rfc_vectors) {
    const std::string key = "12345678901234567890";
    BOOST_TEST(totp_code(key, 59 / 30) == "287082");
    BOOST_TEST(totp_code(key, 1111111109 / 30) == "081804");
    BOOST_TEST(totp_code(key, 1111111111 / 30) == "050471");
    BOOST_TEST(totp_code(key, 1234567890 / 30) == "005924");
    BOOST_TEST(totp_code(key, 2000000000 / 30) == "279037");
    BOOST_TEST(totp_code(key, 20000000000 / 30) == "353130");
}

BOOST_AUTO_TEST_CASE(base32_round_trips_as_rfc_4648_says) {
    BOOST_TEST(base32_encode("foobar") == "MZXW6YTBOI");
    BOOST_TEST(base32_encode("f") == "MY");
    BOOST_TEST(base32_decode("MZXW6YTBOI").value() == "foobar");
    BOOST_TEST(base32_decode("mzxw6ytboi").value() == "foobar");
    BOOST_TEST(!base32_decode("MZXW1").has_value());  // 1 is not in the alphabet
    const std::string bytes{"\x00\xff\x10secret\x7f", 10};
    BOOST_TEST(base32_decode(base32_encode(bytes)).value() == bytes);
}

BOOST_AUTO_TEST_SUITE_END()
