#pragma once
// Pending registrations by email (table email_confirmations): only the hash
// of the mailed link's secret, until the address's owner confirms it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depot::storage {

class Db;

struct EmailConfirmationRow {
    std::uint64_t id = 0;
    std::string email;
    std::uint64_t user_id = 0;         // the account, for change and revert
    std::string purpose = "register";  // register, change (the new address), revert (the old)
};

class EmailConfirmationRepo {
  public:
    explicit EmailConfirmationRepo(Db& db) : db_{db} {}
    void insert(std::string_view email, std::string_view token_hash, std::string_view client_addr,
                int expires_in_seconds, std::uint64_t user_id = 0,
                std::string_view purpose = "register");
    // Pending links of one purpose for the account (0 rows is fine).
    void remove_for_user(std::uint64_t user_id, std::string_view purpose);
    // Unexpired only.
    [[nodiscard]] std::optional<EmailConfirmationRow> find_active(
        std::string_view token_hash) const;
    // Every pending registration of the address (any case); answers how many.
    int remove_for_email(std::string_view email);
    void remove(std::string_view token_hash);
    void purge_expired(int limit);

  private:
    Db& db_;
};

}  // namespace depot::storage
