#pragma once
// Who may read what (issue 8, review M1): the one place that says it.
// A public package: everyone. A restricted one: its owners, through a user
// token, a session or the password. A project token (SPEC §3: it "may manage
// that project only") reads its own package and public ones, never the other
// restricted packages of the user who created it.

#include <cstdint>
#include <optional>
#include <string_view>

#include "services/auth.hpp"

namespace depot::storage {
class Db;
}

namespace depot::services {

[[nodiscard]] bool can_read(storage::Db& db, const std::optional<Principal>& who,
                            std::uint64_t package_id, std::string_view access);

// The same rule for SQL filters (search, change feed, package lists): a
// restricted package is visible when user_id owns it or it is package_id.
struct Reader {
    std::uint64_t user_id = 0;     // 0: nobody's owned packages
    std::uint64_t package_id = 0;  // a project token's own package; 0: none
};
[[nodiscard]] Reader reader_of(const std::optional<Principal>& who);

// True for a project token: it may see its package, not its creator's account.
[[nodiscard]] inline bool is_project_token(const std::optional<Principal>& who) {
    return who && who->token_kind == "project";
}

}  // namespace depot::services
