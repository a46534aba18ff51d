// Digests against published test vectors, strict base64, token format and
// PBKDF2 password hashes (few iterations: the cost is not under test).

#include "crypto/crypto.hpp"

#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace depot::crypto;

namespace {

constexpr int kFastIterations = 1000;

struct B64Vector {
    std::string bytes;
    std::string text;
};

// RFC 4648 §10.
const std::vector<B64Vector> kRfc4648{{"", ""},
                                      {"f", "Zg=="},
                                      {"fo", "Zm8="},
                                      {"foo", "Zm9v"},
                                      {"foob", "Zm9vYg=="},
                                      {"fooba", "Zm9vYmE="},
                                      {"foobar", "Zm9vYmFy"}};

const std::vector<std::string> kBadBase64{
    "Z",    "Zg",   "Zg=",    "Zm9vY",  "Zm9v====", "Zg==Zg==", "Z===",
    "====", "Zg=a", "Zm9v\n", "Zm 9v",  " Zm9v",    "Zm9v\r\n", "Zm-v",
    "Zm_v", "Zm9*", "Zm9v=",  "Zg==\n", "=Zm9",     "Zm9v Zm9", "Zm9\nZm9v"};

std::string all_bytes() {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
}

// The stored string with its part at index (0 = scheme … 3 = hash) replaced.
std::string with_part(const std::string& stored, std::size_t index, const std::string& part) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t d = stored.find('$'); d != std::string::npos; d = stored.find('$', start)) {
        parts.push_back(stored.substr(start, d - start));
        start = d + 1;
    }
    parts.push_back(stored.substr(start));
    parts.at(index) = part;
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "$") + p;
    return out;
}

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(B64Vector)

BOOST_AUTO_TEST_SUITE(crypto)

