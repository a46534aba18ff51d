#pragma once
// One write to one package, shared by the lifecycle and project services:
// the package row locked until commit or rollback, the caller's rights
// checked in a fixed order, and on commit the rev bumped, the change logged
// and the documents rebuilt (SPEC §2, §5; services/documents).

#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "model/package_name.hpp"
#include "render/packument.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/documents.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {

// One write to one package: the row locked until commit or rollback.
class PackageWrite {
  public:
    PackageWrite(storage::Db& db, const Config& config, const Principal& who,
                 const model::PackageName& name)
        : db_{db}, who_{who}, name_{name}, docs_{config}, doc_{docs_, name.str()}, tx_{db} {
        auto p = storage::PackageRepo{db}.find(name.str(), true);
        if (!p || !p->unpublished.empty())
            throw not_found("package \"" + name.str() + "\" not found");
        pkg_ = std::move(*p);
    }

    // Owners may write; others get 403 (or 404 for a restricted package they cannot see).
    // Project tokens (SPEC §3) may publish and move tags of their own package
    // only; owner, access and unpublish changes need the user.
    enum class Project { Allowed, Refused };

    PackageWrite& require_owner(Project project = Project::Refused) {
        require_readable();
        if (!storage::PackageRepo{db_}.is_owner(pkg_.id, who_.user_id)) {
            throw forbidden("You do not have permission to change \"" + name_.str() +
                            "\": you are not an owner");
        }
        require_write(who_);
        require_covers(who_, name_.str());
        if (who_.token_kind == "project" &&
            (project == Project::Refused || who_.package_id != pkg_.id)) {
            throw forbidden("a project token cannot make this change");
        }
        return *this;
    }

    // A restricted package is 404 to anyone who may not read it, before any
    // other answer could tell that it exists.
    PackageWrite& require_readable() {
        if (!can_read(db_, who_, pkg_.id, pkg_.access) ||
            (pkg_.access == "restricted" && !who_.limits.covers(name_.str()))) {
            throw not_found("package \"" + name_.str() + "\" not found");
        }
        return *this;
    }

    // npm sends the _rev it read; a stale one is a conflict (npm never retries a 409).
    PackageWrite& require_rev(std::string_view rev) {
        if (!rev.empty() && rev != render::package_rev(pkg_.name, pkg_.rev)) {
            throw conflict("the package changed since you read it (stale _rev " + std::string{rev} +
                           "); try again");
        }
        return *this;
    }

    const storage::PackageRow& pkg() const { return pkg_; }

    // Bump the rev, log, build the documents aside, commit, put them up.
    void commit(std::string_view kind, std::string_view detail_json) {
        storage::PackageRepo{db_}.bump(pkg_.id);
        storage::ChangeRepo{db_}.append({pkg_.id, pkg_.name, std::string{kind}, who_.user_id,
                                         who_.name, std::string{detail_json}});
        doc_.prepare(db_, document_change(kind));
        tx_.commit();
        doc_.publish();
    }

  private:
    // Changes that rewrite or remove version entries rebuild the documents
    // whole; the others (tags, stars, access, tokens, links) keep their chains.
    static DocChange document_change(std::string_view kind) {
        return kind == "deprecate" || kind == "unpublish" || kind == "owner" ? DocChange::Everything
                                                                             : DocChange::Meta;
    }

    storage::Db& db_;
    const Principal& who_;
    const model::PackageName& name_;
    Documents docs_;
    Documents::Write doc_;  // the package's lock, taken before the transaction
    storage::Transaction tx_;
    storage::PackageRow pkg_;
};

}  // namespace depot::services
