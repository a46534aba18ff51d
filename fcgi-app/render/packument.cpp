#include "render/packument.hpp"

#include <array>
#include <string_view>

#include "crypto/crypto.hpp"
#include "render/json.hpp"

namespace depot::render {
namespace {

// Keys of a stored manifest that the server writes itself.
constexpr std::array<std::string_view, 6> kServerKeys{"_id",        "dist",        "_npmUser",
                                                      "deprecated", "maintainers", "readme"};

// What installers read from a version in the corgi (protocol §9.2).
constexpr std::array<std::string_view, 18> kAbbreviatedKeys{"name",
                                                            "version",
                                                            "dependencies",
                                                            "optionalDependencies",
                                                            "devDependencies",
                                                            "peerDependencies",
                                                            "peerDependenciesMeta",
                                                            "bundleDependencies",
                                                            "bundledDependencies",
                                                            "bin",
                                                            "directories",
                                                            "engines",
                                                            "os",
                                                            "cpu",
                                                            "libc",
                                                            "hasInstallScript",
                                                            "_hasShrinkwrap",
                                                            "funding"};

// Top-level fields hoisted from the latest version (protocol §9.3).
constexpr std::array<std::string_view, 8> kHoisted{"description", "author",        "repository",
                                                   "homepage",    "bugs",          "license",
                                                   "keywords",    "readmeFilename"};

bool contains(auto& list, std::string_view key) {
    for (const auto k : list) {
        if (k == key) return true;
    }
    return false;
}

std::string_view name_of(const rapidjson::Value::ConstMemberIterator& m) {
    return {m->name.GetString(), m->name.GetStringLength()};
}

void write_dist(JsonWriter& w, const PackumentInput& in, const storage::VersionRow& v) {
    w.key("dist").begin_object();
    w.field("shasum", v.shasum).field("integrity", v.integrity);
    // Always the registry's own URL (npm 12 refuses others by default): a
    // version registered by link is sent from its copy or redirected to it.
    w.field("tarball", tarball_url(in.public_url, in.package.name, v.version));
    // The registry's signature (issue 13), checked by npm audit signatures.
    if (!v.sig.empty()) {
        w.key("signatures").begin_array();
        w.begin_object().field("keyid", v.sig_keyid).field("sig", v.sig).end_object();
        w.end_array();
    }
    if (!v.provenance.predicate_type.empty()) {
        w.key("attestations").begin_object();
        w.field("url", attestations_url(in.public_url, in.package.name, v.version));
        w.key("provenance").begin_object();
        w.field("predicateType", v.provenance.predicate_type).end_object();
        w.end_object();
    }
    w.end_object();
}

const storage::VersionRow* latest_of(const PackumentInput& in) {
    std::string latest;
    for (const auto& t : in.tags) {
        if (t.tag == "latest") latest = t.version;
    }
    for (const auto& v : in.versions) {
        if (v.version == latest) return &v;
    }
    // No (valid) latest tag: the newest version (protocol §12.3).
    return in.versions.empty() ? nullptr : &in.versions.back();
}

void write_tags(JsonWriter& w, const PackumentInput& in) {
    w.key("dist-tags").begin_object();
    for (const auto& t : in.tags) w.field(t.tag, t.version);
    w.end_object();
}

std::string etag(char kind, const std::string& body) {
    return std::string{"\""} + kind + "-" + crypto::to_hex(crypto::sha256(body)).substr(0, 40) +
           "\"";
}

void write_abbreviated_version(JsonWriter& w, const PackumentInput& in,
                               const storage::VersionRow& v) {
    rapidjson::Document m;
    const bool ok = parse_json(m, v.manifest) && m.IsObject();
    w.begin_object();
    if (ok) {
        for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
            if (contains(kAbbreviatedKeys, name_of(it))) w.key(name_of(it)).value(it->value);
        }
    }
    if (!v.deprecated.empty()) w.field("deprecated", v.deprecated);
    write_dist(w, in, v);
    w.end_object();
}

// npm owner ls prints these; accounts without an npm name cannot be named by
// npm owner, so they are left out (they stay owners; the web page lists them).
void write_maintainers(JsonWriter& w, const PackumentInput& in) {
    w.key("maintainers").begin_array();
    for (const auto& o : in.owners) {
        if (!o.name.empty()) w.begin_object().field("name", o.name).field("email", "").end_object();
    }
    w.end_array();
}

}  // namespace

std::string package_rev(const std::string& name, std::uint32_t rev) {
    const auto r = std::to_string(rev);
    return r + "-" + crypto::to_hex(crypto::sha256(name + "@" + r)).substr(0, 16);
}

bool is_abbreviated_key(std::string_view key) { return contains(kAbbreviatedKeys, key); }

std::string attestations_url(const std::string& public_url, const std::string& name,
                             const std::string& version) {
    return public_url + "/-/npm/v1/attestations/" + name + "@" + version;
}

std::string tarball_url(const std::string& public_url, const std::string& name,
                        const std::string& version) {
    const auto slash = name.find('/');
    const std::string bare = slash == std::string::npos ? name : name.substr(slash + 1);
    return public_url + "/" + name + "/-/" + bare + "-" + version + ".tgz";
}

