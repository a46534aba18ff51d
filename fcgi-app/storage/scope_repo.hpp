#pragma once
// Scopes and their members (tables scopes, scope_members).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct ScopeMemberRow {
    std::uint64_t user_id = 0;
    std::string name;  // npm name; empty for web-only accounts
    std::string role;  // developer, admin, owner
};

class ScopeRepo {
  public:
    explicit ScopeRepo(Db& db) : db_{db} {}
    [[nodiscard]] bool exists(std::string_view scope) const;
    // false when the scope exists already (someone else may have claimed it).
    [[nodiscard]] bool insert(std::string_view scope);
    // Locks the scope's row until the transaction ends (membership changes serialise).
    [[nodiscard]] bool lock(std::string_view scope);
    [[nodiscard]] std::optional<std::string> role_of(std::string_view scope,
                                                     std::uint64_t user_id) const;
    void save_member(std::string_view scope, std::uint64_t user_id, std::string_view role);
    bool remove_member(std::string_view scope, std::uint64_t user_id);
    [[nodiscard]] std::vector<ScopeMemberRow> list_members(std::string_view scope) const;

  private:
    Db& db_;
};

}  // namespace depot::storage
