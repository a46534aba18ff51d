#include "services/staging.hpp"

#include <fstream>
#include <sstream>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/trusted_publishing.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/tarball_store.hpp"
#include "storage/version_repo.hpp"

namespace depot::services {
std::string stage_version(storage::Db& db, storage::TarballStore& store, const Config& config,
                          Gates& gates, const Principal& who, const PublishInput& in,
                          std::string_view body) {
    // Any token that may write this package stages; 2FA waits for the approval.
    if (who.readonly || (who.limits.granular && who.limits.permission != "read-write"))
        throw forbidden("this token cannot write");
    require_covers(who, in.name.str());
    auto pkg = storage::PackageRepo{db}.find(in.name.str());
    if (pkg) {
        if (!can_read(db, who, pkg->id, pkg->access))
            throw not_found("package \"" + in.name.str() + "\" not found");
        if (who.one_package() ? who.package_id != pkg->id
                              : !storage::PackageRepo{db}.is_owner(pkg->id, who.user_id))
            throw forbidden("You do not have permission to stage \"" + in.name.str() + "\"");
        if (who.token_kind == "oidc")
            (void)require_trusted(config, db, who, pkg->id, kCreateStagedPackage);
        if (storage::VersionRepo{db}.find(pkg->id, in.version))
            throw conflict("version " + in.version + " of \"" + in.name.str() +
                           "\" exists (or was unpublished); it cannot be staged");
    } else if (who.one_package()) {
        throw forbidden("a project token cannot make packages");
    }
    check_publish_input(config, gates, in);
    // A first version: the name is taken now, empty, as a web project is.
    if (!pkg) pkg = create_for_stage(db, config, who, in);

    storage::StagedRow row;
    row.id = crypto::random_uuid();
    row.package_id = pkg->id;
    row.version = in.version;
    row.tag = in.tag;
    row.shasum = in.shasum;
    row.body_key = "_staged/" + row.id + ".json";
    row.actor_user_id = who.user_id;
    row.actor_name = who.name;
    row.actor_type = who.token_kind == "oidc"      ? "trusted publisher"
                     : who.token_kind == "project" ? "project token"
                     : who.limits.granular         ? "granular token"
                                                   : "user";
    (void)store.put(row.body_key, body);
    if (!storage::StagedRepo{db}.insert(row)) {
        (void)store.remove(row.body_key);
        throw conflict("version " + in.version + " of \"" + in.name.str() + "\" is staged already");
    }
    return row.id;
}

storage::StagedRow staged_for(storage::Db& db, const Principal& who, std::string_view id) {
    const auto row = storage::StagedRepo{db}.find(id);
    if (!row || who.one_package() ||
        !storage::PackageRepo{db}.is_owner(row->package_id, who.user_id) ||
        !who.limits.covers(row->package_name))
        throw not_found("no staged version " + std::string{id});
    return *row;
}

std::string staged_body(const Config& config, const storage::StagedRow& row) {
    std::ifstream in{config.tarball_dir + "/" + row.body_key, std::ios::binary};
    if (!in) throw HttpError(503, "the staged upload " + row.id + " cannot be read; try again");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void require_approval(const Principal& who) {
    if (who.tfa_mode.empty())
        throw forbidden(
            "approving or rejecting a staged version needs two-factor authentication: run npm "
            "profile enable-2fa");
    if (!who.otp_ok) throw otp_required(who.otp_given);
}

PublishOutcome approve_staged(storage::Db& db, storage::TarballStore& store, const Config& config,
                              Gates& gates, const Principal& who, const storage::StagedRow& row,
                              PublishInput in) {
    require_approval(who);
    in.approving_stage = true;
    const auto outcome = publish(db, store, config, gates, who, std::move(in));
    storage::StagedRepo{db}.remove(row.id);
    (void)store.remove(row.body_key);
    return outcome;
}

void reject_staged(storage::Db& db, storage::TarballStore& store, const Principal& who,
                   const storage::StagedRow& row) {
    if (who.readonly || (who.limits.granular && who.limits.permission != "read-write"))
        throw forbidden("this token cannot write");
    require_approval(who);
    storage::StagedRepo{db}.remove(row.id);
    (void)store.remove(row.body_key);
}

}  // namespace depot::services
