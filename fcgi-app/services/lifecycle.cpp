#include "services/lifecycle.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "config.hpp"
#include "error.hpp"
#include "model/semver.hpp"
#include "render/packument.hpp"
#include "services/access.hpp"
#include "services/package_write.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/token_repo.hpp"
#include "storage/trust_repo.hpp"
#include "storage/user_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
namespace {

using rapidjson::Value;

using render::member;

std::string_view sv(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string detail(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    render::JsonWriter w;
    w.begin_object();
    for (const auto& [k, v] : fields) w.field(k, v);
    w.end_object();
    return w.str();
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : " ") + i;
    return out;
}

// latest must exist while versions do (protocol §12.3): the highest release,
// or the highest prerelease when there is no release.
void ensure_latest(storage::Db& db, std::uint64_t package_id) {
    storage::TagRepo tags{db};
    for (const auto& t : tags.list(package_id)) {
        if (t.tag == "latest") return;
    }
    const auto live = storage::VersionRepo{db}.list(package_id);
    const storage::VersionRow* best = nullptr;
    std::optional<model::Semver> best_v;
    for (const auto& v : live) {
        const auto sv_ = model::Semver::parse(v.version);
        const bool better = !best_v || (best_v->prerelease() && !sv_.prerelease()) ||
                            (best_v->prerelease() == sv_.prerelease() && sv_ > *best_v);
        if (better) {
            best = &v;
            best_v = sv_;
        }
    }
    if (best) tags.save(package_id, "latest", best->id);
}

void check_unpublish_window(const Config& config, const storage::VersionRow& v, storage::Db& db) {
    if (config.unpublish_window_hours == 0) return;
    if (!storage::VersionRepo{db}.published_within(v.id, config.unpublish_window_hours)) {
        throw forbidden("version " + v.version + " was published more than " +
                        std::to_string(config.unpublish_window_hours) +
                        " hours ago; this registry allows unpublishing only within that window");
    }
}

void star(storage::Db& db, const Config& config, const Principal& who,
          const model::PackageName& name, const Value& users) {
    PackageWrite w{db, config, who, name};
    w.require_readable();
    require_write(who);
    if (who.one_package()) throw forbidden("a project token cannot star packages");
    if (who.name.empty()) throw forbidden("only npm users can star packages");

    if (!users.IsObject()) throw bad_request("users must be an object");
    std::set<std::string> wanted;
    for (auto it = users.MemberBegin(); it != users.MemberEnd(); ++it) {
        if (!it->value.IsFalse() && !it->value.IsNull()) wanted.insert(std::string{sv(it->name)});
    }
    storage::PackageRepo packages{db};
    const auto current_list = packages.list_stargazers(w.pkg().id);
    std::set<std::string> current(current_list.begin(), current_list.end());
    const bool had = current.contains(who.name);
    const bool wants = wanted.contains(who.name);
    current.erase(who.name);
    wanted.erase(who.name);
    if (current != wanted) throw forbidden("you can star or unstar a package only for yourself");
    if (had == wants) return;  // nothing to do; the transaction rolls back
    wants ? packages.add_star(w.pkg().id, who.user_id)
          : packages.remove_star(w.pkg().id, who.user_id);
    w.commit(wants ? "star" : "unstar", detail({{"user", who.name}}));
}

void remove_files(storage::TarballStore& store, const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
        if (!k.empty()) store.remove(k);
    }
}

}  // namespace

void set_dist_tag(storage::Db& db, const Config& config, const Principal& who,
                  const model::PackageName& name, const std::string& tag,
                  const std::string& version) {
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    const auto v = storage::VersionRepo{db}.find(w.pkg().id, version);
    if (!v || !v.value().unpublished_at.empty()) {
        throw not_found("version " + version + " of \"" + name.str() + "\" does not exist");
    }
    storage::TagRepo{db}.save(w.pkg().id, tag, v->id);
    w.commit("tag", detail({{"tag", tag}, {"version", version}}));
}

void remove_dist_tag(storage::Db& db, const Config& config, const Principal& who,
                     const model::PackageName& name, const std::string& tag) {
    if (tag == "latest")
        throw bad_request("the latest tag cannot be removed; point it at another version");
    PackageWrite w{db, config, who, name};
    w.require_owner(PackageWrite::Project::Allowed);
    if (!storage::TagRepo{db}.remove(w.pkg().id, tag)) {
        throw not_found("\"" + tag + "\" is not a dist-tag of \"" + name.str() + "\"");
    }
    w.commit("untag", detail({{"tag", tag}}));
}

