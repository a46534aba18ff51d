#pragma once
// The registry's signing keys and the versions' signatures (issue 13).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct SigningKeyRow {
    std::uint64_t id = 0;
    std::string keyid;
    std::string public_key;      // base64 SPKI DER
    std::string private_sealed;  // base64, sealed with the KEK
    std::string kek_id;
    bool active = false;
    std::string created;  // ISO
    std::string expires;  // ISO; empty: none
};

// A live version whose signature is missing, by a key not listed, or by a
// key that expired before the version was published (pacote would refuse it).
struct UnsignedVersion {
    std::uint64_t version_id = 0;
    std::uint64_t package_id = 0;
    std::string package_name;
    std::string version;
    std::string integrity;
};

class SigningRepo {
  public:
    explicit SigningRepo(Db& db) : db_{db} {}

    [[nodiscard]] std::vector<SigningKeyRow> list() const;  // oldest first
    // The active key; locked for share inside a transaction, so a rotation
    // waits for the publishes signing with the old one.
    [[nodiscard]] std::optional<SigningKeyRow> active(bool lock = false) const;
    [[nodiscard]] std::optional<SigningKeyRow> find(std::string_view keyid) const;
    void insert(const SigningKeyRow& k);  // k.active: becomes the active key
    // The active key stops signing, and expires now unless it has an expiry.
    void deactivate_active();
    void set_active(std::string_view keyid);
    // Sets the key's expiry (empty: now) and deactivates it; false if unknown.
    bool retire(std::string_view keyid, std::string_view expires_iso);

    void save_signature(std::uint64_t version_id, std::string_view keyid, std::string_view sig);
    [[nodiscard]] std::vector<UnsignedVersion> unsigned_versions(std::uint64_t after_id,
                                                                 int limit) const;

  private:
    Db& db_;
};

}  // namespace depot::storage
