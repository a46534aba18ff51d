#include "services/passwords.hpp"

#include <algorithm>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "services/rate_limits.hpp"
#include "storage/db.hpp"

namespace depot::services {
namespace {

constexpr std::size_t kMaxRemembered = 4096;

int slot_count(const Config& c) {
    const int n = c.auth_concurrency > 0 ? c.auth_concurrency : c.threads_per_process() / 2;
    return std::clamp(n, 1, 1024);
}

// Releases a semaphore slot when the check is over, however it ends.
class Slot {
  public:
    explicit Slot(std::counting_semaphore<1024>& s) : s_{s} {}
    ~Slot() { s_.release(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

  private:
    std::counting_semaphore<1024>& s_;
};

}  // namespace

PasswordChecks::PasswordChecks(const Config& config)
    : config_{config},
      dummy_hash_{crypto::hash_password("not a password", config.password_iterations)},
      cache_key_{crypto::random_bytes(32)},
      slots_{slot_count(config)} {}

std::string PasswordChecks::hash(std::string_view password) const {
    return crypto::hash_password(password, config_.password_iterations);
}

std::optional<storage::UserRow> PasswordChecks::check(storage::Db& db, std::string_view name,
                                                      std::string_view password,
                                                      std::string_view client_addr) {
    std::string key;
    if (config_.auth_cache_seconds > 0) {
        key = crypto::hmac_sha256(cache_key_, std::string{name} + '\0' + std::string{password});
        if (auto user = remembered(db, key, name)) return user;
    }
    // Limits before the hash: a 429 costs an indexed write, a hash costs a core.
    rate_limit_address(db, "pw-addr", client_addr, config_.auth_checks_per_address, 60,
                       "too many password attempts from your address; wait a minute and retry");
    // Wrong passwords for one name, from anywhere, close the name to new
    // addresses for a minute; an address where this account logged in
    // before (its CI, its owner's machine) keeps working, so nobody can lock
    // an account out by failing on purpose (review of issue 8).
    const auto pair = std::string{name} + '\0' + address_key(client_addr);
    if (current_hits(db, "pw-fail", name) >= config_.auth_checks_per_name &&
        current_hits(db, "pw-ok", pair) == 0) {
        throw too_many_requests(
            "too many wrong passwords for this account; wait a minute and retry", 60);
    }
    // No waiting for a slot: a worker that waited would be a worker taken from installs.
    if (!slots_.try_acquire()) {
        throw too_many_requests("the registry is checking many passwords at once; retry shortly",
                                1);
    }
    std::optional<storage::UserRow> user;
    {
        const Slot slot{slots_};
        user = hash_and_compare(db, name, password);
    }
    if (!user) {
        record_hit(db, "pw-fail", name, 60);
        return user;
    }
    record_hit(db, "pw-ok", pair, 30 * 86400);
    if (!key.empty()) remember(key, *user);
    return user;
}

std::optional<storage::UserRow> PasswordChecks::hash_and_compare(storage::Db& db,
                                                                 std::string_view name,
                                                                 std::string_view password) {
    std::optional<storage::UserRow> user;
    // A malformed name (non-ASCII, upper case…) is an unknown one: never queried.
    if (model::valid_user_name(name)) user = storage::UserRepo{db}.find_by_name(name);
    if (!user) {
        (void)crypto::verify_password(password, dummy_hash_);  // the same time as a real check
        return std::nullopt;
    }
    if (!user->password_hash.empty()) {
        if (!crypto::verify_password(password, user->password_hash)) return std::nullopt;
        return user;
    }
    if (!user->legacy_sha.empty()) {  // CouchDB-era account: upgrade on first use (SPEC §4)
        (void)crypto::verify_password(password, dummy_hash_);
        const auto sha = crypto::to_hex(crypto::sha1(std::string{password} + user->legacy_salt));
        if (!crypto::equal_ct(sha, user->legacy_sha)) return std::nullopt;
        storage::UserRepo users{db};
        users.save_password(user->id, hash(password));
        return users.find_by_id(user->id);
    }
    (void)crypto::verify_password(password, dummy_hash_);  // an account with no password
    return std::nullopt;
}

std::optional<storage::UserRow> PasswordChecks::remembered(storage::Db& db, const std::string& key,
                                                           std::string_view name) {
    Remembered r;
    {
        const std::lock_guard lock{mutex_};
        const auto it = cache_.find(key);
        if (it == cache_.end()) return std::nullopt;
        if (it->second.until < std::chrono::steady_clock::now()) {
            cache_.erase(it);
            return std::nullopt;
        }
        r = it->second;
    }
    auto user = storage::UserRepo{db}.find_by_id(r.user_id);
    if (!user || user->credential_gen != r.credential_gen || user->name != name) {
        const std::lock_guard lock{mutex_};
        cache_.erase(key);
        return std::nullopt;
    }
    return user;
}

void PasswordChecks::remember(const std::string& key, const storage::UserRow& user) {
    const auto now = std::chrono::steady_clock::now();
    const std::lock_guard lock{mutex_};
    if (cache_.size() >= kMaxRemembered) {
        std::erase_if(cache_, [now](const auto& kv) { return kv.second.until < now; });
        if (cache_.size() >= kMaxRemembered) cache_.clear();
    }
    cache_[key] = {user.id, user.credential_gen,
                   now + std::chrono::seconds(config_.auth_cache_seconds)};
}

}  // namespace depot::services