void update_metadata(storage::Db& db, const Config& config, const Principal& who,
                     const model::PackageName& name, const Value& body) {
    const auto* versions = member(body, "versions");
    const auto* users = member(body, "users");
    if (!versions && users) {
        star(db, config, who, name, *users);
        return;
    }
    if (!versions || !versions->IsObject()) throw bad_request("the document has no versions");
    if (render::has_duplicate_keys(body)) throw bad_request("the document repeats a key");
    PackageWrite w{db, config, who, name};
    w.require_owner();
    if (const auto* rev = member(body, "_rev"); rev && rev->IsString()) w.require_rev(sv(*rev));

    render::PackumentInput in;
    in.package = w.pkg();
    in.owners = storage::PackageRepo{db}.list_owners(w.pkg().id);
    in.public_url = config.public_url;
    storage::VersionRepo repo{db};
    const auto live = repo.list(w.pkg().id);
    if (versions->MemberCount() != live.size()) {
        throw bad_request(
            "this change cannot add or remove versions; use npm publish or npm unpublish");
    }
    const auto* time = member(body, "time");
    std::vector<std::pair<const storage::VersionRow*, std::string>> changes;
    for (const auto& v : live) {
        const auto* sent = member(*versions, v.version);
        if (!sent || !sent->IsObject())
            throw bad_request("version " + v.version + " is missing from the document");
        rapidjson::Document ours;
        (void)render::parse_json(ours, render::version_json(in, v));
        rapidjson::Document theirs;
        theirs.CopyFrom(*sent, theirs.GetAllocator());
        // _npmUser and maintainers carry current emails, which change without
        // a packument rebuild; the server sets them and ignores them here.
        for (const char* key : {"deprecated", "_npmUser", "maintainers"}) {
            ours.RemoveMember(key);
            theirs.RemoveMember(key);
        }

        if (ours != theirs) {
            throw bad_request("the manifest of published version " + v.version +
                              " cannot change (SPEC §5)");
        }
        if (const auto* t = time ? member(*time, v.version) : nullptr;
            t && (!t->IsString() || sv(*t) != v.published_at)) {
            throw bad_request("the publish time of version " + v.version + " cannot change");
        }
        const auto* dep = member(*sent, "deprecated");
        if (dep && !dep->IsString()) throw bad_request("deprecated must be a string");
        const std::string message = dep ? std::string{sv(*dep)} : std::string{};
        if (message.size() > 1024)
            throw bad_request("the deprecation message is longer than 1024 characters");
        if (message != v.deprecated) changes.emplace_back(&v, message);
    }
    if (changes.empty()) return;
    std::vector<std::string> touched;
    for (const auto& [v, message] : changes) {
        repo.save_deprecated(v->id, message);
        touched.push_back(v->version);
    }
    w.commit("deprecate",
             detail({{"versions", joined(touched)}, {"message", changes.front().second}}));
}

void update_with_rev(storage::Db& db, storage::TarballStore& store, const Config& config,
                     const Principal& who, const model::PackageName& name, std::string_view rev,
                     const Value& body) {
    const auto* versions = member(body, "versions");
    const auto* maintainers = member(body, "maintainers");
    PackageWrite w{db, config, who, name};
    w.require_owner().require_rev(rev);
    storage::PackageRepo packages{db};

    if (!versions) {
        if (!maintainers || !maintainers->IsArray())
            throw bad_request("expected versions or maintainers");
        storage::UserRepo users{db};
        std::set<std::uint64_t> wanted;
        std::vector<std::string> names;
        for (const auto& m : maintainers->GetArray()) {
            const auto n = render::string_member(m, "name");
            const auto u = n.empty() ? std::nullopt : users.find_by_name(n);
            if (!u) throw bad_request("there is no user named \"" + std::string{n} + "\"");
            wanted.insert(u->id);
            names.emplace_back(n);
        }
        if (wanted.empty()) throw bad_request("a package must keep at least one owner");
        // Owners without an npm name are not in npm's list and stay (npm cannot name them).
        std::set<std::uint64_t> current;
        for (const auto& o : packages.list_owners(w.pkg().id)) {
            if (!o.name.empty()) current.insert(o.user_id);
        }
        for (const auto id : wanted) {
            if (!current.contains(id)) packages.add_owner(w.pkg().id, id);
        }
        for (const auto id : current) {
            if (wanted.contains(id)) continue;
            packages.remove_owner(w.pkg().id, id);
            // Its project tokens of this package go with it (review of issue 8).
            (void)storage::TokenRepo{db}.revoke_projects_of(id, w.pkg().id);
        }
        w.commit("owner", detail({{"owners", joined(names)}}));
        return;
    }

    if (!versions->IsObject()) throw bad_request("versions must be an object");
    storage::VersionRepo repo{db};
    const auto live = repo.list(w.pkg().id);
    std::set<std::string> keep;
    for (auto it = versions->MemberBegin(); it != versions->MemberEnd(); ++it) {
        const std::string v{sv(it->name)};
        const bool known =
            std::any_of(live.begin(), live.end(), [&](const auto& r) { return r.version == v; });
        if (!known)
            throw bad_request("version " + v +
                              " is not published; this change can only remove versions");
        keep.insert(v);
    }
    std::vector<std::string> removed, keys;
    for (const auto& v : live) {
        if (keep.contains(v.version)) continue;
        check_unpublish_window(config, v, db);
        repo.save_unpublished(v.id);
        removed.push_back(v.version);
        keys.push_back(v.tarball_key);
    }
    storage::TagRepo tags{db};
    for (const auto& t : tags.list(w.pkg().id)) {
        if (!keep.contains(t.version)) tags.remove(w.pkg().id, t.tag);
    }
    // npm recomputes dist-tags (latest among them) for what remains.
    if (const auto* sent = member(body, "dist-tags"); sent && sent->IsObject()) {
        for (auto it = sent->MemberBegin(); it != sent->MemberEnd(); ++it) {
            if (!it->value.IsString() || !keep.contains(std::string{sv(it->value)})) continue;
            const auto tag = model::parse_dist_tag(sv(it->name));
            tags.save(w.pkg().id, tag, repo.find(w.pkg().id, sv(it->value))->id);
        }
    }
    if (keep.empty()) {
        packages.save_unpublished(w.pkg().id, true);
        storage::TrustRepo{db}.forget_package(w.pkg().id);  // a fresh start (issue 13)
    } else {
        ensure_latest(db, w.pkg().id);
    }
    if (removed.empty()) return;
    w.commit("unpublish", detail({{"versions", joined(removed)}}));
    remove_files(store, keys);  // only after the commit (SPEC §5: no partial state)
}

