#include "services/tokens.hpp"

#include "crypto/crypto.hpp"
#include "services/auth.hpp"
#include "storage/token_repo.hpp"

namespace depot::services {

Minted mint_token(storage::Db& db, const TokenSpec& spec) {
    Minted m;
    m.secret = crypto::random_token();
    m.key_id = crypto::to_hex(crypto::random_bytes(16));
    storage::NewToken t;
    t.kind = spec.kind;
    t.hash_hex = token_hash(m.secret);
    t.key_id = m.key_id;
    t.prefix =
        m.secret.substr(0, 12);  // "depot_" + 6 random characters: enough to tell tokens apart
    t.name = spec.name;
    t.user_id = spec.user_id;
    t.package_id = spec.package_id;
    t.readonly = spec.readonly;
    t.cidrs = spec.cidrs;
    t.expires_in_seconds = spec.expires_in_seconds;
    t.limits = spec.limits;
    m.id = storage::TokenRepo{db}.insert(t);
    return m;
}

void inherit_limits(TokenSpec& spec, const Principal& parent) {
    if (!parent.cidrs.empty()) spec.cidrs = parent.cidrs;
    if (parent.limits.granular) spec.limits = parent.limits;
    spec.readonly = spec.readonly || parent.readonly;
    if (parent.expires_in_seconds > 0 &&
        (spec.expires_in_seconds == 0 || parent.expires_in_seconds < spec.expires_in_seconds)) {
        spec.expires_in_seconds = static_cast<int>(parent.expires_in_seconds);
    }
}

TokenSpec user_token(std::uint64_t user_id, std::string name) {
    TokenSpec spec;
    spec.user_id = user_id;
    spec.name = std::move(name);
    return spec;
}

}  // namespace depot::services
