#pragma once
// Public-key cryptography and sealing behind small functions (OpenSSL 3):
// the registry's ECDSA P-256 signing keys (issue 13), the checks of other
// parties' signatures (an uplink's packument signatures, an OIDC issuer's
// JWTs, RS256 and ES256), and AES-256-GCM for private keys at rest.

#include <optional>
#include <string>
#include <string_view>

namespace depot::crypto {

struct KeyPair {
    std::string private_der;  // DER, as i2d_PrivateKey writes it (SEC1 for EC)
    std::string public_der;   // SubjectPublicKeyInfo
};

[[nodiscard]] KeyPair generate_p256();

// npm's key id: "SHA256:" + unpadded base64 of the SHA-256 of the SPKI DER.
[[nodiscard]] std::string npm_keyid(std::string_view public_der);

// An ECDSA signature (DER) over SHA-256 of message.
[[nodiscard]] std::string sign_sha256(std::string_view private_der, std::string_view message);

// SHA-256 signature check with an SPKI DER key: ECDSA (DER signature) or RSA
// PKCS#1 v1.5. False on any malformed input.
[[nodiscard]] bool verify_sha256(std::string_view public_der, std::string_view message,
                                 std::string_view signature) noexcept;

// SPKI DER from a JWK's parts (raw big-endian bytes); nullopt when invalid.
[[nodiscard]] std::optional<std::string> rsa_public_der(std::string_view n, std::string_view e);
[[nodiscard]] std::optional<std::string> p256_public_der(std::string_view x, std::string_view y);

// A JWS ES256 signature (r | s, 32 bytes each) as DER; nullopt when not 64 bytes.
[[nodiscard]] std::optional<std::string> ecdsa_raw_to_der(std::string_view rs);

// AES-256-GCM with a 32-byte key: nonce (12) | ciphertext | tag (16).
// context is authenticated, not stored: a sealed value opens only under it.
[[nodiscard]] std::string seal(std::string_view key, std::string_view plaintext,
                               std::string_view context);
[[nodiscard]] std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed,
                                                     std::string_view context) noexcept;

}  // namespace depot::crypto
