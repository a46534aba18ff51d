#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depot::storage {

class Db;

struct UserRow {
    std::uint64_t id = 0;
    std::string name;  // empty for web-only accounts
    std::string email;
    std::string password_hash;
    std::string legacy_salt;
    std::string legacy_sha;
    std::uint32_t rev = 1;
    std::string created;  // ISO
    std::string updated;
};

class UserRepo {
  public:
    explicit UserRepo(Db& db) : db_{db} {}

    [[nodiscard]] std::optional<UserRow> find_by_name(std::string_view name) const;
    [[nodiscard]] std::optional<UserRow> find_by_id(std::uint64_t id) const;
    [[nodiscard]] std::optional<UserRow> find_by_email(std::string_view email) const;
    // nullopt when the name or email is taken.
    [[nodiscard]] std::optional<std::uint64_t> insert(const UserRow& u);
    // Replaces a legacy hash with the slow one. The password is the same, so
    // the user document and its rev do not change.
    void save_password(std::uint64_t id, std::string_view hash);
    // Gives an account without one its npm name; false when the name is taken.
    [[nodiscard]] bool save_name(std::uint64_t id, std::string_view name);
    // Sets email and, when non-empty, the password hash; bumps rev.
    void save_profile(std::uint64_t id, std::string_view email, std::string_view hash);

  private:
    Db& db_;
};

}  // namespace depot::storage
