#include "render/upstream.hpp"

#include <map>
#include <set>

#include "model/semver.hpp"
#include "render/json.hpp"
#include "render/packument.hpp"

namespace depot::render {
namespace {

std::string_view key_of(const rapidjson::Value::ConstMemberIterator& it) {
    return {it->name.GetString(), it->name.GetStringLength()};
}

// A version kept: its key is a version and its manifest says the same.
bool keep_version(const rapidjson::Value::ConstMemberIterator& it) {
    const auto version = key_of(it);
    if (!model::Semver::valid(version) || !it->value.IsObject()) return false;
    const auto* dist = member(it->value, "dist");
    if (!dist || !dist->IsObject()) return false;
    const auto stated = string_member(it->value, "version");
    return stated.empty() || stated == version;
}

// The manifest with dist's URLs made depot's, and its signature when the
// policy decided one (signature: nullptr keeps the uplink's).
void write_version(JsonWriter& w, const rapidjson::Value& manifest, const std::string& name,
                   const std::string& version, const std::string& public_url, bool abbreviated,
                   const VersionSignature* signature) {
    w.begin_object();
    bool has_install_script = false;
    for (auto it = manifest.MemberBegin(); it != manifest.MemberEnd(); ++it) {
        const auto key = key_of(it);
        if (key == "scripts" && it->value.IsObject()) {
            for (const char* hook : {"preinstall", "install", "postinstall"})
                has_install_script = has_install_script || member(it->value, hook) != nullptr;
        }
        if (key == "dist") {
            w.key("dist").begin_object();
            for (auto d = it->value.MemberBegin(); d != it->value.MemberEnd(); ++d) {
                const auto dkey = key_of(d);
                if (dkey == "signatures" && signature) {
                    continue;  // depot's own, below
                } else if (dkey == "tarball") {
                    w.field("tarball", tarball_url(public_url, name, version));
                } else if (dkey == "attestations" && d->value.IsObject()) {
                    w.key("attestations").begin_object();
                    for (auto a = d->value.MemberBegin(); a != d->value.MemberEnd(); ++a) {
                        if (key_of(a) == "url") {
                            w.field("url", attestations_url(public_url, name, version));
                        } else {
                            w.key(key_of(a)).value(a->value);
                        }
                    }
                    w.end_object();
                } else {
                    w.key(dkey).value(d->value);
                }
            }
            if (signature && !signature->keyid.empty()) {
                w.key("signatures").begin_array().begin_object();
                w.field("keyid", signature->keyid).field("sig", signature->sig);
                w.end_object().end_array();
            }
            w.end_object();
            continue;
        }
        if (abbreviated && !is_abbreviated_key(key) && key != "deprecated") continue;
        w.key(key).value(it->value);
    }
    if (abbreviated && has_install_script && !member(manifest, "hasInstallScript"))
        w.key("hasInstallScript").boolean(true);
    w.end_object();
}

}  // namespace

std::optional<UpstreamDocuments> upstream_documents(std::string_view raw, const std::string& name,
                                                    const std::string& public_url,
                                                    const SignVersion& sign) {
    rapidjson::Document doc;
    if (!parse_json(doc, raw) || !doc.IsObject() || has_duplicate_keys(doc)) return std::nullopt;
    if (string_member(doc, "name") != name) return std::nullopt;
    const auto* versions = member(doc, "versions");
    if (versions && !versions->IsObject()) return std::nullopt;

    std::set<std::string, std::less<>> kept;
    std::map<std::string, VersionSignature, std::less<>> signatures;
    std::size_t refused = 0;
    const auto* times = member(doc, "time");
    if (versions) {
        for (auto it = versions->MemberBegin(); it != versions->MemberEnd(); ++it) {
            if (!keep_version(it)) continue;
            const std::string version{key_of(it)};
            if (sign) {
                const auto& dist = *member(it->value, "dist");
                auto decision = sign(version, string_member(dist, "integrity"),
                                     times ? string_member(*times, version) : std::string_view{},
                                     member(dist, "signatures"));
                if (decision.refuse) {
                    ++refused;
                    continue;
                }
                signatures.emplace(version, std::move(decision));
            }
            kept.insert(version);
        }
    }
    const auto write_tags = [&](JsonWriter& w) {
        w.key("dist-tags").begin_object();
        if (const auto* tags = member(doc, "dist-tags"); tags && tags->IsObject()) {
            for (auto t = tags->MemberBegin(); t != tags->MemberEnd(); ++t) {
                if (t->value.IsString() && kept.contains(std::string_view{
                                               t->value.GetString(), t->value.GetStringLength()}))
                    w.key(key_of(t)).value(t->value);
            }
        }
        w.end_object();
    };
    const auto write_versions = [&](JsonWriter& w, bool abbreviated) {
        w.key("versions").begin_object();
        if (versions) {
            for (auto it = versions->MemberBegin(); it != versions->MemberEnd(); ++it) {
                const std::string version{key_of(it)};
                if (!kept.contains(version)) continue;
                w.key(version);
                const auto s = signatures.find(version);
                write_version(w, it->value, name, version, public_url, abbreviated,
                              s == signatures.end() ? nullptr : &s->second);
            }
        }
        w.end_object();
    };

    UpstreamDocuments out;
    out.versions = kept.size();
    out.refused = refused;
    JsonWriter full;
    full.begin_object();
    bool tags_written = false;
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        const auto key = key_of(it);
        if (key == "versions") {
            write_versions(full, false);
        } else if (key == "dist-tags") {
            write_tags(full);
            tags_written = true;
        } else if (key != "_attachments") {
            full.key(key).value(it->value);
        }
    }
    if (!tags_written) write_tags(full);
    if (!versions) full.key("versions").begin_object().end_object();
    full.end_object();
    out.full = full.str();

