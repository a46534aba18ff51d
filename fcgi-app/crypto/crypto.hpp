#pragma once
// OpenSSL behind small functions: digests, base64, random tokens, password
// hashing (PBKDF2-HMAC-SHA256) and constant-time comparison.

#include <optional>
#include <string>
#include <string_view>

namespace depot::crypto {

[[nodiscard]] std::string sha1(std::string_view data);    // 20 raw bytes
[[nodiscard]] std::string sha256(std::string_view data);  // 32 raw bytes
[[nodiscard]] std::string sha384(std::string_view data);  // 48 raw bytes
[[nodiscard]] std::string sha512(std::string_view data);  // 64 raw bytes
[[nodiscard]] std::string hmac_sha1(std::string_view key,
                                    std::string_view data);  // 20 raw bytes (TOTP)
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes

[[nodiscard]] std::string to_hex(std::string_view bytes);
[[nodiscard]] std::string base64_encode(std::string_view bytes);
// Strict standard base64 (padding required, whitespace refused): nullopt when malformed.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);
[[nodiscard]] std::string base64url_encode(std::string_view bytes);  // no padding
// base64url with or without padding (JWTs): nullopt when malformed.
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);

[[nodiscard]] std::string random_bytes(std::size_t n);
// "depot_" + 43 base64url characters: 256 random bits.
[[nodiscard]] std::string random_token();
// A random (version 4) UUID, lower-case.
[[nodiscard]] std::string random_uuid();

// "pbkdf2-sha256$ITERATIONS$SALT_B64$HASH_B64" with a 16-byte random salt.
[[nodiscard]] std::string hash_password(std::string_view password, int iterations);
// Constant-time check against a stored hash_password() string.
[[nodiscard]] bool verify_password(std::string_view password, std::string_view stored);

[[nodiscard]] bool equal_ct(std::string_view a, std::string_view b);

}  // namespace depot::crypto