void confirm_tarball_removed(storage::Db& db, storage::TarballStore& store, const Principal& who,
                             const model::PackageName& name, const std::string& version) {
    storage::PackageRepo packages{db};
    const auto pkg = packages.find(name.str());
    if (!pkg) throw not_found("package \"" + name.str() + "\" not found");
    if (!can_read(db, who, pkg->id, pkg->access))
        throw not_found("package \"" + name.str() + "\" not found");
    if (!packages.is_owner(pkg->id, who.user_id)) {
        throw forbidden("You do not have permission to change \"" + name.str() + "\"");
    }
    require_write(who);
    require_covers(who, name.str());
    if (who.one_package()) throw forbidden("a project token cannot unpublish");

    const auto v = storage::VersionRepo{db}.find(pkg->id, version);
    if (!v) throw not_found("version " + version + " of \"" + name.str() + "\" does not exist");
    if (v->unpublished_at.empty())
        throw conflict("version " + version + " is still published; unpublish it first");
    if (!v->tarball_key.empty()) store.remove(v->tarball_key);
}

void unpublish_package(storage::Db& db, storage::TarballStore& store, const Config& config,
                       const Principal& who, const model::PackageName& name, std::string_view rev) {
    PackageWrite w{db, config, who, name};
    w.require_owner().require_rev(rev);
    storage::VersionRepo repo{db};
    std::vector<std::string> removed, keys;
    for (const auto& v : repo.list(w.pkg().id)) {
        check_unpublish_window(config, v, db);
        repo.save_unpublished(v.id);
        removed.push_back(v.version);
        keys.push_back(v.tarball_key);
    }
    storage::TagRepo{db}.remove_all(w.pkg().id);
    storage::PackageRepo{db}.save_unpublished(w.pkg().id, true);
    storage::TrustRepo{db}.forget_package(w.pkg().id);  // a fresh start (issue 13)
    w.commit("unpublish", detail({{"versions", joined(removed)}, {"package", "all"}}));
    remove_files(store, keys);
}

void set_mfa(storage::Db& db, const Config& config, const Principal& who,
             const model::PackageName& name, bool requires_tfa, bool automation_overrides) {
    require_strict_otp(who);  // the package's own guard: no bypass_2fa token lowers it
    PackageWrite w{db, config, who, name};
    w.require_owner();
    storage::PackageRepo{db}.save_mfa_policy(w.pkg().id, {requires_tfa, automation_overrides});
    w.commit("mfa", detail({{"mfa", !requires_tfa          ? "none"
                                    : automation_overrides ? "automation"
                                                           : "publish"}}));
}

void set_access(storage::Db& db, const Config& config, const Principal& who,
                const model::PackageName& name, const std::string& access) {
    if (access != "public" && access != "restricted")
        throw bad_request("access must be public or restricted");
    if (access == "restricted" && !name.scoped())
        throw bad_request("only scoped packages can be restricted");
    PackageWrite w{db, config, who, name};
    w.require_owner();
    require_strict_otp(who);
    if (w.pkg().access == access) return;
    storage::PackageRepo{db}.save_access(w.pkg().id, access);
    w.commit("access", detail({{"access", access}}));
}

}  // namespace depot::services
