#include "crypto/keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "crypto/crypto.hpp"

namespace depot::crypto {
namespace {

struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(BIGNUM* b) const { BN_free(b); }
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string public_der_of(EVP_PKEY* key) {
    unsigned char* out = nullptr;
    const int len = i2d_PUBKEY(key, &out);
    if (len <= 0) throw std::runtime_error("i2d_PUBKEY failed");
    std::string der{reinterpret_cast<char*>(out), static_cast<std::size_t>(len)};
    OPENSSL_free(out);
    return der;
}

Ptr<EVP_PKEY> key_from_params(const char* type, Ptr<OSSL_PARAM_BLD>& bld) {
    Ptr<OSSL_PARAM> params{OSSL_PARAM_BLD_to_param(bld.get())};
    Ptr<EVP_PKEY_CTX> ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return Ptr<EVP_PKEY>{};
    }
    return Ptr<EVP_PKEY>{key};
}

}  // namespace

KeyPair generate_p256() {
    Ptr<EVP_PKEY> key{EVP_EC_gen("P-256")};
    if (!key) throw std::runtime_error("EC key generation failed");
    KeyPair pair;
    unsigned char* out = nullptr;
    const int len = i2d_PrivateKey(key.get(), &out);
    if (len <= 0) throw std::runtime_error("i2d_PrivateKey failed");
    pair.private_der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
    OPENSSL_clear_free(out, static_cast<std::size_t>(len));
    pair.public_der = public_der_of(key.get());
    return pair;
}

std::string npm_keyid(std::string_view public_der) {
    auto b64 = base64_encode(sha256(public_der));
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return "SHA256:" + b64;
}

std::string sign_sha256(std::string_view private_der, std::string_view message) {
    const unsigned char* p = bytes(private_der);
    Ptr<EVP_PKEY> key{d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(private_der.size()))};
    if (!key) throw std::runtime_error("the signing key does not parse");
    Ptr<EVP_MD_CTX> ctx{EVP_MD_CTX_new()};
    std::size_t len = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, bytes(message), message.size()) != 1) {
        throw std::runtime_error("signing failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       bytes(message), message.size()) != 1) {
        throw std::runtime_error("signing failed");
    }
    sig.resize(len);
    return sig;
}

bool verify_sha256(std::string_view public_der, std::string_view message,
                   std::string_view signature) noexcept {
    const unsigned char* p = bytes(public_der);
    Ptr<EVP_PKEY> key{d2i_PUBKEY(nullptr, &p, static_cast<long>(public_der.size()))};
    if (!key || p != bytes(public_der) + public_der.size()) return false;
    Ptr<EVP_MD_CTX> ctx{EVP_MD_CTX_new()};
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(message),
                            message.size()) == 1;
}

std::optional<std::string> rsa_public_der(std::string_view n, std::string_view e) {
    if (n.size() < 256 || n.size() > 1024 || e.empty() || e.size() > 8) return std::nullopt;
    Ptr<BIGNUM> bn_n{BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr)};
    Ptr<BIGNUM> bn_e{BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr)};
    Ptr<OSSL_PARAM_BLD> bld{OSSL_PARAM_BLD_new()};
    if (!bn_n || !bn_e || !bld ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
        return std::nullopt;
    }
    const auto key = key_from_params("RSA", bld);
    if (!key) return std::nullopt;
    return public_der_of(key.get());
}

std::optional<std::string> p256_public_der(std::string_view x, std::string_view y) {
    if (x.size() != 32 || y.size() != 32) return std::nullopt;
    const std::string point = "\x04" + std::string{x} + std::string{y};
    Ptr<OSSL_PARAM_BLD> bld{OSSL_PARAM_BLD_new()};
    if (!bld ||
        OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return std::nullopt;
    }
    const auto key = key_from_params("EC", bld);  // refuses a point off the curve
    if (!key) return std::nullopt;
    return public_der_of(key.get());
}

std::optional<std::string> ecdsa_raw_to_der(std::string_view rs) {
    if (rs.size() != 64) return std::nullopt;
    Ptr<ECDSA_SIG> sig{ECDSA_SIG_new()};
    BIGNUM* r = BN_bin2bn(bytes(rs), 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes(rs) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return std::nullopt;
    }
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &out);
    if (len <= 0) return std::nullopt;
    std::string der{reinterpret_cast<char*>(out), static_cast<std::size_t>(len)};
    OPENSSL_free(out);
    return der;
}

std::string seal(std::string_view key, std::string_view plaintext, std::string_view context) {
    if (key.size() != 32) throw std::invalid_argument("seal: the key is not 32 bytes");
    const auto nonce = random_bytes(12);
    Ptr<EVP_CIPHER_CTX> ctx{EVP_CIPHER_CTX_new()};
    std::string out = nonce;
    out.resize(12 + plaintext.size() + 16);
    auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + 12;
    int len = 0;
    int total = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(nonce)) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                          static_cast<int>(context.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), cipher, &len, bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
        throw std::runtime_error("sealing failed");
    }
    total = len;
    if (EVP_EncryptFinal_ex(ctx.get(), cipher + total, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, cipher + total + len) != 1) {
        throw std::runtime_error("sealing failed");
    }
    return out;
}

std::optional<std::string> open_sealed(std::string_view key, std::string_view sealed,
                                       std::string_view context) noexcept {
    if (key.size() != 32 || sealed.size() < 12 + 16) return std::nullopt;
    const auto body = sealed.substr(12, sealed.size() - 28);
    std::string tag{sealed.substr(sealed.size() - 16)};
    Ptr<EVP_CIPHER_CTX> ctx{EVP_CIPHER_CTX_new()};
    std::string out(body.size(), '\0');
    int len = 0;
    if (!ctx ||
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key), bytes(sealed)) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(context),
                          static_cast<int>(context.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                          bytes(body), static_cast<int>(body.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) !=
            1) {
        OPENSSL_cleanse(out.data(), out.size());
        return std::nullopt;
    }
    return out;
}

}  // namespace depot::crypto