std::string version_json(const PackumentInput& in, const storage::VersionRow& v) {
    rapidjson::Document m;
    const bool ok = parse_json(m, v.manifest) && m.IsObject();
    JsonWriter w;
    w.begin_object();
    if (ok) {
        for (auto it = m.MemberBegin(); it != m.MemberEnd(); ++it) {
            if (!contains(kServerKeys, name_of(it))) w.key(name_of(it)).value(it->value);
        }
    }
    w.field("_id", in.package.name + "@" + v.version);
    // Names only: an email is shown to its own account alone (issue 8, review
    // L2). The empty email keeps npm's printing clean: npm view shows "alice"
    // (it prints "alice <undefined>" when the key is missing).
    if (!v.trusted_publisher.empty()) {
        // Trusted publishing (issue 13), as npm's registry writes it.
        const bool gh = v.trusted_publisher == "github";
        const bool gl = v.trusted_publisher == "gitlab";
        w.key("_npmUser").begin_object();
        w.field("name", gh ? "GitHub Actions" : gl ? "GitLab CI/CD" : v.trusted_publisher);
        w.field("email", gh   ? "npm-oidc-no-reply@github.com"
                         : gl ? "npm-oidc-no-reply@gitlab.com"
                              : "");
        w.key("trustedPublisher").begin_object();
        w.field("id", v.trusted_publisher).field("oidcConfigId", v.oidc_config_id);
        w.end_object().end_object();
    } else if (!v.publisher_name.empty()) {
        w.key("_npmUser").begin_object().field("name", v.publisher_name).field("email", "");
        w.end_object();
    }
    write_maintainers(w, in);
    if (!v.deprecated.empty()) w.field("deprecated", v.deprecated);
    write_dist(w, in, v);
    w.end_object();
    return w.str();
}

namespace {

// "text" as a JSON string.
std::string quoted(std::string_view text) {
    JsonWriter w;
    w.string(text);
    return w.str();
}

// The members of an object written by w, without its braces.
std::string members_of(const JsonWriter& w) {
    auto s = w.str();
    return s.substr(1, s.size() - 2);
}

}  // namespace

const storage::VersionRow* latest_version(const PackumentInput& in) { return latest_of(in); }

std::string full_head(const PackumentInput& in, const storage::VersionRow* latest) {
    const auto& pkg = in.package;
    rapidjson::Document latest_manifest;
    const bool have_latest =
        latest && parse_json(latest_manifest, latest->manifest) && latest_manifest.IsObject();
    JsonWriter w;
    w.begin_object();
    w.field("_id", pkg.name).field("_rev", package_rev(pkg.name, pkg.rev)).field("name", pkg.name);
    if (have_latest) {
        for (auto it = latest_manifest.MemberBegin(); it != latest_manifest.MemberEnd(); ++it) {
            if (contains(kHoisted, name_of(it))) w.key(name_of(it)).value(it->value);
        }
    }
    write_tags(w, in);
    w.end_object();
    return "{" + members_of(w) + ",\"versions\":{";
}

std::string full_version(const PackumentInput& in, const storage::VersionRow& v, bool first) {
    return (first ? "" : ",") + quoted(v.version) + ":" + version_json(in, v);
}

std::string full_middle(const PackumentInput& in) {
    JsonWriter w;
    w.begin_object().field("created", in.package.created).field("modified", in.package.modified);
    w.end_object();
    return "},\"time\":{" + members_of(w);
}

std::string time_entry(const storage::VersionRow& v) {
    return "," + quoted(v.version) + ":" + quoted(v.published_at);
}

std::string full_tail(const PackumentInput& in) {
    JsonWriter w;
    w.begin_object();
    write_maintainers(w, in);
    w.key("users").begin_object();
    for (const auto& u : in.starred_by) w.key(u).boolean(true);
    w.end_object();
    w.field("readme", in.package.readme);
    w.end_object();
    return "}," + members_of(w) + "}";
}

std::string abbreviated_head(const PackumentInput& in) {
    JsonWriter w;
    w.begin_object().field("name", in.package.name).field("modified", in.package.modified);
    write_tags(w, in);
    w.end_object();
    return "{" + members_of(w) + ",\"versions\":{";
}

std::string abbreviated_version(const PackumentInput& in, const storage::VersionRow& v,
                                bool first) {
    JsonWriter w;
    write_abbreviated_version(w, in, v);
    return (first ? "" : ",") + quoted(v.version) + ":" + w.str();
}

Packument build_packument(const PackumentInput& in) {
    Packument p;
    p.full = full_head(in, latest_of(in));
    p.abbreviated = abbreviated_head(in);
    bool first = true;
    for (const auto& v : in.versions) {
        p.full += full_version(in, v, first);
        p.abbreviated += abbreviated_version(in, v, first);
        first = false;
    }
    p.full += full_middle(in);
    for (const auto& v : in.versions) p.full += time_entry(v);
    p.full += full_tail(in);
    p.abbreviated += kAbbreviatedTail;
    p.full_etag = etag('f', p.full);
    p.abbreviated_etag = etag('a', p.abbreviated);
    return p;
}

}  // namespace depot::render
