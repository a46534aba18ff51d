#include "services/projects.hpp"

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "render/json.hpp"
#include "services/package_write.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

Minted mint_project_token(storage::Db& db, std::uint64_t user_id, std::uint64_t package_id) {
    auto spec = user_token(user_id, "project");
    spec.kind = "project";
    spec.package_id = package_id;
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
    if (who.token_kind == "project")
        throw forbidden("a project token cannot create projects; use a user token");
    storage::Transaction tx{db};
    storage::PackageRepo packages{db};
    const auto id = packages.insert(name.str(), std::string{name.scope()}, "public");
    if (!id) throw conflict("the project \"" + name.str() + "\" exists already");
    packages.add_owner(*id, who.user_id);
    storage::ChangeRepo{db}.append({*id, name.str(), "create", who.user_id, who.name, "{}"});
    rebuild_packument(db, config, *id, name.str().c_str());
    auto minted = mint_project_token(db, who.user_id, *id);
    tx.commit();
    return minted;
}

Minted rotate_project_token(storage::Db& db, const Config& config, const Principal& who,
                            const model::PackageName& name) {
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    storage::TokenRepo{db}.revoke_for_package(w.pkg().id, "project");
    auto minted = mint_project_token(db, who.user_id, w.pkg().id);
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
    storage::UserRepo users{db};
    auto target = user.find('@') != std::string_view::npos ? users.find_by_email(user)
                                                           : users.find_by_name(user);
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
    }
    w.commit("owner", one_field(add ? "added" : "removed",
                                target->name.empty() ? target->email : target->name));
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

void set_npm_login(storage::Db& db, const Config& config, const Principal& who,
                   const std::string& npm_name, const std::string& password) {
    require_write(who);
    if (who.token_kind != "user") throw forbidden("setting an npm login needs a user token");
    model::check_password(password);
    storage::UserRepo users{db};
    const auto me = users.find_by_id(who.user_id);
    if (!me) throw not_found("no such account");
    storage::Transaction tx{db};
    if (me->name.empty()) {
        const auto name = model::parse_user_name(npm_name);
        if (!users.save_name(me->id, name))
            throw conflict("the npm name \"" + name + "\" is taken");
    } else if (!npm_name.empty() && npm_name != me->name) {
        throw bad_request("this account's npm name is " + me->name + " already");
    }
    users.save_profile(me->id, me->email,
                       crypto::hash_password(password, config.password_iterations));
    tx.commit();
}

}  // namespace depot::services
