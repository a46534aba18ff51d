#include "services/publish.hpp"

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "services/access.hpp"
#include "services/documents.hpp"
#include "services/gates.hpp"
#include "services/manifest_rules.hpp"
#include "services/readme.hpp"
#include "services/scopes.hpp"
#include "services/signing.hpp"
#include "services/tarball_contents.hpp"
#include "services/trusted_publishing.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/staged_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/upload_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

// Content-addressed: two racing publishes of one version with different bytes
// never write the same file, and the loser can delete its own.
std::string tarball_key(const PublishInput& in) {
    const auto digest = crypto::to_hex(crypto::sha512(in.tarball)).substr(0, 16);
    return in.name.str() + "/" + std::string{in.name.bare()} + "-" + in.version + "-" + digest +
           ".tgz";
}

std::string change_detail(const PublishInput& in) {
    render::JsonWriter w;
    w.begin_object()
        .field("version", in.version)
        .field("tag", in.tag)
        .field("integrity", in.integrity)
        .end_object();
    return w.str();
}

using render::member;

bool has_install_script(const rapidjson::Value& manifest) {
    const auto* scripts = member(manifest, "scripts");
    if (!scripts || !scripts->IsObject()) return false;
    for (const char* s : {"preinstall", "install", "postinstall"}) {
        if (member(*scripts, s)) return true;
    }
    return false;
}

// SPEC §5: what is served is what was published. The tarball is read under
// the config's budget, and the manifest npm sent must agree with what npm
// itself derives from the tarball's package.json (review M4).
void check_against_tarball(const Config& config, const PublishInput& in) {
    const auto contents = read_tarball(config, in.tarball);
    rapidjson::Document pkg;
    if (!render::parse_json(pkg, contents.package_json) || !pkg.IsObject()) {
        throw bad_request("package/package.json in the tarball is not a JSON object");
    }
    if (render::has_duplicate_keys(pkg)) {
        throw bad_request("package/package.json in the tarball repeats a key");
    }
    rapidjson::Document derived;
    derive_install_fields(pkg, contents.files, derived);
    rapidjson::Document sent;
    if (!render::parse_json(sent, in.manifest)) throw std::logic_error("manifest is not JSON");
    if (const auto mismatch = install_mismatch(sent, derived); !mismatch.empty()) {
        throw bad_request("the published manifest does not match the tarball: " + mismatch);
    }
}

// npm's registry cuts READMEs at 64 KB; the HTML is rendered once, here, in a
// child process under readme_render_ms (review H3).
void prepare_readme(const Config& config, PublishInput& in) {
    in.readme = truncate_readme(in.readme, config.readme_max_bytes);
    in.readme_html = render_readme(config, in.readme);
}

// Inside the transaction: the package row, locked.
storage::PackageRow lock_or_create(storage::Db& db, const Config& config, const Principal& who,
                                   const PublishInput& in, bool& created) {
    storage::PackageRepo packages{db};
    created = false;
    if (auto p = packages.find(in.name.str(), true)) return *p;
    if (who.one_package()) throw forbidden("this token cannot make packages");
    // A new name in a scope needs membership of the scope (review M6).
    if (in.name.scoped()) require_scope_member(db, who, in.name);
    // As on npm's registry: scoped packages are restricted unless published
    // with --access public; unscoped ones are public.
    const std::string access = !in.access.empty() ? in.access
                               : in.name.scoped() ? "restricted"
                                                  : "public";
    if (packages.insert(in.name.str(), std::string{in.name.scope()}, access)) {
        created = true;
        // Whatever an uplink had under this name goes (issue 11: never merged).
        forget_upstream(config, db, in.name.str());
        auto p = *packages.find(in.name.str(), true);
        packages.add_owner(p.id, who.user_id);
        return p;
    }
    // Another publish created it between our find and insert: take its row.
    return *packages.find(in.name.str(), true);
}

