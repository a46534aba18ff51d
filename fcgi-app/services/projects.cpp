#include "services/projects.hpp"

#include "config.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "render/json.hpp"
#include "services/access.hpp"
#include "services/package_write.hpp"
#include "services/scopes.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

// A project token never has more than the credential that minted it: a
// CIDR-limited or expiring user token makes a limited one (review M1).
// Project tokens expire like granular ones (issue 12): rotating one renews it.
Minted mint_project_token(storage::Db& db, const Config& config, const Principal& who,
                          std::uint64_t package_id) {
    auto spec = user_token(who.user_id, "project");
    spec.kind = "project";
    spec.package_id = package_id;
    spec.expires_in_seconds = config.token_max_days * 86400;
    inherit_limits(spec, who);
    return mint_token(db, spec);
}

std::string one_field(std::string_view key, std::string_view value) {
    render::JsonWriter w;
    w.begin_object().field(key, value).end_object();
    return w.str();
}

}  // namespace

Minted create_project(storage::Db& db, const Config& config, const Principal& who,
                      const model::PackageName& name) {
    require_write(who);
    require_covers(who, name.str());
    if (who.one_package())
        throw forbidden("a project token cannot create projects; use a user token");
    refuse_shadowing(config, db, name);  // issue 11: an uplink's name is not taken here
    const Documents docs{config};
    Documents::Write doc{docs, name.str()};
    storage::Transaction tx{db};
    storage::PackageRepo packages{db};
    if (const auto existing = packages.find(name.str())) {
        // A restricted name answers as if absent (review L1), before any conflict.
        if (!can_read(db, who, existing->id, existing->access))
            throw not_found("package \"" + name.str() + "\" not found");
        throw conflict("the project \"" + name.str() + "\" exists already");
    }
    if (name.scoped()) require_scope_member(db, who, name);
    // As npm publish does: scoped packages start restricted (review M5).
    const auto id = packages.insert(name.str(), std::string{name.scope()},
                                    name.scoped() ? "restricted" : "public");
    if (!id) throw conflict("the project \"" + name.str() + "\" exists already");
    packages.add_owner(*id, who.user_id);
    forget_upstream(config, db, name.str());  // issue 11: never merged with an uplink's
    storage::ChangeRepo{db}.append({*id, name.str(), "create", who.user_id, who.name, "{}"});
    auto minted = mint_project_token(db, config, who, *id);
    doc.prepare(db, DocChange::Meta);
    tx.commit();
    doc.publish();
    return minted;
}

Minted rotate_project_token(storage::Db& db, const Config& config, const Principal& who,
                            const model::PackageName& name) {
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    storage::TokenRepo{db}.revoke_for_package(w.pkg().id, "project");
    auto minted = mint_project_token(db, config, who, w.pkg().id);
    w.commit("rotate", "{}");
    return minted;
}

void set_nightly(storage::Db& db, const Config& config, const Principal& who,
                 const model::PackageName& name, const std::string& url) {
    if (url.size() > 2048 || !(url.starts_with("https://") || url.starts_with("http://")) ||
        url.find_first_of(" \t\r\n\"<>") != std::string::npos) {
        throw bad_request("the nightly link must be an http(s) URL");
    }
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    storage::PackageRepo{db}.save_nightly(w.pkg().id, url);
    w.commit("nightly", one_field("url", url));
}

void change_owner(storage::Db& db, const Config& config, const Principal& who,
                  const model::PackageName& name, std::string_view user, bool add) {
    PackageWrite w{db, config, who, name};
    w.require_owner();
    // By npm name only: adding an address would publish it in the owner list
    // without its holder's consent, and probe which addresses have accounts (review I1).
    if (!model::valid_user_name(user)) throw bad_request("give the owner's npm user name");
    storage::UserRepo users{db};
    auto target = users.find_by_name(user);
    if (!target) throw bad_request("there is no user \"" + std::string{user} + "\"");
    storage::PackageRepo packages{db};
    const bool owner = packages.is_owner(w.pkg().id, target->id);
    if (add == owner) return;
    if (add) {
        packages.add_owner(w.pkg().id, target->id);
    } else {
        if (packages.list_owners(w.pkg().id).size() <= 1)
            throw bad_request("a package must keep at least one owner");
        packages.remove_owner(w.pkg().id, target->id);
        // Its project tokens of this package go with it (review of issue 8).
        (void)storage::TokenRepo{db}.revoke_projects_of(target->id, w.pkg().id);
    }
    w.commit("owner", one_field(add ? "added" : "removed", target->name));
}

void deprecate_version(storage::Db& db, const Config& config, const Principal& who,
                       const model::PackageName& name, const std::string& version,
                       const std::string& message) {
    if (message.size() > 1024)
        throw bad_request("the deprecation message is longer than 1024 characters");
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    storage::VersionRepo versions{db};
    const auto v = versions.find(w.pkg().id, version);
    if (!v || !v->unpublished_at.empty())
        throw not_found("version " + version + " of \"" + name.str() + "\" not found");
    if (v->deprecated == message) return;
    versions.save_deprecated(v->id, message);
    w.commit("deprecate", one_field(version, message));
}

}  // namespace depot::services
