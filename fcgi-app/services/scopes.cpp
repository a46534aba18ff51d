#include "services/scopes.hpp"

#include "error.hpp"
#include "model/account.hpp"
#include "storage/db.hpp"
#include "storage/user_repo.hpp"

namespace depot::services {
namespace {

std::string at(std::string_view scope) { return "@" + std::string{scope}; }

// Makes sure a scope named after a user exists with that user as owner.
// Answers whether the scope exists now.
bool ensure_scope(storage::Db& db, std::string_view scope) {
    storage::ScopeRepo scopes{db};
    if (scopes.exists(scope)) return true;
    const auto user =
        model::valid_user_name(scope) ? storage::UserRepo{db}.find_by_name(scope) : std::nullopt;
    if (!user) return false;
    if (scopes.insert(scope)) scopes.save_member(scope, user->id, "owner");
    return true;
}

std::string check_role(std::string_view role) {
    if (role != "developer" && role != "admin" && role != "owner") {
        throw bad_request("the role must be developer, admin or owner");
    }
    return std::string{role};
}

std::size_t owner_count(const std::vector<storage::ScopeMemberRow>& members) {
    std::size_t n = 0;
    for (const auto& m : members) n += m.role == "owner" ? 1 : 0;
    return n;
}

// The actor's role in a locked, existing scope; ops (nullptr) act as owners.
std::string actor_role(storage::Db& db, const Principal* actor, std::string_view scope) {
    if (!actor) return "owner";
    require_write(*actor);
    if (actor->one_package() || actor->limits.granular)
        throw forbidden("this token cannot manage scope members; use your own login");
    require_strict_otp(*actor);
    const auto role = storage::ScopeRepo{db}.role_of(scope, actor->user_id);
    if (!role) throw forbidden("you are not a member of " + at(scope));
    return *role;
}

storage::UserRow member_user(storage::Db& db, std::string_view user) {
    const auto name = model::parse_user_name(user);
    auto row = storage::UserRepo{db}.find_by_name(name);
    if (!row) throw not_found("there is no user named \"" + name + "\"");
    return *row;
}

void lock_existing(storage::Db& db, std::string_view scope) {
    if (!ensure_scope(db, scope) || !storage::ScopeRepo{db}.lock(scope)) {
        throw not_found("there is no scope " + at(scope) + " on this registry");
    }
}

}  // namespace

void require_scope_member(storage::Db& db, const Principal& who, const model::PackageName& name) {
    const auto scope = name.scope();
    storage::ScopeRepo scopes{db};
    if (!ensure_scope(db, scope) && scopes.insert(scope)) {
        scopes.save_member(scope, who.user_id, "owner");  // the first publisher claims it
        return;
    }
    if (!scopes.role_of(scope, who.user_id)) {
        throw not_found("package \"" + name.str() + "\" not found");
    }
}

std::size_t set_scope_member(storage::Db& db, const Principal* actor, std::string_view scope,
                             std::string_view user, std::string_view role_text) {
    const auto role = check_role(role_text);
    storage::Transaction tx{db};
    lock_existing(db, scope);
    const auto mine = actor_role(db, actor, scope);
    if (mine == "developer")
        throw forbidden("only owners and admins of " + at(scope) + " add members");
    const auto target = member_user(db, user);
    storage::ScopeRepo scopes{db};
    const auto current = scopes.role_of(scope, target.id);
    if (mine == "admin" && (role == "owner" || current == "owner")) {
        throw forbidden("only owners of " + at(scope) + " grant or change the owner role");
    }
    auto members = scopes.list_members(scope);
    if (current == "owner" && role != "owner" && owner_count(members) <= 1) {
        throw bad_request(at(scope) + " must keep at least one owner");
    }
    scopes.save_member(scope, target.id, role);
    members = scopes.list_members(scope);
    tx.commit();
    return members.size();
}

std::size_t remove_scope_member(storage::Db& db, const Principal* actor, std::string_view scope,
                                std::string_view user) {
    storage::Transaction tx{db};
    lock_existing(db, scope);
    const auto mine = actor_role(db, actor, scope);
    const auto target = member_user(db, user);
    storage::ScopeRepo scopes{db};
    const auto current = scopes.role_of(scope, target.id);
    if (!current) throw not_found(target.name + " is not a member of " + at(scope));
    const bool self = actor && actor->user_id == target.id;
    if (!self && (mine == "developer" || (mine == "admin" && current == "owner"))) {
        throw forbidden("you may not remove " + target.name + " from " + at(scope));
    }
    if (current == "owner" && owner_count(scopes.list_members(scope)) <= 1) {
        throw bad_request(at(scope) + " must keep at least one owner");
    }
    (void)scopes.remove_member(scope, target.id);
    const auto left = scopes.list_members(scope).size();
    tx.commit();
    return left;
}

std::vector<storage::ScopeMemberRow> list_scope_members(storage::Db& db, const Principal* actor,
                                                        std::string_view scope) {
    if (!ensure_scope(db, scope))
        throw not_found("there is no scope " + at(scope) + " on this registry");
    storage::ScopeRepo scopes{db};
    if (actor && (actor->one_package() || !scopes.role_of(scope, actor->user_id))) {
        throw forbidden("only members of " + at(scope) + " see its members");
    }
    return scopes.list_members(scope);
}

bool name_taken_by_scope(storage::Db& db, std::string_view name) {
    return storage::ScopeRepo{db}.exists(name);
}

}  // namespace depot::services
