#include "services/uplink_signatures.hpp"

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "crypto/keys.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/signing.hpp"
#include "services/uplink_client.hpp"

namespace depot::services {

struct UpstreamKey {
    std::string keyid;
    std::string der;
    long long expires_ms = 0;  // 0: none
};

struct UpstreamKeys {
    std::vector<UpstreamKey> keys;  // empty: the uplink publishes none
};

namespace {

constexpr long long kKeysMaxAge = 300;

std::mutex keys_mutex;
std::map<std::string, std::pair<long long, std::shared_ptr<const UpstreamKeys>>> keys_cache;

long long now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "2025-01-29T00:00:00.000Z" → Unix milliseconds; -1 when not such a time.
long long parse_ms(std::string_view iso) {
    std::tm tm{};
    int ms = 0;
    const std::string s{iso};
    if (s.size() < 19 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    if (s.size() > 20 && s[19] == '.') ms = std::atoi(s.substr(20, 3).c_str());
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<long long>(timegm(&tm)) * 1000 + ms;
}

std::shared_ptr<const UpstreamKeys> fetch_keys(const Uplink& uplink) {
    const auto now = now_seconds();
    {
        const std::lock_guard lock{keys_mutex};
        if (const auto it = keys_cache.find(uplink.name);
            it != keys_cache.end() && now - it->second.first < kKeysMaxAge)
            return it->second.second;
    }
    UplinkRequest req;
    req.path = "/-/npm/v1/keys";
    req.headers.emplace_back("Accept: application/json");
    req.max_bytes = 1 << 20;
    const auto res = call_uplink(uplink, req);
    auto keys = std::make_shared<UpstreamKeys>();
    if (res.status == 200 && res.error.empty()) {
        rapidjson::Document doc;
        if (!render::parse_json(doc, res.body) || !doc.IsObject() || !doc.HasMember("keys") ||
            !doc["keys"].IsArray())
            throw HttpError(502, "the uplink " + uplink.name + " sent keys npm could not read");
        for (const auto& k : doc["keys"].GetArray()) {
            if (!k.IsObject()) continue;
            UpstreamKey key;
            key.keyid = std::string{render::string_member(k, "keyid")};
            key.der = crypto::base64_decode(render::string_member(k, "key")).value_or("");
            const auto expires = render::string_member(k, "expires");
            key.expires_ms = expires.empty() ? 0 : parse_ms(expires);
            if (key.keyid.empty() || key.der.empty() || key.expires_ms < 0) continue;
            keys->keys.push_back(std::move(key));
        }
    } else if (res.status != 404 && res.status != 400) {
        throw HttpError(
            502, "the keys of the uplink " + uplink.name + " could not be read (" +
                     (res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error) + ")");
    }
    const std::lock_guard lock{keys_mutex};
    keys_cache[uplink.name] = {now, keys};
    return keys;
}

SignatureList list_of(const rapidjson::Value* signatures) {
    SignatureList out;
    if (!signatures || !signatures->IsArray()) return out;
    for (const auto& s : signatures->GetArray()) {
        if (!s.IsObject()) {
            out.emplace_back("", "");  // unreadable: fails verification
            continue;
        }
        out.emplace_back(render::string_member(s, "keyid"), render::string_member(s, "sig"));
    }
    return out;
}

}  // namespace

UplinkSignatures::UplinkSignatures(const Config& config, storage::Db& db, const Uplink& uplink)
    : mode_{uplink.signatures} {
    if (mode_.empty() || mode_ == "verify") {
        keys_ = fetch_keys(uplink);
        if (mode_.empty()) mode_ = keys_->keys.empty() ? "none" : "verify";
    }
    if (mode_ != "none") {
        if (auto k = Signing{config, db}.active_key())
            depot_key_ = std::make_shared<const ActiveKey>(std::move(*k));
    }
}

UplinkSignatures::~UplinkSignatures() = default;

bool UplinkSignatures::allows(const std::string& name, const std::string& version,
                              std::string_view integrity, std::string_view published,
                              const SignatureList& signatures) const {
    if (mode_ != "verify") return true;
    // As pacote: every signature by a listed key, valid when the version
    // was published, and true; at least one.
    if (signatures.empty() || !keys_) return false;
    const auto when = parse_ms(published.empty() ? "2015-01-01T00:00:00.000Z" : published);
    const auto message = name + "@" + version + ":" + std::string{integrity};
    for (const auto& [keyid, sig] : signatures) {
        const UpstreamKey* key = nullptr;
        for (const auto& k : keys_->keys) {
            if (k.keyid == keyid) key = &k;
        }
        if (!key || (key->expires_ms != 0 && (when < 0 || when >= key->expires_ms))) return false;
        const auto der = crypto::base64_decode(sig);
        if (!der || !crypto::verify_sha256(key->der, message, *der)) return false;
    }
    return true;
}

render::SignVersion UplinkSignatures::signer(const std::string& name) const {
    return [self = *this, name](const std::string& version, std::string_view integrity,
                                std::string_view published,
                                const rapidjson::Value* signatures) -> render::VersionSignature {
        if (self.mode_ == "none") return {};
        if (!self.allows(name, version, integrity, published, list_of(signatures)))
            return {true, {}, {}};
        if (!self.depot_key_ || integrity.empty()) return {};
        auto s = self.depot_key_->sign(name, version, std::string{integrity});
        return {false, std::move(s.keyid), std::move(s.sig)};
    };
}

}  // namespace depot::services
