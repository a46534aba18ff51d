#pragma once
// Two-factor rows of an account (issue 12): its TOTP secret and recovery codes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct TfaRow {
    std::string secret;  // base32
    std::string mode;    // "auth-only" or "auth-and-writes"
    bool pending = true;
    std::int64_t last_step = 0;
    std::string last_credential;
};

class TfaRepo {
  public:
    explicit TfaRepo(Db& db) : db_{db} {}
    [[nodiscard]] std::optional<TfaRow> find(std::uint64_t user_id, bool for_update = false) const;
    // A new pending secret (replaces any other).
    void start(std::uint64_t user_id, std::string_view secret, std::string_view mode);
    void confirm(std::uint64_t user_id);
    void set_mode(std::uint64_t user_id, std::string_view mode);
    void used(std::uint64_t user_id, std::int64_t step, std::string_view credential);
    void remove(std::uint64_t user_id);  // the recovery codes too

    void replace_recovery_codes(std::uint64_t user_id, const std::vector<std::string>& hashes);
    // Marks the unused code with this hash used; false when there is none.
    [[nodiscard]] bool use_recovery_code(std::uint64_t user_id, std::string_view hash);

  private:
    Db& db_;
};

}  // namespace depot::storage