PublishOutcome record(storage::Db& db, const storage::TarballStore* store, const Config& config,
                      const Principal& who, const PublishInput& in, const std::string& key,
                      std::uint64_t upload, bool& committing) {
    // Every way a version comes to exist passes here: no build metadata, ever
    // (review M7: "1.0.0+x" would install as an unpublished 1.0.0).
    (void)model::parse_publish_version(in.version);
    // A first publish of a name an uplink has would shadow it (issue 11).
    refuse_shadowing(config, db, in.name);
    const Documents docs{config};
    Documents::Write doc{docs, in.name.str()};  // before the transaction (services/documents)
    storage::Transaction tx{db};
    bool created = false;
    const auto pkg = lock_or_create(db, config, who, in, created);
    storage::PackageRepo packages{db};
    if (!created && !can_read(db, who, pkg.id, pkg.access))
        throw not_found("package \"" + in.name.str() + "\" not found");
    require_covers(who, in.name.str());  // a granular token's packages (issue 12)
    // A staged version holds its number, and a package may take token
    // publishes only staged; every way a version comes passes here (issue 12).
    if (!created && !in.approving_stage) {
        storage::StagedRepo staged{db};
        if (const auto s = staged.find_version(pkg.id, in.version)) {
            throw conflict("version " + in.version + " of \"" + in.name.str() + "\" is staged" +
                           (packages.is_owner(pkg.id, who.user_id) ? " (" + s->id + ")" : "") +
                           ": approve or reject it with npm stage");
        }
        if ((who.limits.granular || who.one_package()) && staged.requires_staging(pkg.id))
            throw forbidden("\"" + in.name.str() +
                            "\" takes publishes from tokens only as staged versions: npm stage "
                            "publish, then an owner approves");
    }
    // Trusted publishing (issue 13): the token's trust config must stand and
    // allow publishing; the version says who published it.
    TrustedPublisher trusted;
    if (who.token_kind == "oidc") {
        trusted = require_trusted(config, db, who, pkg.id, kCreatePackage);
        // Provenance from CI must name the repository the package trusts.
        if (in.provenance && !trusted.source_repo.empty() &&
            !same_repository(in.provenance->source_repo, trusted.source_repo))
            throw bad_request("the provenance names " + in.provenance->source_repo +
                              ", not the trusted publisher's " + trusted.source_repo);
    }
    // npm access set mfa=publish|automation: a code to publish, whatever the
    // account's own 2FA mode; automation tokens (bypass_2fa) only when allowed;
    // trusted publishing always (the CI identity is the second factor).
    if (!created && who.token_kind != "oidc") {
        const auto mfa = packages.mfa_policy(pkg.id);
        const bool automation = who.limits.granular && who.limits.bypass_2fa;
        if (mfa.publish_requires_tfa && !(automation && mfa.automation_token_overrides_tfa)) {
            const auto how =
                "publish interactively with a one-time password, or from CI with "
                "trusted publishing (npm trust)";
            if (automation)
                throw forbidden("\"" + in.name.str() +
                                "\" requires two-factor authentication and disallows tokens "
                                "that bypass it: " +
                                how);
            if (who.tfa_mode.empty())
                throw forbidden("\"" + in.name.str() +
                                "\" requires two-factor authentication to publish: enable it "
                                "with npm profile enable-2fa and " +
                                how);
            if (!who.otp_ok) throw otp_required(who.otp_given);
        }
    }
    if (who.one_package() && who.package_id != pkg.id) {
        throw forbidden("this project token belongs to another package");
    }
    if (!created && who.token_kind != "oidc" && !packages.is_owner(pkg.id, who.user_id)) {
        throw forbidden("You do not have permission to publish \"" + in.name.str() +
                        "\": you are not one of its owners");
    }
    if (!pkg.unpublished.empty())
        packages.save_unpublished(pkg.id, false);  // a fresh start; tombstones stay
    storage::VersionRepo versions{db};
    if (const auto existing = versions.find(pkg.id, in.version)) {
        // npm retries a publish PUT after a 5xx that may have committed: the
        // same bytes again is a success (protocol §1.8); other bytes never are.
        if (existing->unpublished_at.empty() && existing->integrity == in.integrity) {
            return PublishOutcome::AlreadyPublished;
        }
        throw conflict("You cannot publish over the previously published version " + in.version +
                       (existing->unpublished_at.empty()
                            ? "."
                            : " (it was unpublished and cannot come back)."));
    }
    storage::NewVersion nv;
    nv.package_id = pkg.id;
    nv.version = in.version;
    nv.manifest = in.manifest;
    nv.shasum = in.shasum;
    nv.integrity = in.integrity;
    nv.size = in.tarball_url.empty() ? in.tarball.size() : in.tarball_size;
    nv.tarball_key = key;
    nv.published_by = who.user_id;
    nv.readme = in.readme;
    nv.readme_html = in.readme_html;
    nv.tarball_url = in.tarball_url;
    nv.trusted_publisher = trusted.type;
    nv.oidc_config_id = trusted.config_id;
    const auto version_id = versions.insert(nv);
    if (!version_id) throw conflict("version " + in.version + " was published concurrently");
    Signing{config, db}.sign_version(*version_id, in.name.str(), in.version, in.integrity);
    if (in.provenance) save_provenance(db, *version_id, *in.provenance);

    storage::TagRepo tags{db};
    if (!in.tag.empty()) tags.save(pkg.id, in.tag, *version_id);
    bool has_latest = in.tag == "latest";
    for (const auto& t : tags.list(pkg.id)) has_latest = has_latest || t.tag == "latest";
    // npm's unpublish and installs assume dist-tags.latest exists (protocol §12.3).
    if (!has_latest) tags.save(pkg.id, "latest", *version_id);

    if (in.tag == "latest" || !has_latest) {
        packages.save_meta(pkg.id,
                           {in.description, in.keywords, in.readme, search_words(in.name.str())});
    } else {
        packages.bump(pkg.id);
    }
    storage::ChangeRepo{db}.append(
        {pkg.id, in.name.str(), "publish", who.user_id, who.name, change_detail(in)});
    doc.prepare(db, DocChange::Appended, in.version);
    // The file this version names is there as it commits: a sweep of a dead
    // publish's leftovers with the same bytes may have taken it since put().
    if (store != nullptr && !store->exists(key))
        throw HttpError(503,
                        "the tarball was removed while publishing; nothing was changed, "
                        "publish again");
    if (upload != 0) storage::UploadRepo{db}.finish(upload);  // the file is the version's now
    committing = true;
    tx.commit();
    doc.publish();
    return PublishOutcome::Created;
}