BOOST_AUTO_TEST_CASE(sha1_matches_the_fips_180_test_vectors) {
    BOOST_TEST(to_hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    BOOST_TEST(to_hex(sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    BOOST_TEST(sha1("abc").size() == 20u);
}

BOOST_AUTO_TEST_CASE(sha256_matches_the_fips_180_test_vectors) {
    BOOST_TEST(to_hex(sha256("abc")) ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(sha256("").size() == 32u);
}

BOOST_AUTO_TEST_CASE(sha512_matches_the_fips_180_test_vectors) {
    BOOST_TEST(to_hex(sha512("abc")) ==
               "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    BOOST_TEST(to_hex(sha512("")) ==
               "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
               "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    // npm's integrity for an empty file.
    BOOST_TEST(base64_encode(sha512("")) ==
               "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+"
               "SfaPg==");
}

BOOST_AUTO_TEST_CASE(to_hex_writes_two_lower_case_digits_per_byte) {
    BOOST_TEST(to_hex(std::string("\x00\x0f\xa0\xff", 4)) == "000fa0ff");
    BOOST_TEST(to_hex("").empty());
}

BOOST_DATA_TEST_CASE(base64_matches_the_rfc_4648_vectors, bdata::make(kRfc4648), vec) {
    BOOST_TEST(base64_encode(vec.bytes) == vec.text);
    const auto back = base64_decode(vec.text);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == vec.bytes);
}

BOOST_AUTO_TEST_CASE(base64_round_trips_every_byte_value_at_every_length_modulo_3) {
    const auto bytes = all_bytes();
    for (std::size_t len : {253u, 254u, 255u, 256u}) {
        const auto part = bytes.substr(0, len);
        const auto back = base64_decode(base64_encode(part));
        BOOST_TEST_REQUIRE(back.has_value());
        BOOST_TEST((*back == part));
    }
}

BOOST_DATA_TEST_CASE(malformed_base64_is_refused, bdata::make(kBadBase64), bad) {
    BOOST_TEST(!base64_decode(bad).has_value());
}

BOOST_AUTO_TEST_CASE(base64_with_an_embedded_nul_is_refused) {
    BOOST_TEST(!base64_decode(std::string("Zm\0v", 4)).has_value());
}

BOOST_AUTO_TEST_CASE(base64url_swaps_the_two_symbols_and_drops_padding) {
    BOOST_TEST(base64_encode("\xfb\xff") == "+/8=");
    BOOST_TEST(base64url_encode("\xfb\xff") == "-_8");
    BOOST_TEST(base64url_encode("f") == "Zg");
    BOOST_TEST(base64url_encode("foobar") == "Zm9vYmFy");
    BOOST_TEST(base64url_encode("").empty());
}

BOOST_AUTO_TEST_CASE(random_bytes_has_the_requested_length) {
    BOOST_TEST(random_bytes(0).empty());
    BOOST_TEST(random_bytes(16).size() == 16u);
    BOOST_TEST(random_bytes(16) != random_bytes(16));
}

BOOST_AUTO_TEST_CASE(random_token_is_depot_prefix_and_43_base64url_characters) {
    const auto t = random_token();
    BOOST_TEST(t.size() == 49u);
    BOOST_TEST(t.starts_with("depot_"));
    for (const char c : t.substr(6)) {
        const bool url_safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '_';
        BOOST_TEST(url_safe, "unexpected character '" << c << "' in " << t);
    }
    BOOST_TEST(random_token() != random_token());
}

BOOST_AUTO_TEST_CASE(hash_password_writes_scheme_iterations_salt_and_hash) {
    const auto stored = hash_password("hunter22", kFastIterations);
    BOOST_TEST(stored.starts_with("pbkdf2-sha256$1000$"));
    // 16-byte salt and 32-byte hash, both padded base64.
    BOOST_TEST(stored.size() == std::string("pbkdf2-sha256$1000$").size() + 24 + 1 + 44);
    BOOST_TEST(std::count(stored.begin(), stored.end(), '$') == 3);
    // A fresh salt each time.
    BOOST_TEST(hash_password("hunter22", kFastIterations) != stored);
}

BOOST_AUTO_TEST_CASE(verify_password_accepts_the_right_password_only) {
    const auto stored = hash_password("correct horse", kFastIterations);
    BOOST_TEST(verify_password("correct horse", stored));
    BOOST_TEST(!verify_password("correct hors", stored));
    BOOST_TEST(!verify_password("correct horse ", stored));
    BOOST_TEST(!verify_password("Correct horse", stored));
    BOOST_TEST(!verify_password("", stored));
}

BOOST_AUTO_TEST_CASE(verify_password_handles_empty_and_binary_passwords) {
    const std::string binary("pa\0ss\xff", 6);
    BOOST_TEST(verify_password(binary, hash_password(binary, kFastIterations)));
    BOOST_TEST(!verify_password("pa", hash_password(binary, kFastIterations)));
    BOOST_TEST(verify_password("", hash_password("", kFastIterations)));
}

BOOST_AUTO_TEST_CASE(verify_password_refuses_a_tampered_stored_string) {
    const std::string pw = "correct horse";
    const auto stored = hash_password(pw, kFastIterations);
    BOOST_TEST(verify_password(pw, stored));
    // Another iteration count, salt or hash.
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "1001")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 2, base64_encode(std::string(16, 's')))));
    BOOST_TEST(!verify_password(pw, with_part(stored, 3, base64_encode(std::string(32, 'h')))));
    // Flip one character of the hash.
    auto flipped = stored;
    const auto hash_at = stored.rfind('$') + 1;
    flipped[hash_at] = flipped[hash_at] == 'A' ? 'B' : 'A';
    BOOST_TEST(!verify_password(pw, flipped));
    // Malformed strings.
    BOOST_TEST(!verify_password(pw, ""));
    BOOST_TEST(!verify_password(pw, stored.substr(1)));
    BOOST_TEST(!verify_password(pw, "pbkdf2-sha512" + stored.substr(13)));
    BOOST_TEST(!verify_password(pw, stored.substr(0, stored.rfind('$'))));
    BOOST_TEST(!verify_password(pw, stored + "$"));
    BOOST_TEST(!verify_password(pw, stored + "x"));
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "0")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "-1000")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 2, "not base64!")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 3, "not base64!")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 3, "")));
}

// The whole iteration field must be a number.
BOOST_AUTO_TEST_CASE(verify_password_refuses_trailing_garbage_in_the_iteration_count) {
    const std::string pw = "correct horse";
    const auto stored = hash_password(pw, kFastIterations);
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "1000x")));
    BOOST_TEST(!verify_password(pw, with_part(stored, 1, "1000 ")));
}

BOOST_AUTO_TEST_CASE(equal_ct_compares_content_and_length) {
    BOOST_TEST(equal_ct("", ""));
    BOOST_TEST(equal_ct("token", "token"));
    BOOST_TEST(!equal_ct("token", "tokem"));
    BOOST_TEST(!equal_ct("token", "token2"));
    BOOST_TEST(!equal_ct("token", ""));
    BOOST_TEST(equal_ct(std::string("a\0b", 3), std::string("a\0b", 3)));
    BOOST_TEST(!equal_ct(std::string("a\0b", 3), std::string("a\0c", 3)));
}

BOOST_AUTO_TEST_SUITE_END()
