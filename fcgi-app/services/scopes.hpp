#pragma once
// Scopes have owners (issue 8, review M6). @NAME belongs to the user NAME;
// any other scope to its first publisher (or to whom ops assign it with
// depotctl scope). Only members create new packages in a scope; existing
// packages keep their own owners (npm owner). Members are managed with
// npm's org commands: developers publish new packages, admins also manage
// developers and admins, owners manage everyone.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/package_name.hpp"
#include "services/auth.hpp"
#include "storage/scope_repo.hpp"

namespace depot::storage {
class Db;
}

namespace depot::services {

// Inside the transaction that creates a new package in its scope: 404 unless
// the caller is a member, the same answer as for a restricted package the
// caller cannot read, so a non-member learns nothing of the names in a scope
// (as npm's registry answers 404 for a scope that is not yours). An
// unclaimed scope that no user is named after is claimed for the caller.
void require_scope_member(storage::Db& db, const Principal& who, const model::PackageName& name);

// npm org set / depotctl scope set (actor nullptr: ops). Answers how many
// members the scope has afterwards.
std::size_t set_scope_member(storage::Db& db, const Principal* actor, std::string_view scope,
                             std::string_view user, std::string_view role);

// npm org rm / depotctl scope rm. Answers how many members remain.
std::size_t remove_scope_member(storage::Db& db, const Principal* actor, std::string_view scope,
                                std::string_view user);

// npm org ls / depotctl scope ls: members only (ops always).
[[nodiscard]] std::vector<storage::ScopeMemberRow> list_scope_members(storage::Db& db,
                                                                      const Principal* actor,
                                                                      std::string_view scope);

// A name a new account may not take because a scope of that name belongs to others.
[[nodiscard]] bool name_taken_by_scope(storage::Db& db, std::string_view name);

}  // namespace depot::services
