#include "services/trusted_publishing.hpp"

#include <chrono>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/access.hpp"
#include "services/oidc.hpp"
#include "services/tokens.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/trust_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

using rapidjson::Value;

std::string_view text(const Value& obj, const char* key) { return render::string_member(obj, key); }

const Value* object_member(const Value& obj, const char* key) {
    const auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

bool plain(std::string_view s, std::string_view extra) {
    if (s.empty() || s.size() > 512) return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                        extra.find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

bool workflow_file(std::string_view f) {
    return plain(f, "") && (f.ends_with(".yml") || f.ends_with(".yaml"));
}

bool equal_ci(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// The package, for its owners (user credentials only).
storage::PackageRow owned(storage::Db& db, const Principal& who, const model::PackageName& name) {
    if (who.one_package() || who.user_id == 0)
        throw forbidden("trust configs are for the package's owners, with their own token");
    require_covers(who, name.str());
    const auto pkg = storage::PackageRepo{db}.find(name.str());
    if (!pkg || !pkg->unpublished.empty() || !can_read(db, who, pkg->id, pkg->access))
        throw not_found("package \"" + name.str() + "\" not found");
    if (!storage::PackageRepo{db}.is_owner(pkg->id, who.user_id))
        throw forbidden("only an owner of \"" + name.str() + "\" may change who publishes it");
    return *pkg;
}

// Changes to who may publish guard the package: a code, never an automation bypass.
void require_trust_write(const Principal& who) {
    require_write(who);
    if (who.limits.granular && who.limits.bypass_2fa)
        throw forbidden("a token that bypasses two-factor authentication cannot change trust");
    require_strict_otp(who);
}

void write_config(render::JsonWriter& w, const storage::TrustRow& t) {
    rapidjson::Document claims;
    (void)render::parse_json(claims, t.claims);
    w.begin_object().field("id", t.id).field("type", t.type).key("claims").value(claims);
    w.key("permissions").begin_array();
    std::size_t start = 0;
    while (start < t.permissions.size()) {
        auto sp = t.permissions.find(' ', start);
        if (sp == std::string::npos) sp = t.permissions.size();
        if (sp > start) w.string(std::string_view{t.permissions}.substr(start, sp - start));
        start = sp + 1;
    }
    w.end_array().end_object();
}

// The claims a config may hold, per type; 400 for anything else.
std::string checked_claims(const Config& config, const std::string& type, const Value& claims) {
    render::JsonWriter w;
    w.begin_object();
    const auto environment = [&] {
        if (const auto it = claims.FindMember("environment"); it != claims.MemberEnd()) {
            if (!it->value.IsString() || !plain(text(claims, "environment"), " "))
                throw bad_request("claims.environment must be an environment's name");
            w.field("environment", text(claims, "environment"));
        }
    };
    if (type == "github") {
        const auto repo = text(claims, "repository");
        if (!plain(repo, "/") || std::count(repo.begin(), repo.end(), '/') != 1)
            throw bad_request("claims.repository must be owner/repository");
        const auto* wf = object_member(claims, "workflow_ref");
        if (!wf || !workflow_file(text(*wf, "file")))
            throw bad_request("claims.workflow_ref.file must be a workflow file name (.yml)");
        w.field("repository", repo).key("workflow_ref").begin_object();
        w.field("file", text(*wf, "file")).end_object();
        environment();
    } else if (type == "gitlab") {
        const auto project = text(claims, "project_path");
        if (!plain(project, "/") || project.find('/') == std::string_view::npos)
            throw bad_request("claims.project_path must be group/project");
        const auto* ci = object_member(claims, "ci_config_ref_uri");
        if (!ci || !workflow_file(text(*ci, "file")))
            throw bad_request("claims.ci_config_ref_uri.file must be a CI file name (.yml)");
        w.field("project_path", project).key("ci_config_ref_uri").begin_object();
        w.field("file", text(*ci, "file")).end_object();
        environment();
    } else {
        // Another issuer from the config: its claims, each a string to match
        // exactly, and at least one that names who (sub…), not only where.
        if (claims.MemberCount() == 0 || claims.MemberCount() > 16)
            throw bad_request("claims must name 1 to 16 claims to match");
        bool identity = false;
        for (auto it = claims.MemberBegin(); it != claims.MemberEnd(); ++it) {
            const std::string_view key{it->name.GetString(), it->name.GetStringLength()};
            if (!plain(key, "") || !it->value.IsString() || it->value.GetStringLength() == 0 ||
                it->value.GetStringLength() > 512)
                throw bad_request("each claim must be a non-empty string to match exactly");
            if (key == "iss" || key == "aud" || key == "jti" || key == "exp" || key == "iat" ||
                key == "nbf")
                throw bad_request("claims may not name " + std::string{key} +
                                  ": it does not say who");
            identity = identity || key == "sub" || key == "repository" || key == "repository_id" ||
                       key == "project_path" || key == "project_id";
            w.key(key).value(it->value);
        }
        if (!identity)
            throw bad_request(
                "claims must name the identity: sub, repository, repository_id, project_path or "
                "project_id");
    }
    (void)config;
    w.end_object();
    return w.str();
}

// "owner/repo/.github/workflows/x.yml@refs/heads/main" → "owner/repo/.github/workflows/x.yml".
std::string_view before_at(std::string_view ref) { return ref.substr(0, ref.find('@')); }

// Whether the verified claims are the identity the config names.
bool claims_match(const Config& config, const storage::TrustRow& t, const Value& jwt) {
    rapidjson::Document want;
    if (!render::parse_json(want, t.claims) || !want.IsObject()) return false;
    if (const auto env = text(want, "environment"); !env.empty() && text(jwt, "environment") != env)
        return false;
    if (t.type == "github") {
        const auto repo = text(want, "repository");
        const auto* wf = object_member(want, "workflow_ref");
        return wf && equal_ci(text(jwt, "repository"), repo) &&
               equal_ci(before_at(text(jwt, "workflow_ref")),
                        std::string{repo} + "/.github/workflows/" + std::string{text(*wf, "file")});
    }
    if (t.type == "gitlab") {
        const auto project = text(want, "project_path");
        const auto* ci = object_member(want, "ci_config_ref_uri");
        // This very project's pipeline file, on the issuer's host:
        // "gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main".
        const auto* issuer = config.find_issuer(t.type);
        if (!ci || !issuer) return false;
        auto host = issuer->issuer.substr(8);  // after "https://"
        host = host.substr(0, host.find('/'));
        return text(jwt, "project_path") == project &&
               before_at(text(jwt, "ci_config_ref_uri")) ==
                   host + "/" + std::string{project} + "//" + std::string{text(*ci, "file")};
    }
    // Another issuer: every claim of the config, present in the token and equal.
    for (auto it = want.MemberBegin(); it != want.MemberEnd(); ++it) {
        const std::string key{it->name.GetString(), it->name.GetStringLength()};
        const auto have = text(jwt, key.c_str());
        if (have.empty() || have != text(want, key.c_str())) return false;
    }
    return true;
}

std::string identity_name(const storage::TrustRow& t, const Value& jwt) {
    auto who = t.type == "github"   ? text(jwt, "repository")
               : t.type == "gitlab" ? text(jwt, "project_path")
                                    : text(jwt, "sub");
    return t.type + ":" + std::string{who.substr(0, 200)};
}

}  // namespace

std::string list_trust(storage::Db& db, const Principal& who, const model::PackageName& name) {
    const auto pkg = owned(db, who, name);
    render::JsonWriter w;
    w.begin_array();
    if (const auto t = storage::TrustRepo{db}.of_package(pkg.id)) write_config(w, *t);
    w.end_array();
    return w.str();
}

std::string add_trust(storage::Db& db, const Config& config, const Principal& who,
                      const model::PackageName& name, std::string_view body) {
    require_trust_write(who);
    rapidjson::Document doc;
    if (!render::parse_json(doc, body) || render::has_duplicate_keys(doc))
        throw bad_request("the body must be JSON with unique keys");
    const Value* one = &doc;
    if (doc.IsArray()) {
        if (doc.Size() != 1) throw bad_request("a package has one trusted publisher: send one");
        one = &doc[0];
    }
    if (!one->IsObject())
        throw bad_request("a trust config is an object {type, claims, permissions}");
    const std::string type{text(*one, "type")};
    if (type.empty() || !config.find_issuer(type))
        throw bad_request("type must be a trusted issuer of this registry (github, gitlab…)");
    const auto* claims = object_member(*one, "claims");
    if (!claims) throw bad_request("claims must be an object");
    std::string permissions;
    const auto perms = one->FindMember("permissions");
    if (perms == one->MemberEnd() || !perms->value.IsArray() || perms->value.Empty())
        throw bad_request("permissions must list createPackage and/or createStagedPackage");
    for (const auto& p : perms->value.GetArray()) {
        const std::string_view s = p.IsString()
                                       ? std::string_view{p.GetString(), p.GetStringLength()}
                                       : std::string_view{};
        if (s != kCreatePackage && s != kCreateStagedPackage)
            throw bad_request("unknown permission; use createPackage or createStagedPackage");
        if (permissions.find(s) == std::string::npos)
            permissions += (permissions.empty() ? "" : " ") + std::string{s};
    }
    storage::TrustRow row;
    row.id = crypto::random_uuid();
    row.type = type;
    row.claims = checked_claims(config, type, *claims);
    row.permissions = permissions;
    storage::Transaction tx{db};
    const auto pkg = owned(db, who, name);
    row.package_id = pkg.id;
    storage::TrustRepo trust{db};
    if (trust.of_package(pkg.id, true) || !trust.insert(row, who.user_id))
        throw conflict("\"" + name.str() +
                       "\" has a trusted publisher already: npm trust revoke it first");
    render::JsonWriter detail;
    detail.begin_object().field("id", row.id).field("type", row.type).end_object();
    storage::ChangeRepo{db}.append(
        {pkg.id, name.str(), "trust", who.user_id, who.name, detail.str()});
    tx.commit();
    render::JsonWriter w;
    write_config(w, row);
    return w.str();
}

void revoke_trust(storage::Db& db, const Principal& who, const model::PackageName& name,
                  const std::string& id) {
    require_trust_write(who);
    storage::Transaction tx{db};
    const auto pkg = owned(db, who, name);
    if (!storage::TrustRepo{db}.remove(pkg.id, id))
        throw not_found("\"" + name.str() + "\" has no trust config " + id);
    // Tokens it minted stop at once (they check their config on every use).
    render::JsonWriter detail;
    detail.begin_object().field("id", id).end_object();
    storage::ChangeRepo{db}.append(
        {pkg.id, name.str(), "untrust", who.user_id, who.name, detail.str()});
    tx.commit();
}

std::string exchange_token(storage::Db& db, const Config& config, const model::PackageName& name,
                           std::string_view jwt) {
    // The token first: a stranger learns nothing about which packages exist.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto id = verify_id_token(config, jwt, npm_audience(config), now);
    if (id.jti.empty())
        throw unauthorized("the OIDC token was refused: it has no jti (it could be replayed)",
                           "Bearer");
    // Each ID token is tried once, whatever comes of it: one token cannot
    // probe many names, and a copied one mints nothing.
    if (!storage::TrustRepo{db}.use_jti(
            crypto::to_hex(crypto::sha256(id.issuer->issuer + "\n" + id.jti)), id.expires))
        throw unauthorized("the OIDC token was refused: it was exchanged already", "Bearer");
    // One answer for every mismatch, a missing or restricted package too:
    // any CI user can get a valid token, and must learn nothing from it.
    const auto pkg = storage::PackageRepo{db}.find(name.str());
    const auto trust =
        pkg && pkg->unpublished.empty() ? storage::TrustRepo{db}.of_package(pkg->id) : std::nullopt;
    rapidjson::Document claims;
    (void)render::parse_json(claims, id.claims);
    if (!trust || id.issuer->name != trust->type || !claims_match(config, *trust, claims))
        throw unauthorized("the OIDC token was refused: \"" + name.str() +
                               "\" does not trust this CI identity (its issuer, repository, "
                               "workflow or environment); an owner sets it with npm trust",
                           "Bearer");
    storage::Transaction tx{db};
    TokenSpec spec;
    spec.kind = "oidc";
    spec.package_id = pkg->id;
    spec.name = identity_name(*trust, claims);
    spec.expires_in_seconds = config.oidc_token_minutes * 60;
    spec.limits.granular = true;
    spec.limits.packages = name.str();
    spec.limits.permission = "read-write";
    spec.limits.bypass_2fa = true;
    spec.limits.trust_config_id = trust->id;
    spec.limits.description = "trusted publishing";
    const auto minted = mint_token(db, spec);
    tx.commit();
    render::JsonWriter w;
    w.begin_object().field("token", minted.secret).end_object();
    return w.str();
}

TrustedPublisher require_trusted(const Config& config, storage::Db& db, const Principal& who,
                                 std::uint64_t package_id, std::string_view permission) {
    const auto t = storage::TrustRepo{db}.find(who.limits.trust_config_id);
    if (!t || t->package_id != package_id || who.package_id != package_id)
        throw forbidden("this trusted-publishing token's trust config was revoked");
    if (t->permissions.find(permission) == std::string::npos)
        throw forbidden(
            "the trust config does not allow " +
            std::string{permission == kCreatePackage ? "publishing" : "staged publishing"});
    TrustedPublisher out{t->type, "oidc:" + t->id, {}};
    rapidjson::Document claims;
    const auto* issuer = config.find_issuer(t->type);
    if (issuer && render::parse_json(claims, t->claims) && claims.IsObject()) {
        // The repositories' host: github.com for GitHub's own issuer, else
        // the issuer's (GitHub Enterprise, a self-managed GitLab).
        auto host = issuer->issuer.substr(8);
        host = host.substr(0, host.find('/'));
        if (host == "token.actions.githubusercontent.com") host = "github.com";
        if (t->type == "github") {
            out.source_repo = "https://" + host + "/" + std::string{text(claims, "repository")};
        } else if (t->type == "gitlab") {
            out.source_repo = "https://" + host + "/" + std::string{text(claims, "project_path")};
        }
    }
    return out;
}

}  // namespace depot::services
