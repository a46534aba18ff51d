#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace depot::crypto {
namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    return {reinterpret_cast<const char*>(out), len};
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
    std::string out(32, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1) {
        throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
    }
    return out;
}

}  // namespace

std::string sha1(std::string_view data) { return digest(EVP_sha1(), data); }
std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }
std::string sha384(std::string_view data) { return digest(EVP_sha384(), data); }
std::string sha512(std::string_view data) { return digest(EVP_sha512(), data); }

namespace {
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(md, key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
        throw std::runtime_error("HMAC failed");
    }
    return {reinterpret_cast<const char*>(out), len};
}
}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view data) {
    return hmac(EVP_sha1(), key, data);
}
std::string hmac_sha256(std::string_view key, std::string_view data) {
    return hmac(EVP_sha256(), key, data);
}

std::string to_hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kB64[(n >> 18) & 63]);
        out.push_back(kB64[(n >> 12) & 63]);
        out.push_back(kB64[(n >> 6) & 63]);
        out.push_back(kB64[n & 63]);
    }
    if (i < bytes.size()) {
        const bool two = i + 1 < bytes.size();
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0);
        out.push_back(kB64[(n >> 18) & 63]);
        out.push_back(kB64[(n >> 12) & 63]);
        out.push_back(two ? kB64[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; ++j) {
            const char c = text[i + static_cast<std::size_t>(j)];
            if (c == '=' && last && j >= 2) {
                v[j] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) return std::nullopt;  // data after padding
            v[j] = b64_value(c);
            if (v[j] < 0) return std::nullopt;
        }
        const auto n = static_cast<unsigned>((v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3]);
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
    }
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string s = base64_encode(bytes);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return s;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string s{text};
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) {
        if (c == '+' || c == '/') return std::nullopt;
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    if (s.size() % 4 == 1) return std::nullopt;
    s.append((4 - s.size() % 4) % 4, '=');
    return base64_decode(s);
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return out;
}

std::string random_uuid() {
    auto b = random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    const auto h = to_hex(b);
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

std::string random_token() { return "depot_" + base64url_encode(random_bytes(32)); }

std::string hash_password(std::string_view password, int iterations) {
    const auto salt = random_bytes(16);
    return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
           base64_encode(pbkdf2(password, salt, iterations));
}

bool verify_password(std::string_view password, std::string_view stored) {
    constexpr std::string_view kPrefix = "pbkdf2-sha256$";
    if (!stored.starts_with(kPrefix)) return false;
    stored.remove_prefix(kPrefix.size());
    const auto d1 = stored.find('$');
    const auto d2 = stored.find('$', d1 == std::string_view::npos ? d1 : d1 + 1);
    if (d1 == std::string_view::npos || d2 == std::string_view::npos) return false;
    int iterations = 0;
    const auto it = stored.substr(0, d1);
    const auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), iterations);
    if (ec != std::errc{} || end != it.data() + it.size() || iterations < 1) return false;
    const auto salt = base64_decode(stored.substr(d1 + 1, d2 - d1 - 1));
    const auto expected = base64_decode(stored.substr(d2 + 1));
    if (!salt || !expected) return false;
    return equal_ct(pbkdf2(password, *salt, iterations), *expected);
}

bool equal_ct(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace depot::crypto
