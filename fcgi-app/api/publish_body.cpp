#include "api/publish_body.hpp"

#include <array>
#include <unordered_set>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "services/provenance.hpp"

namespace depot::api {
namespace {

using rapidjson::Value;

// Client keys that the server sets itself or that leak the publisher's machine.
constexpr std::array<std::string_view, 12> kDropped{
    "readme", "dist",       "_npmUser",   "maintainers", "_attachments", "_resolved",
    "_from",  "_integrity", "deprecated", "_id",         "_rev",         "hasInstallScript"};

std::string_view sv(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

using render::member;

bool dropped(std::string_view key) {
    for (const auto k : kDropped) {
        if (k == key) return true;
    }
    return false;
}

// RapidJSON keeps repeated keys; npm's JSON.parse keeps the last. A body that
// says "name" twice could pass our check with one and install as the other.
void refuse_duplicate_keys(const Value& obj, std::string_view what) {
    if (!obj.IsObject()) return;
    std::unordered_set<std::string_view> seen;
    seen.reserve(obj.MemberCount());
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        if (!seen.insert(sv(it->name)).second) {
            throw bad_request(std::string{what} + " repeats the key \"" +
                              std::string{sv(it->name)} + "\"");
        }
    }
}

bool has_install_script(const Value& manifest) {
    const auto* scripts = member(manifest, "scripts");
    if (!scripts || !scripts->IsObject()) return false;
    for (const char* s : {"preinstall", "install", "postinstall"}) {
        if (member(*scripts, s)) return true;
    }
    return false;
}

std::string sanitized_manifest(const Value& manifest) {
    render::JsonWriter w;
    w.begin_object();
    for (auto it = manifest.MemberBegin(); it != manifest.MemberEnd(); ++it) {
        const auto key = sv(it->name);
        if (!dropped(key)) w.key(key).value(it->value);
    }
    if (has_install_script(manifest)) w.key("hasInstallScript").boolean(true);
    w.end_object();
    return w.str();
}

std::string joined_keywords(const Value& manifest) {
    std::string out;
    const auto* k = member(manifest, "keywords");
    if (k && k->IsArray()) {
        for (const auto& word : k->GetArray()) {
            if (word.IsString()) out += (out.empty() ? "" : " ") + std::string{sv(word)};
        }
    } else if (k && k->IsString()) {
        out = std::string{sv(*k)};
    }
    return out;
}

struct Attachment {
    std::string bytes;
    std::string sigstore;  // the provenance bundle, raw JSON (issue 13); empty: none
};

Attachment decode_attachment(const Value& doc, const model::PackageName& name,
                             std::string_view version) {
    const auto* atts = member(doc, "_attachments");
    if (!atts || !atts->IsObject() || atts->MemberCount() == 0) {
        throw bad_request("the publish has no tarball attachment");
    }
    // npm names it "name-V.tgz", with the scope for scoped packages (protocol §26),
    // and a provenance bundle "name-V.sigstore" (libnpmpublish).
    const std::string bare_file = name.tarball_file(version);
    const std::string full_file = name.str() + "-" + std::string{version} + ".tgz";
    const std::string bundle_file = name.str() + "-" + std::string{version} + ".sigstore";
    const Value* tarball = nullptr;
    Attachment out;
    for (auto it = atts->MemberBegin(); it != atts->MemberEnd(); ++it) {
        if (sv(it->name) == bundle_file && out.sigstore.empty()) {
            const auto* bundle = member(it->value, "data");
            if (!bundle || !bundle->IsString() || bundle->GetStringLength() == 0)
                throw bad_request("the provenance attachment has no data");
            out.sigstore = std::string{sv(*bundle)};
        } else if ((sv(it->name) == bare_file || sv(it->name) == full_file) && !tarball) {
            tarball = &it->value;
        } else {
            throw bad_request("unexpected attachment \"" + std::string{sv(it->name)} +
                              "\": the tarball should be named " + bare_file);
        }
    }
    if (!tarball) throw bad_request("the attachment should be named " + bare_file);
    const auto& att = *tarball;
    const auto* data = member(att, "data");
    if (!data || !data->IsString()) throw bad_request("the attachment has no base64 data");
    auto bytes = crypto::base64_decode(sv(*data));
    if (!bytes) throw bad_request("the attachment data is not valid base64");
    if (const auto* length = member(att, "length"); length && length->IsNumber()) {
        if (!length->IsUint64() || length->GetUint64() != bytes->size()) {
            throw bad_request("the attachment length does not match its data");
        }
    }
    if (bytes->size() < 2 || static_cast<unsigned char>((*bytes)[0]) != 0x1f ||
        static_cast<unsigned char>((*bytes)[1]) != 0x8b) {
        throw bad_request("the attachment is not a gzip-compressed tarball");
    }
    out.bytes = std::move(*bytes);
    return out;
}

}  // namespace

bool is_publish_body(std::string_view body) {
    rapidjson::Document doc;
    if (!render::parse_json(doc, body) || !doc.IsObject()) return true;  // let the parser say why
    const auto* atts = member(doc, "_attachments");
    return atts && atts->IsObject() && atts->MemberCount() > 0;
}

services::PublishInput parse_publish_body(const model::PackageName& url_name,
                                          std::string_view body) {
    rapidjson::Document doc;
    if (!render::parse_json(doc, body)) throw bad_request("the publish body is not valid JSON");
    if (!doc.IsObject()) throw bad_request("the publish body must be a JSON object");
    for (const char* k : {"name", "_id"}) {
        const auto* v = member(doc, k);
        if (v && (!v->IsString() || sv(*v) != url_name.str())) {
            throw bad_request(std::string{"the body's "} + k +
                              " does not match the package in the URL");
        }
    }
    const auto* versions = member(doc, "versions");
    if (!versions || !versions->IsObject() || versions->MemberCount() != 1) {
        throw bad_request("a publish carries exactly one version");
    }
    refuse_duplicate_keys(doc, "the publish body");
    const auto& [vkey, manifest] = *versions->MemberBegin();
    refuse_duplicate_keys(manifest, "the version manifest");
    // At any depth too: {"scripts":{"postinstall":"a","postinstall":"b"}} runs b.
    if (render::has_duplicate_keys(doc)) throw bad_request("the publish body repeats a key");
    // npm's semver ignores build metadata: "1.0.0+x" would install as 1.0.0
    // with other bytes (SPEC §5). npm itself strips it before publishing.
    const auto version = model::parse_publish_version(sv(vkey)).str();

    if (!manifest.IsObject()) throw bad_request("the version manifest must be an object");
    const auto* mname = member(manifest, "name");
    const auto* mversion = member(manifest, "version");
    if (!mname || !mname->IsString() || sv(*mname) != url_name.str()) {
        throw bad_request("the version manifest names another package");
    }
    if (!mversion || !mversion->IsString() || sv(*mversion) != version) {
        throw bad_request("the version manifest names another version");
    }

    services::PublishInput in{url_name, version};
    in.manifest = sanitized_manifest(manifest);
    in.tag = "latest";
    if (const auto* tags = member(doc, "dist-tags")) {
        if (!tags->IsObject() || tags->MemberCount() > 1)
            throw bad_request("dist-tags must name one tag");
        for (auto it = tags->MemberBegin(); it != tags->MemberEnd(); ++it) {
            in.tag = model::parse_dist_tag(sv(it->name));
            if (!it->value.IsString() || sv(it->value) != version) {
                throw bad_request("dist-tag \"" + in.tag +
                                  "\" must point at the published version " + version);
            }
        }
    }
    if (const auto* access = member(doc, "access"); access && !access->IsNull()) {
        if (!access->IsString() || (sv(*access) != "public" && sv(*access) != "restricted")) {
            throw bad_request("access must be \"public\" or \"restricted\"");
        }
        if (sv(*access) == "restricted" && !url_name.scoped()) {
            throw bad_request("only scoped packages can be restricted");
        }
        in.access = std::string{sv(*access)};
    }

    auto attachment = decode_attachment(doc, url_name, version);
    in.tarball = std::move(attachment.bytes);
    const auto sha512 = crypto::sha512(in.tarball);
    in.shasum = crypto::to_hex(crypto::sha1(in.tarball));
    in.integrity = "sha512-" + crypto::base64_encode(sha512);
    if (!attachment.sigstore.empty()) {
        in.provenance = services::check_provenance(attachment.sigstore, url_name.str(), version,
                                                   crypto::to_hex(sha512));
        services::check_repository(*in.provenance, in.manifest);
    }
    if (const auto* dist = member(manifest, "dist")) {
        const auto* shasum = member(*dist, "shasum");
        if (shasum && (!shasum->IsString() || sv(*shasum) != in.shasum)) {
            throw bad_request("dist.shasum does not match the tarball");
        }
        const auto* integrity = member(*dist, "integrity");
        if (integrity && (!integrity->IsString() || sv(*integrity) != in.integrity)) {
            throw bad_request("dist.integrity does not match the tarball");
        }
    }
    if (const auto* d = member(manifest, "description"); d && d->IsString())
        in.description = std::string{sv(*d)};
    in.keywords = joined_keywords(manifest);
    // npm puts the readme in the version; yarn at the top level (protocol §23).
    for (const auto* holder :
         {&static_cast<const Value&>(manifest), &static_cast<const Value&>(doc)}) {
        const auto* r = member(*holder, "readme");
        if (in.readme.empty() && r && r->IsString() && sv(*r) != "ERROR: No README data found!") {
            in.readme = std::string{sv(*r)};
        }
    }
    return in;
}

}  // namespace depot::api