// After our transaction failed, whether an identical publish (same
// content-addressed key) committed or is committing a version that uses the
// file we created. The locking read waits for that other transaction.
bool claimed_by_another_publish(storage::Db& db, const PublishInput& in, const std::string& key) {
    try {
        storage::Transaction tx{db};
        const auto p = storage::PackageRepo{db}.find(in.name.str(), true);
        if (!p) return false;
        const auto v = storage::VersionRepo{db}.find(p->id, in.version);
        return v && v->unpublished_at.empty() && v->tarball_key == key;
    } catch (...) {
        // The database is unreachable, for the other publish too: no commit
        // can be using the file we created.
        return false;
    }
}

}  // namespace

std::string search_words(const std::string& name) {
    std::string words;
    std::string cur;
    for (const char c : name + " ") {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            cur.push_back(c);
        } else if (!cur.empty()) {
            words += cur + " ";
            cur.clear();
        }
    }
    const auto slash = name.find('/');
    return words + (slash == std::string::npos ? name : name.substr(slash + 1));
}

storage::PackageRow create_for_stage(storage::Db& db, const Config& config, const Principal& who,
                                     const PublishInput& in) {
    refuse_shadowing(config, db, in.name);  // as a first publish (issue 11)
    const Documents docs{config};
    Documents::Write doc{docs, in.name.str()};
    storage::Transaction tx{db};
    bool created = false;
    const auto pkg = lock_or_create(db, config, who, in, created);
    if (created) {
        storage::ChangeRepo{db}.append(
            {pkg.id, in.name.str(), "create", who.user_id, who.name, "{}"});
        doc.prepare(db, DocChange::Meta);
    }
    tx.commit();
    doc.publish();
    return pkg;
}

void check_publish_input(const Config& config, Gates& gates, const PublishInput& in) {
    const auto pass = gates.uploads.enter(
        "the registry is reading many published tarballs at once; retry shortly",
        std::chrono::seconds(5));
    check_against_tarball(config, in);
}

