#include "services/projects.hpp"

#include "config.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/package_write.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/token_repo.hpp"

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

}  // namespace depot::services
