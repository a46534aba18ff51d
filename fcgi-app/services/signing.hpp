#pragma once
// Registry signatures (issue 13): the one seam for depot's ECDSA P-256 keys.
// Private keys live in the database sealed with the key-encryption key
// (signing_kek_file), so every worker on every host signs with the same
// active key and `depotctl keys rotate` on one host reaches all of them.
// Each version carries one signature over "NAME@VERSION:INTEGRITY" (what
// pacote checks); a rotated or retired key stays listed with its expiry so
// the versions it signed before then still verify.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

struct Signature {
    std::string keyid;
    std::string sig;  // base64 DER
};

// The active key, opened: signs many versions with one database read.
struct ActiveKey {
    std::string keyid;
    std::string private_der;
    [[nodiscard]] Signature sign(const std::string& name, const std::string& version,
                                 const std::string& integrity) const;
};

struct KeyInfo {
    std::string keyid;
    std::string public_key;  // base64 SPKI DER
    std::string created;
    std::string expires;  // empty: none
    bool active = false;
};

class Signing {
  public:
    Signing(const Config& config, storage::Db& db) : config_{config}, db_{db} {}

    // Whether a key-encryption key is configured.
    [[nodiscard]] bool enabled() const;

    // In a write's transaction: signs the version with the active key and
    // saves the signature on its row; nothing when there is no key.
    void sign_version(std::uint64_t version_id, const std::string& name, const std::string& version,
                      const std::string& integrity);
    // A signature by the active key (proxied versions); nullopt without one.
    [[nodiscard]] std::optional<Signature> sign(const std::string& name, const std::string& version,
                                                const std::string& integrity, bool lock = false);

    // nullopt without a KEK or an active key.
    [[nodiscard]] std::optional<ActiveKey> active_key(bool lock = false);

    // GET /-/npm/v1/keys, as npm reads it; nullopt when there are no keys.
    [[nodiscard]] std::optional<std::string> keys_document();

    // depotctl keys: create (active when no key is), rotate (a new active
    // key; the old one expires now), retire (expires at the given time or
    // now, signs no more), list.
    KeyInfo create();
    KeyInfo rotate();
    void retire(const std::string& keyid, const std::string& expires_iso);
    [[nodiscard]] std::vector<KeyInfo> list();
    // Signs every live version whose signature is missing or would not
    // verify (unknown key, or a key that expired before its publish) and
    // rebuilds its package's documents; how many were signed.
    int sign_all();

  private:
    [[nodiscard]] std::string private_key_of(const std::string& keyid,
                                             const std::string& sealed_b64,
                                             const std::string& kek_id) const;
    KeyInfo insert_new(bool active);

    const Config& config_;
    storage::Db& db_;
};

}  // namespace depot::services
