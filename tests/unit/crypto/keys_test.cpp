#include "crypto/keys.hpp"

#include <boost/test/unit_test.hpp>

#include "crypto/crypto.hpp"

using namespace depot::crypto;

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(a_p256_key_signs_what_its_public_half_verifies) {
    const auto pair = generate_p256();
    const std::string message = "left-pad@1.0.0:sha512-abc";
    const auto sig = sign_sha256(pair.private_der, message);
    BOOST_TEST(verify_sha256(pair.public_der, message, sig));
    BOOST_TEST(!verify_sha256(pair.public_der, message + "x", sig));
    auto bad = sig;
    bad.back() = static_cast<char>(bad.back() ^ 1);
    BOOST_TEST(!verify_sha256(pair.public_der, message, bad));
    BOOST_TEST(!verify_sha256(generate_p256().public_der, message, sig));
    BOOST_TEST(!verify_sha256("not a key", message, sig));
    BOOST_TEST(!verify_sha256(pair.public_der + "x", message, sig), "trailing bytes");
}

BOOST_AUTO_TEST_CASE(npm_keyid_is_sha256_of_the_der_unpadded) {
    const std::string der = "0123456789";
    auto b64 = base64_encode(sha256(der));
    BOOST_TEST(b64.back() == '=');
    b64.pop_back();
    BOOST_TEST(npm_keyid(der) == "SHA256:" + b64);
}

BOOST_AUTO_TEST_CASE(sealed_values_open_only_with_their_key_and_context) {
    const auto key = random_bytes(32);
    const auto sealed = seal(key, "private key bytes", "depot signing key A");
    BOOST_TEST(sealed.size() == 12 + 17 + 16);
    BOOST_TEST(*open_sealed(key, sealed, "depot signing key A") == "private key bytes");
    BOOST_TEST(!open_sealed(key, sealed, "depot signing key B"));
    BOOST_TEST(!open_sealed(random_bytes(32), sealed, "depot signing key A"));
    auto tampered = sealed;
    tampered[14] = static_cast<char>(tampered[14] ^ 1);
    BOOST_TEST(!open_sealed(key, tampered, "depot signing key A"));
    BOOST_TEST(!open_sealed(key, sealed.substr(0, 20), "depot signing key A"));
    BOOST_TEST(seal(key, "x", "c") != seal(key, "x", "c"), "a fresh nonce each time");
    BOOST_CHECK_THROW((void)seal("short", "x", "c"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(jws_es256_signatures_convert_to_der) {
    BOOST_TEST(!ecdsa_raw_to_der(std::string(63, '\1')));
    const auto der = ecdsa_raw_to_der(std::string(64, '\1'));
    BOOST_REQUIRE(der);
    BOOST_TEST(static_cast<unsigned char>((*der)[0]) == 0x30);
}

BOOST_AUTO_TEST_CASE(jwk_parts_become_keys_only_when_valid) {
    BOOST_TEST(!rsa_public_der("short", "\x01\x00\x01"));
    BOOST_TEST(!p256_public_der(std::string(32, '\1'), std::string(32, '\2')), "not on the curve");
    BOOST_TEST(!p256_public_der("x", "y"));
}

BOOST_AUTO_TEST_CASE(base64url_decodes_with_or_without_padding) {
    BOOST_TEST(*base64url_decode("aGk") == "hi");
    BOOST_TEST(*base64url_decode("aGk=") == "hi");
    BOOST_TEST(*base64url_decode("-_8") == "\xfb\xff");
    BOOST_TEST(!base64url_decode("+/8"));
    BOOST_TEST(!base64url_decode("a"));
}

BOOST_AUTO_TEST_SUITE_END()
