#include "services/provenance.hpp"

#include <algorithm>
#include <cstring>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "storage/attestation_repo.hpp"

namespace depot::services {
namespace {

using rapidjson::Value;

using render::member;

const Value* path(const Value& v, std::initializer_list<std::string_view> keys) {
    const Value* at = &v;
    for (const auto k : keys) {
        at = member(*at, k);
        if (!at) return nullptr;
    }
    return at;
}

std::string text_at(const Value& v, std::initializer_list<std::string_view> keys,
                    std::size_t max = 1024) {
    const auto* at = path(v, keys);
    if (!at || !at->IsString() || at->GetStringLength() > max) return {};
    return {at->GetString(), at->GetStringLength()};
}

// "git+https://github.com/o/r@refs/heads/main" → "https://github.com/o/r".
// Shown as a link: https, and no userinfo ("https://github.com@evil.example/…").
std::string repo_url(std::string uri) {
    if (uri.starts_with("git+")) uri = uri.substr(4);
    if (const auto at = uri.rfind('@'); at != std::string::npos && at > 8) uri = uri.substr(0, at);
    if (!uri.starts_with("https://")) return {};
    const auto authority = uri.substr(8, uri.find('/', 8) - 8);
    return authority.find('@') == std::string::npos && !authority.empty() ? uri : std::string{};
}

// What the page shows: SLSA v1 (GitHub) or v0.2 (GitLab).
void summarize(const Value& statement, Provenance& p) {
    const auto* pred = member(statement, "predicate");
    if (!pred || !pred->IsObject()) return;
    if (const auto* deps = path(*pred, {"buildDefinition", "resolvedDependencies"});
        deps && deps->IsArray() && !deps->Empty()) {
        p.source_repo = repo_url(text_at((*deps)[0], {"uri"}));
        p.commit = text_at((*deps)[0], {"digest", "gitCommit"}, 64);
    }
    p.workflow = text_at(*pred, {"buildDefinition", "externalParameters", "workflow", "path"});
    p.build_url = text_at(*pred, {"runDetails", "metadata", "invocationId"}, 2048);
    if (p.source_repo.empty()) {
        p.source_repo = repo_url(text_at(*pred, {"invocation", "configSource", "uri"}));
        p.commit = text_at(*pred, {"invocation", "configSource", "digest", "sha1"}, 64);
        p.workflow = text_at(*pred, {"invocation", "configSource", "entryPoint"});
        p.build_url = text_at(*pred, {"metadata", "buildInvocationId"}, 2048);
    }
    // Shown as links: https without userinfo, on the source's host; the commit as hex.
    const auto host = [](const std::string& u) { return u.substr(0, u.find('/', 8)); };
    if (repo_url(p.build_url) != p.build_url || p.source_repo.empty() ||
        host(p.build_url) != host(p.source_repo))
        p.build_url.clear();
    if (p.commit.find_first_not_of("0123456789abcdef") != std::string::npos) p.commit.clear();
}

}  // namespace

std::string npm_purl(std::string_view name, std::string_view version) {
    std::string n{name};
    if (n.starts_with("@")) n = "%40" + n.substr(1);
    return "pkg:npm/" + n + "@" + std::string{version};
}

Provenance check_provenance(std::string_view bundle, std::string_view name,
                            std::string_view version, std::string_view tarball_sha512_hex) {
    if (bundle.size() > kMaxBundleBytes)
        throw bad_request("the provenance bundle is larger than 1 MiB");
    rapidjson::Document doc;
    if (!render::parse_json(doc, bundle) || !doc.IsObject() || render::has_duplicate_keys(doc))
        throw bad_request("the provenance bundle is not a JSON object with unique keys");
    if (!text_at(doc, {"mediaType"}).starts_with("application/vnd.dev.sigstore.bundle"))
        throw bad_request("the provenance attachment is not a Sigstore bundle (mediaType)");
    const auto payload_type = text_at(doc, {"dsseEnvelope", "payloadType"});
    const auto* payload = path(doc, {"dsseEnvelope", "payload"});
    const auto* sigs = path(doc, {"dsseEnvelope", "signatures"});
    if (payload_type != "application/vnd.in-toto+json" || !payload || !payload->IsString() ||
        !sigs || !sigs->IsArray() || sigs->Empty() || !member(doc, "verificationMaterial"))
        throw bad_request("the provenance bundle has no signed in-toto DSSE envelope");
    const auto decoded = crypto::base64_decode({payload->GetString(), payload->GetStringLength()});
    rapidjson::Document statement;
    if (!decoded || !render::parse_json(statement, *decoded) || !statement.IsObject() ||
        render::has_duplicate_keys(statement))
        throw bad_request("the provenance payload is not an in-toto statement");
    const auto* subject = member(statement, "subject");
    if (!subject || !subject->IsArray() || subject->Size() != 1)
        throw bad_request("the provenance statement must have exactly one subject");
    const auto purl = npm_purl(name, version);
    if (text_at((*subject)[0], {"name"}) != purl)
        throw bad_request("the provenance subject is not " + purl);
    if (text_at((*subject)[0], {"digest", "sha512"}) != tarball_sha512_hex)
        throw bad_request("the provenance subject's sha512 is not the published tarball's");
    Provenance p;
    p.predicate_type = text_at(statement, {"predicateType"}, 255);
    if (p.predicate_type.empty() || p.predicate_type.find_first_of("\"\\<> ") != std::string::npos)
        throw bad_request("the provenance statement has no predicateType");
    summarize(statement, p);
    render::JsonWriter w;
    w.begin_object().key("attestations").begin_array();
    w.begin_object().field("predicateType", p.predicate_type).key("bundle").value(doc);
    w.end_object().end_array().end_object();
    p.document = w.str();
    return p;
}

namespace {

// The forms npm accepts for a repository (hosted-git-info's), as
// "https://host/path": "git+https://…/r.git", "git+ssh://git@host/…",
// "git@host:o/r.git", "github:o/r", "o/r", with query and fragment gone.
std::string normalized_repository(std::string_view url) {
    std::string u{url};
    for (auto& ch : u) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    u = u.substr(0, u.find_first_of("#?"));
    if (u.starts_with("git+")) u = u.substr(4);
    if (u.starts_with("github:")) u = "https://github.com/" + u.substr(7);
    if (u.starts_with("gitlab:")) u = "https://gitlab.com/" + u.substr(7);
    if (const auto colon = u.find(':');
        u.starts_with("git@") && colon != std::string::npos && u.find("://") == std::string::npos)
        u = "https://" + u.substr(4, colon - 4) + "/" + u.substr(colon + 1);  // scp form
    for (const char* scheme : {"git://", "ssh://", "http://"}) {
        if (u.starts_with(scheme)) u = "https://" + u.substr(std::strlen(scheme));
    }
    if (u.find("://") == std::string::npos && std::count(u.begin(), u.end(), '/') == 1)
        u = "https://github.com/" + u;  // npm's "owner/repo" shorthand
    if (!u.starts_with("https://")) return {};
    // Only git@ may stand before the host: other userinfo is refused.
    auto authority = u.substr(8, u.find('/', 8) - 8);
    if (authority.starts_with("git@")) {
        u.erase(8, 4);
        authority = authority.substr(4);
    }
    if (authority.empty() || authority.find('@') != std::string::npos) return {};
    while (!u.empty() && u.back() == '/') u.pop_back();
    if (u.ends_with(".git")) u.resize(u.size() - 4);
    return u;
}

}  // namespace

bool same_repository(std::string_view a, std::string_view b) {
    const auto na = normalized_repository(a);
    return !na.empty() && na == normalized_repository(b);
}

void check_repository(const Provenance& p, std::string_view manifest) {
    if (p.source_repo.empty()) return;  // nothing the page would show
    rapidjson::Document m;
    std::string stated;
    if (render::parse_json(m, manifest) && m.IsObject()) {
        const auto it = m.FindMember("repository");
        if (it != m.MemberEnd() && it->value.IsString()) {
            stated = {it->value.GetString(), it->value.GetStringLength()};
        } else if (it != m.MemberEnd() && it->value.IsObject()) {
            stated = std::string{render::string_member(it->value, "url")};
        }
    }
    if (!same_repository(stated, p.source_repo))
        throw bad_request("package.json: \"repository.url\" is \"" + stated +
                          "\", expected to match \"" + p.source_repo + "\" from the provenance");
}

void save_provenance(storage::Db& db, std::uint64_t version_id, const Provenance& p) {
    storage::AttestationRepo{db}.insert({version_id, p.predicate_type, p.document, p.source_repo,
                                         p.workflow, p.commit, p.build_url});
}

std::string stored_attestations(storage::Db& db, std::uint64_t version_id) {
    return storage::AttestationRepo{db}.document(version_id);
}

}  // namespace depot::services