    JsonWriter abbrev;
    abbrev.begin_object().field("name", name);
    if (const auto* time = member(doc, "time")) {
        if (const auto modified = string_member(*time, "modified"); !modified.empty())
            abbrev.field("modified", modified);
    }
    write_tags(abbrev);
    write_versions(abbrev, true);
    abbrev.end_object();
    out.abbreviated = abbrev.str();
    return out;
}

std::optional<UpstreamDist> upstream_dist(std::string_view raw, const std::string& version) {
    rapidjson::Document doc;
    if (!parse_json(doc, raw) || !doc.IsObject()) return std::nullopt;
    const auto* versions = member(doc, "versions");
    if (!versions || !versions->IsObject()) return std::nullopt;
    for (auto it = versions->MemberBegin(); it != versions->MemberEnd(); ++it) {
        if (key_of(it) != version || !keep_version(it)) continue;
        const auto& dist = *member(it->value, "dist");
        UpstreamDist d;
        d.tarball = std::string{string_member(dist, "tarball")};
        d.integrity = std::string{string_member(dist, "integrity")};
        d.shasum = std::string{string_member(dist, "shasum")};
        if (const auto* a = member(dist, "attestations"))
            d.attestations = std::string{string_member(*a, "url")};
        if (const auto* sigs = member(dist, "signatures"); sigs && sigs->IsArray()) {
            for (const auto& s : sigs->GetArray()) {
                if (s.IsObject()) {
                    d.signatures.emplace_back(string_member(s, "keyid"), string_member(s, "sig"));
                } else {
                    d.signatures.emplace_back("", "");
                }
            }
        }
        if (const auto* time = member(doc, "time"))
            d.published = std::string{string_member(*time, version)};
        return d;
    }
    return std::nullopt;
}

std::string upstream_tag(std::string_view raw, const std::string& tag) {
    rapidjson::Document doc;
    if (!parse_json(doc, raw) || !doc.IsObject()) return {};
    const auto* tags = member(doc, "dist-tags");
    return tags ? std::string{string_member(*tags, tag)} : std::string{};
}

}  // namespace depot::render
