#pragma once
// OIDC ID tokens (issue 13): a JWT from a trusted issuer (config
// oidc_issuer_*), checked as a relying party must: the signature with the
// issuer's published key (RS256 or ES256, the key found by "kid" in its
// JWKS), the exact issuer, the audience, and the time window. The JWKS is
// read from the issuer (or a file) and kept a few minutes per process: only
// an optimisation, every worker fetches its own.

#include <string>
#include <string_view>

namespace depot {
struct Config;
struct OidcIssuer;
}  // namespace depot

namespace depot::services {

struct OidcIdentity {
    const OidcIssuer* issuer = nullptr;
    std::string claims;     // the payload, JSON
    std::string jti;        // empty when the token has none
    long long expires = 0;  // exp, Unix seconds
};

// 401 with the reason unless jwt passes every check. now: Unix seconds.
[[nodiscard]] OidcIdentity verify_id_token(const Config& config, std::string_view jwt,
                                           const std::string& audience, long long now);

// "npm:" + the host name of public_url (no port): what npm asks its CI for.
[[nodiscard]] std::string npm_audience(const Config& config);

}  // namespace depot::services
