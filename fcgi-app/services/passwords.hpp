#pragma once
// Password checks, the expensive part of logging in (PBKDF2, about 0.3 s at
// the default 600000 iterations), kept from becoming a denial of service
// (issue 8, review M3, L2, S12):
// - an unknown or malformed name costs one hash against a dummy computed at
//   start, the same time as a wrong password for a real name;
// - every hash counts against a per-address limit in the database (IPv6 by
//   its /64; 429 over it), checked before hashing; wrong passwords count per
//   account name, and over that limit the name takes passwords only from
//   addresses where it logged in before, so a guesser spread over many
//   addresses is stopped and nobody can lock an account out by failing;
// - at most auth_concurrency hashes run at once in this process (no waiting
//   for a slot), so a flood of logins never takes every worker from installs;
// - a right password is remembered for auth_cache_seconds under an HMAC of
//   the credentials with a key that never leaves this process (never the
//   password itself): npm's _auth sends Basic on every request of an install,
//   and each one then costs one indexed read of the account's credential
//   generation, which every password change or reset bumps, so a remembered
//   check dies everywhere at once.
// The cache is an optimisation only: a worker that forgets it is just slower.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/user_repo.hpp"

namespace depot {
struct Config;
}

namespace depot::services {

class PasswordChecks {
  public:
    explicit PasswordChecks(const Config& config);
    PasswordChecks(const PasswordChecks&) = delete;
    PasswordChecks& operator=(const PasswordChecks&) = delete;

    // The account when name and password are right, else nullopt. Throws
    // too_many_requests() when a limit says to wait.
    [[nodiscard]] std::optional<storage::UserRow> check(storage::Db& db, std::string_view name,
                                                        std::string_view password,
                                                        std::string_view client_addr);

    // A slow salted hash of a new password, as stored.
    [[nodiscard]] std::string hash(std::string_view password) const;

    const Config& config() const noexcept { return config_; }

  private:
    struct Remembered {
        std::uint64_t user_id = 0;
        std::uint32_t credential_gen = 0;
        std::chrono::steady_clock::time_point until;
    };

    [[nodiscard]] std::optional<storage::UserRow> remembered(storage::Db& db,
                                                             const std::string& key,
                                                             std::string_view name);
    void remember(const std::string& key, const storage::UserRow& user);
    [[nodiscard]] std::optional<storage::UserRow> hash_and_compare(storage::Db& db,
                                                                   std::string_view name,
                                                                   std::string_view password);

    const Config& config_;
    const std::string dummy_hash_;
    const std::string cache_key_;
    std::mutex mutex_;
    std::unordered_map<std::string, Remembered> cache_;
    std::counting_semaphore<1024> slots_;
};

}  // namespace depot::services
