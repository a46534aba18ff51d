#include "services/oidc.hpp"

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "crypto/keys.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/uplink_client.hpp"

namespace depot::services {
namespace {

constexpr long long kLeewaySeconds = 60;
constexpr long long kJwksMaxAge = 600;
constexpr long long kJwksRefetchAfter = 60;  // an unknown kid fetches again, at most this often
constexpr std::size_t kMaxJwksBytes = 1 << 20;

HttpError refused(const std::string& why) {
    return unauthorized("the OIDC token was refused: " + why, "Bearer");
}

struct CachedJwks {
    std::string text;
    long long fetched = 0;
};
std::mutex jwks_mutex;
std::map<std::string, CachedJwks> jwks_cache;

std::string read_jwks(const OidcIssuer& issuer) {
    if (issuer.jwks.starts_with("/")) {
        std::ifstream in{issuer.jwks, std::ios::binary};
        if (!in) throw HttpError(503, "the JWKS file of issuer " + issuer.name + " cannot be read");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    Uplink from;
    from.name = "oidc-" + issuer.name;
    from.url = issuer.jwks;
    from.ca = issuer.ca;
    from.timeout_seconds = 10;
    UplinkRequest req;
    req.max_bytes = kMaxJwksBytes;
    req.headers = {"Accept: application/json"};
    const auto res = call_uplink(from, req);
    if (res.failed() || res.status != 200)
        throw HttpError(503, "the keys of issuer " + issuer.name + " could not be fetched (" +
                                 (res.error.empty() ? std::to_string(res.status) : res.error) +
                                 "); try again");
    return res.body;
}

std::string jwks_of(const OidcIssuer& issuer, long long now, bool refetch) {
    {
        const std::lock_guard lock{jwks_mutex};
        const auto it = jwks_cache.find(issuer.name);
        if (it != jwks_cache.end() && now - it->second.fetched < kJwksMaxAge &&
            !(refetch && now - it->second.fetched >= kJwksRefetchAfter))
            return it->second.text;
    }
    auto text = read_jwks(issuer);
    const std::lock_guard lock{jwks_mutex};
    jwks_cache[issuer.name] = {text, now};
    return text;
}

std::string b64url_field(const rapidjson::Value& jwk, const char* key) {
    const auto v = render::string_member(jwk, key);
    return crypto::base64url_decode(v).value_or("");
}

// The SPKI DER of the JWKS key kid for alg; empty when there is none.
std::string key_for(const std::string& jwks_text, const std::string& kid, const std::string& alg) {
    rapidjson::Document jwks;
    if (!render::parse_json(jwks, jwks_text) || !jwks.IsObject() || !jwks.HasMember("keys") ||
        !jwks["keys"].IsArray())
        return {};
    for (const auto& jwk : jwks["keys"].GetArray()) {
        if (!jwk.IsObject() || render::string_member(jwk, "kid") != kid) continue;
        const auto kty = render::string_member(jwk, "kty");
        if (const auto a = render::string_member(jwk, "alg"); !a.empty() && a != alg) continue;
        if (alg == "RS256" && kty == "RSA") {
            if (auto der = crypto::rsa_public_der(b64url_field(jwk, "n"), b64url_field(jwk, "e")))
                return *der;
        } else if (alg == "ES256" && kty == "EC" && render::string_member(jwk, "crv") == "P-256") {
            if (auto der = crypto::p256_public_der(b64url_field(jwk, "x"), b64url_field(jwk, "y")))
                return *der;
        }
    }
    return {};
}

bool audience_matches(const rapidjson::Value& claims, const std::string& audience) {
    const auto it = claims.FindMember("aud");
    if (it == claims.MemberEnd()) return false;
    if (it->value.IsString()) return render::string_member(claims, "aud") == audience;
    if (!it->value.IsArray()) return false;
    for (const auto& a : it->value.GetArray()) {
        if (a.IsString() && std::string_view{a.GetString(), a.GetStringLength()} == audience)
            return true;
    }
    return false;
}

long long number_claim(const rapidjson::Value& claims, const char* key, bool required) {
    const auto it = claims.FindMember(key);
    if (it == claims.MemberEnd()) {
        if (required) throw refused(std::string{"it has no "} + key);
        return 0;
    }
    if (!it->value.IsNumber()) throw refused(std::string{key} + " is not a number");
    return static_cast<long long>(it->value.GetDouble());
}

}  // namespace

std::string npm_audience(const Config& config) {
    auto host = config.public_url.substr(config.public_url.find("://") + 3);
    host = host.substr(0, host.find('/'));
    if (host.starts_with("[")) return "npm:" + host.substr(0, host.find(']') + 1);
    return "npm:" + host.substr(0, host.find(':'));
}

OidcIdentity verify_id_token(const Config& config, std::string_view jwt,
                             const std::string& audience, long long now) {
    if (jwt.size() > 16384) throw refused("it is too long");
    const auto dot1 = jwt.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos)
        throw refused("it is not a JWT");
    const auto header_text = crypto::base64url_decode(jwt.substr(0, dot1));
    const auto payload_text = crypto::base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = crypto::base64url_decode(jwt.substr(dot2 + 1));
    rapidjson::Document header;
    rapidjson::Document claims;
    if (!header_text || !payload_text || !signature || !render::parse_json(header, *header_text) ||
        !header.IsObject() || !render::parse_json(claims, *payload_text) || !claims.IsObject() ||
        render::has_duplicate_keys(header) || render::has_duplicate_keys(claims))
        throw refused("it is not a JWT");
    const std::string alg{render::string_member(header, "alg")};
    const std::string kid{render::string_member(header, "kid")};
    if (alg != "RS256" && alg != "ES256") throw refused("alg must be RS256 or ES256");
    const std::string iss{render::string_member(claims, "iss")};
    const OidcIssuer* issuer = nullptr;
    for (const auto& i : config.oidc_issuers) {
        if (i.issuer == iss) issuer = &i;
    }
    if (!issuer) throw refused("its issuer is not trusted here");

    auto key = key_for(jwks_of(*issuer, now, false), kid, alg);
    if (key.empty()) key = key_for(jwks_of(*issuer, now, true), kid, alg);  // a rotated key
    if (key.empty()) throw refused("no key of its issuer has its kid");
    std::string sig = *signature;
    if (alg == "ES256") {
        const auto der = crypto::ecdsa_raw_to_der(sig);
        if (!der) throw refused("its signature is malformed");
        sig = *der;
    }
    if (!crypto::verify_sha256(key, jwt.substr(0, dot2), sig))
        throw refused("its signature does not verify");

    if (!audience_matches(claims, audience)) throw refused("its audience is not " + audience);
    const auto exp = number_claim(claims, "exp", true);
    if (exp + kLeewaySeconds < now) throw refused("it has expired");
    if (exp > now + 24 * 3600) throw refused("it lives longer than a day");
    if (const auto nbf = number_claim(claims, "nbf", false); nbf > now + kLeewaySeconds)
        throw refused("it is not valid yet");
    if (const auto iat = number_claim(claims, "iat", false); iat > now + kLeewaySeconds)
        throw refused("it was issued in the future");
    OidcIdentity id;
    id.issuer = issuer;
    id.claims = *payload_text;
    id.jti = std::string{render::string_member(claims, "jti")};
    id.expires = exp;
    return id;
}

}  // namespace depot::services