PublishOutcome publish(storage::Db& db, storage::TarballStore& store, const Config& config,
                       Gates& gates, const Principal& who, PublishInput in) {
    require_write(who);
    {
        // Reading a tarball and rendering a README cost seconds of CPU at
        // most: only half the workers may be doing it (review of issue 8).
        // A publish waits a little for a slot: most take milliseconds.
        const auto pass = gates.uploads.enter(
            "the registry is reading many published tarballs at once; retry shortly",
            std::chrono::seconds(5));
        check_against_tarball(config, in);
        prepare_readme(config, in);
    }
    const auto key = tarball_key(in);
    // Recorded before the file exists: a worker killed from here to the
    // commit leaves a row that names the file, and the sweep removes it.
    storage::UploadRepo uploads{db};
    const auto upload = uploads.begin(key);
    const auto forget = [&]() noexcept {
        try {
            uploads.finish(upload);
        } catch (...) {
            // The database is gone: the sweep finishes it.
        }
    };
    bool created = false;
    try {
        created = store.put(key, in.tarball);
    } catch (const HttpError&) {  // a full or read-only store (storage/io_error)
        forget();
        throw;
    } catch (const std::exception&) {
        forget();
        throw HttpError(503, "the tarball could not be stored; try again later");
    }
    bool committing = false;
    try {
        const auto outcome = record(db, &store, config, who, in, key, upload, committing);
        if (outcome == PublishOutcome::AlreadyPublished) forget();
        return outcome;
    } catch (...) {
        bool kept = false;  // a file of ours that stays: the sweep needs its row
        if (created && !committing && !claimed_by_another_publish(db, in, key))
            kept = !store.remove(key);
        if (!committing && !kept) forget();
        throw;
    }
}

PublishOutcome publish_pointer(storage::Db& db, const Config& config, const Principal& who,
                               PublishInput in) {
    require_write(who);
    prepare_readme(config, in);
    bool committing = false;
    return record(db, nullptr, config, who, in, std::string{}, 0, committing);
}

std::string manifest_from_tarball(const Config& config, std::string_view tarball,
                                  const model::PackageName& name, std::string_view version) {
    const auto contents = read_tarball(config, tarball, "the linked tarball");
    rapidjson::Document pkg;
    if (!render::parse_json(pkg, contents.package_json) || !pkg.IsObject() ||
        render::has_duplicate_keys(pkg)) {
        throw bad_request(
            "package/package.json in the linked tarball is not a JSON object with unique keys");
    }
    rapidjson::Document derived;
    derive_install_fields(pkg, contents.files, derived);
    if (render::string_member(derived, "name") != name.str()) {
        throw bad_request("the linked tarball is another package, not " + name.str());
    }
    if (render::string_member(derived, "version") != version) {
        throw bad_request("the linked tarball is another version, not " + std::string{version});
    }
    // The package.json as npm would have published it: install-relevant
    // fields from the derivation, the rest as written, server keys dropped.
    render::JsonWriter w;
    w.begin_object();
    for (auto it = pkg.MemberBegin(); it != pkg.MemberEnd(); ++it) {
        const std::string_view key{it->name.GetString(), it->name.GetStringLength()};
        if (key == "readme" || key.starts_with("_") || key == "dist" || key == "hasInstallScript" ||
            key == "bundledDependencies" || key == "deprecated" || key == "maintainers") {
            continue;
        }
        // Scripts merge both: the install hooks from the derivation (which
        // has "scripts" whenever the package has one), the others as written.
        if (key == "scripts" && it->value.IsObject()) {
            w.key(key).begin_object();
            for (auto s = it->value.MemberBegin(); s != it->value.MemberEnd(); ++s) {
                const std::string_view hook{s->name.GetString(), s->name.GetStringLength()};
                if (hook != "preinstall" && hook != "install" && hook != "postinstall" &&
                    s->value.IsString()) {
                    w.key(hook).value(s->value);
                }
            }
            if (const auto* d = member(derived, "scripts")) {
                for (auto s = d->MemberBegin(); s != d->MemberEnd(); ++s) {
                    w.key({s->name.GetString(), s->name.GetStringLength()}).value(s->value);
                }
            }
            w.end_object();
            continue;
        }
        if (derived.HasMember(it->name)) continue;
        w.key(key).value(it->value);
    }
    for (auto it = derived.MemberBegin(); it != derived.MemberEnd(); ++it) {
        const std::string_view key{it->name.GetString(), it->name.GetStringLength()};
        if (key == "scripts" && pkg.HasMember("scripts")) continue;  // written above
        w.key(key).value(it->value);
    }
    if (has_install_script(derived)) w.key("hasInstallScript").boolean(true);
    w.end_object();
    return w.str();
}

}  // namespace depot::services
