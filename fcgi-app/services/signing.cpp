#include "services/signing.hpp"

#include <map>
#include <mutex>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "crypto/keys.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/documents.hpp"
#include "storage/db.hpp"
#include "storage/signing_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

// Which KEK sealed a key: a wrong kek file is named, not a garbled key.
std::string kek_id(const std::string& kek) {
    return crypto::to_hex(crypto::sha256("depot signing kek\n" + kek)).substr(0, 16);
}

// The sealed key opens only as the key it was made for.
std::string seal_context(const std::string& keyid) { return "depot signing key " + keyid; }

// Opened private keys, by key id: only an optimisation (the database has them).
std::mutex opened_mutex;
std::map<std::string, std::string> opened;

KeyInfo info_of(const storage::SigningKeyRow& k) {
    return {k.keyid, k.public_key, k.created, k.expires, k.active};
}

// "2026-12-01T10:00:00.000Z" (or without fraction/zone) → MySQL DATETIME text.
std::string mysql_time(const std::string& iso) {
    std::string t = iso;
    if (!t.empty() && t.back() == 'Z') t.pop_back();
    if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
        t[13] != ':' || t[16] != ':') {
        throw bad_request("not a UTC time like 2026-12-01T10:00:00Z: " + iso);
    }
    t[10] = ' ';
    return t;
}

}  // namespace

bool Signing::enabled() const { return !config_.signing_kek.empty(); }

std::string Signing::private_key_of(const std::string& keyid, const std::string& sealed_b64,
                                    const std::string& sealed_with) const {
    {
        const std::lock_guard lock{opened_mutex};
        if (const auto it = opened.find(keyid); it != opened.end()) return it->second;
    }
    // A restored database without its KEK: nothing signs until ops put the
    // KEK back (a publish is refused, not left unsigned).
    if (sealed_with != kek_id(config_.signing_kek))
        throw HttpError(503, "the registry's signing key " + keyid +
                                 " was sealed with another key-encryption key than "
                                 "signing_kek_file holds; nothing was changed");
    const auto sealed = crypto::base64_decode(sealed_b64);
    auto der = sealed ? crypto::open_sealed(config_.signing_kek, *sealed, seal_context(keyid))
                      : std::nullopt;
    if (!der)
        throw HttpError(503, "the registry's signing key " + keyid +
                                 " does not open with signing_kek_file; nothing was changed");
    const std::lock_guard lock{opened_mutex};
    return opened.emplace(keyid, std::move(*der)).first->second;
}

Signature ActiveKey::sign(const std::string& name, const std::string& version,
                          const std::string& integrity) const {
    const auto sig = crypto::sign_sha256(private_der, name + "@" + version + ":" + integrity);
    return {keyid, crypto::base64_encode(sig)};
}

std::optional<ActiveKey> Signing::active_key(bool lock) {
    if (!enabled()) return std::nullopt;
    const auto key = storage::SigningRepo{db_}.active(lock);
    if (!key) return std::nullopt;
    return ActiveKey{key->keyid, private_key_of(key->keyid, key->private_sealed, key->kek_id)};
}

std::optional<Signature> Signing::sign(const std::string& name, const std::string& version,
                                       const std::string& integrity, bool lock) {
    const auto key = active_key(lock);
    if (!key) return std::nullopt;
    return key->sign(name, version, integrity);
}

void Signing::sign_version(std::uint64_t version_id, const std::string& name,
                           const std::string& version, const std::string& integrity) {
    // Locked for share: a rotation commits after this write, so the version's
    // publish time is before the old key's expiry.
    if (const auto s = sign(name, version, integrity, true))
        storage::SigningRepo{db_}.save_signature(version_id, s->keyid, s->sig);
}

std::optional<std::string> Signing::keys_document() {
    if (!enabled()) return std::nullopt;
    const auto keys = storage::SigningRepo{db_}.list();
    if (keys.empty()) return std::nullopt;
    render::JsonWriter w;
    w.begin_object().key("keys").begin_array();
    for (const auto& k : keys) {
        w.begin_object();
        if (k.expires.empty()) {
            w.key("expires").null();
        } else {
            w.field("expires", k.expires);
        }
        w.field("keyid", k.keyid)
            .field("keytype", "ecdsa-sha2-nistp256")
            .field("scheme", "ecdsa-sha2-nistp256")
            .field("key", k.public_key);
        w.end_object();
    }
    w.end_array().end_object();
    return w.str();
}

KeyInfo Signing::insert_new(bool active) {
    if (!enabled())
        throw std::runtime_error(
            "no signing_kek_file in the config: create one (openssl rand -hex 32) first");
    const auto pair = crypto::generate_p256();
    storage::SigningKeyRow row;
    row.keyid = crypto::npm_keyid(pair.public_der);
    row.public_key = crypto::base64_encode(pair.public_der);
    row.private_sealed = crypto::base64_encode(
        crypto::seal(config_.signing_kek, pair.private_der, seal_context(row.keyid)));
    row.kek_id = kek_id(config_.signing_kek);
    row.active = active;
    storage::SigningRepo{db_}.insert(row);
    return info_of(*storage::SigningRepo{db_}.find(row.keyid));
}

KeyInfo Signing::create() {
    storage::Transaction tx{db_};
    const bool none_active = !storage::SigningRepo{db_}.active(true).has_value();
    auto k = insert_new(none_active);
    tx.commit();
    return k;
}

KeyInfo Signing::rotate() {
    storage::Transaction tx{db_};
    storage::SigningRepo repo{db_};
    (void)repo.active(true);
    repo.deactivate_active();
    auto k = insert_new(true);
    tx.commit();
    return k;
}

void Signing::retire(const std::string& keyid, const std::string& expires_iso) {
    storage::Transaction tx{db_};
    if (!storage::SigningRepo{db_}.retire(keyid,
                                          expires_iso.empty() ? "" : mysql_time(expires_iso)))
        throw not_found("no signing key " + keyid);
    tx.commit();
}

std::vector<KeyInfo> Signing::list() {
    std::vector<KeyInfo> out;
    for (const auto& k : storage::SigningRepo{db_}.list()) out.push_back(info_of(k));
    return out;
}

int Signing::sign_all() {
    if (!enabled() || !storage::SigningRepo{db_}.active()) return 0;
    const Documents docs{config_};
    int signed_count = 0;
    std::uint64_t after = 0;
    for (;;) {
        const auto batch = storage::SigningRepo{db_}.unsigned_versions(after, 500);
        if (batch.empty()) break;
        after = batch.back().version_id;
        // One write per package: its signatures, a change, new documents.
        std::map<std::string, std::vector<const storage::UnsignedVersion*>> by_package;
        for (const auto& v : batch) by_package[v.package_name].push_back(&v);
        for (const auto& [name, versions] : by_package) {
            Documents::Write doc{docs, name};
            storage::Transaction tx{db_};
            for (const auto* v : versions)
                sign_version(v->version_id, v->package_name, v->version, v->integrity);
            render::JsonWriter w;
            w.begin_object().key("versions").integer(static_cast<long long>(versions.size()));
            w.end_object();
            storage::ChangeRepo{db_}.append(
                {versions.front()->package_id, name, "sign", 0, "depotctl", w.str()});
            doc.prepare(db_, DocChange::Everything);
            tx.commit();
            doc.publish();
            signed_count += static_cast<int>(versions.size());
        }
    }
    return signed_count;
}

}  // namespace depot::services
