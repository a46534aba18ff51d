#pragma once
// npm's web login sessions (protocol §3): only hashes of the two URL ids.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depot::storage {

class Db;

struct WebLoginRow {
    std::uint64_t id = 0;
    std::uint64_t user_id = 0;  // 0 until a person approved it in the browser
    bool create_account = false;
    std::string client_addr;           // where `npm login` ran
    std::string user_agent;            // what it said it was
    std::string created;               // ISO
    std::uint32_t credential_gen = 0;  // the account's, when a person approved it
};

class WebLoginRepo {
  public:
    explicit WebLoginRepo(Db& db) : db_{db} {}
    void insert(std::string_view login_hash, std::string_view done_hash, bool create_account,
                std::string_view client_addr, std::string_view user_agent, int expires_in_seconds);
    // Live (unexpired) sessions only.
    [[nodiscard]] std::optional<WebLoginRow> find_by_login(std::string_view login_hash) const;
    [[nodiscard]] std::optional<WebLoginRow> find_by_done(std::string_view done_hash) const;
    void approve(std::uint64_t id, std::uint64_t user_id, std::uint32_t credential_gen);
    // true when this call removed it: the token is handed out exactly once.
    bool remove(std::uint64_t id);
    void purge_expired(int limit);
    // Logins a person approved for the user that the CLI has not collected yet.
    void remove_for_user(std::uint64_t user_id);

  private:
    Db& db_;
};

}  // namespace depot::storage
