#pragma once
// Minting tokens: random (256 bits), shown once, stored as SHA-256 only.

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/token_repo.hpp"

namespace depot::storage {
class Db;
}
namespace depot::services {
struct Principal;
}

namespace depot::services {

struct TokenSpec {
    std::string kind = "user";  // user, project, reset, session
    std::uint64_t user_id = 0;
    std::uint64_t package_id = 0;
    std::string name;
    bool readonly = false;
    std::string cidrs;  // space-separated
    int expires_in_seconds = 0;
    storage::TokenLimits limits;  // granular tokens (issue 12)
};

struct Minted {
    std::string secret;  // give to the client once; never stored
    std::string key_id;  // public id for lists and revoke
    std::uint64_t id = 0;
};

[[nodiscard]] Minted mint_token(storage::Db& db, const TokenSpec& spec);

// A full-power user token, as npm login hands out.
[[nodiscard]] TokenSpec user_token(std::uint64_t user_id, std::string name);

// SPEC §5, a credential never grows: a token minted on the strength of
// another credential keeps that credential's address ranges, read-only flag
// and expiry (the sooner of the two).
void inherit_limits(TokenSpec& spec, const Principal& parent);

}  // namespace depot::services
