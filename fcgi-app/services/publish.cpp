#include "services/publish.hpp"

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "render/json.hpp"
#include "services/packument.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/tarball_store.hpp"
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

// Inside the transaction: the package row, locked.
storage::PackageRow lock_or_create(storage::Db& db, const Principal& who, const PublishInput& in,
                                   bool& created) {
    storage::PackageRepo packages{db};
    created = false;
    if (auto p = packages.find(in.name.str(), true)) return *p;
    // As on npm's registry: scoped packages are restricted unless published
    // with --access public; unscoped ones are public.
    const std::string access = !in.access.empty() ? in.access
                               : in.name.scoped() ? "restricted"
                                                  : "public";
    if (packages.insert(in.name.str(), std::string{in.name.scope()}, access)) {
        created = true;
        auto p = *packages.find(in.name.str(), true);
        packages.add_owner(p.id, who.user_id);
        return p;
    }
    // Another publish created it between our find and insert: take its row.
    return *packages.find(in.name.str(), true);
}

PublishOutcome record(storage::Db& db, const Config& config, const Principal& who,
                      const PublishInput& in, const std::string& key, bool& committing) {
    storage::Transaction tx{db};
    bool created = false;
    const auto pkg = lock_or_create(db, who, in, created);
    storage::PackageRepo packages{db};
    if (!created && !packages.is_owner(pkg.id, who.user_id)) {
        if (pkg.access == "restricted")
            throw not_found("package \"" + in.name.str() + "\" not found");

        throw forbidden("You do not have permission to publish \"" + in.name.str() +
                        "\": you are not one of its owners");
    }
    if (who.token_kind == "project" && who.package_id != pkg.id) {
        throw forbidden("this project token belongs to another package");
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
    storage::NewVersion nv{
        pkg.id,        in.version,   in.manifest,
        in.shasum,     in.integrity, in.tarball_url.empty() ? in.tarball.size() : in.tarball_size,
        key,           who.user_id,  in.readme,
        in.tarball_url};
    const auto version_id = versions.insert(nv);
    if (!version_id) throw conflict("version " + in.version + " was published concurrently");

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
    rebuild_packument(db, config, pkg.id, in.name.str().c_str());
    committing = true;
    tx.commit();
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

PublishOutcome publish(storage::Db& db, storage::TarballStore& store, const Config& config,
                       const Principal& who, const PublishInput& in) {
    require_write(who);
    const auto key = tarball_key(in);
    bool created = false;
    try {
        created = store.put(key, in.tarball);
    } catch (const std::exception&) {
        throw HttpError(503, "the tarball could not be stored; try again later");
    }
    bool committing = false;
    try {
        return record(db, config, who, in, key, committing);
    } catch (...) {
        if (created && !committing && !claimed_by_another_publish(db, in, key)) store.remove(key);
        throw;
    }
}

}  // namespace depot::services

namespace depot::services {

PublishOutcome publish_pointer(storage::Db& db, const Config& config, const Principal& who,
                               const PublishInput& in) {
    require_write(who);
    bool committing = false;
    return record(db, config, who, in, std::string{}, committing);
}

}  // namespace depot::services
