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
    std::uint32_t credential_gen = 1;  // bumped by every password change and reset
    std::string created;               // ISO
    std::string updated;
};

class UserRepo {
  public:
    explicit UserRepo(Db& db) : db_{db} {}

    [[nodiscard]] std::optional<UserRow> find_by_name(std::string_view name) const;
    [[nodiscard]] std::optional<UserRow> find_by_id(std::uint64_t id) const;
    // npm profile's fullname (empty: none).
    [[nodiscard]] std::string fullname(std::uint64_t id) const;
    void set_fullname(std::uint64_t id, std::string_view fullname);
    [[nodiscard]] std::optional<UserRow> find_by_email(std::string_view email) const;
    // nullopt when the name or email is taken.
    [[nodiscard]] std::optional<std::uint64_t> insert(const UserRow& u);
    // Replaces a legacy hash with the slow one. The password is the same, so
    // the user document and its rev do not change.
    void save_password(std::uint64_t id, std::string_view hash);
    // Gives an account without one its npm name; false when the name is taken.
    [[nodiscard]] bool save_name(std::uint64_t id, std::string_view name);
    // Sets the email; bumps rev.
    void save_email(std::uint64_t id, std::string_view email);
    // A new password hash (empty: no password at all, e.g. after a reset);
    // drops a legacy hash and bumps rev and credential_gen, which ends every
    // cached check of the old password.
    void change_password(std::uint64_t id, std::string_view hash);
    // The current credential generation of an account (0 when it is gone):
    // one indexed read to check a cached password check.
    [[nodiscard]] std::uint32_t credential_gen(std::uint64_t id) const;

  private:
    Db& db_;
};

}  // namespace depot::storage
