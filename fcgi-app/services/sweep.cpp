#include "services/sweep.hpp"

#include "services/documents.hpp"
#include "storage/tarball_store.hpp"
#include "storage/upload_repo.hpp"

namespace depot::services {

SweepResult sweep(storage::Db& db, storage::TarballStore& store, const Config& config,
                  int age_seconds) {
    SweepResult r;
    if (store.removals_paused()) return r;  // a backup is copying the store
    storage::UploadRepo uploads{db};
    const Documents docs{config};
    constexpr int kBatch = 500;
    for (auto batch = uploads.stale(age_seconds, kBatch); !batch.empty();
         batch = uploads.stale(age_seconds, kBatch)) {
        for (const auto& u : batch) {
            // Under the package's lock, which a publish holds from its check
            // that its file exists to its commit: never both at once.
            const auto slash = u.tarball_key.rfind('/');
            const DocLock lock{docs.root(), u.tarball_key.substr(0, slash)};
            // A version uses it, or a live publish of the same bytes is storing
            // it again (content-addressed keys): the file stays.
            if (!uploads.used(u.tarball_key) &&
                !uploads.in_progress(u.tarball_key, u.id, age_seconds)) {
                if (!store.remove(u.tarball_key)) return r;  // paused meanwhile
                ++r.tarballs;
            }
            uploads.finish(u.id);
        }
        if (batch.size() < kBatch) break;
    }
    for (auto batch = uploads.unpublished_files(age_seconds, kBatch); !batch.empty();
         batch = uploads.unpublished_files(age_seconds, kBatch)) {
        for (const auto& v : batch) {
            if (!store.remove(v.tarball_key)) return r;
            uploads.forget_file(v.id);
            ++r.tombstones;
        }
        if (batch.size() < kBatch) break;
    }
    r.partials = store.clean_orphans(age_seconds) + docs.clean_orphans(age_seconds);
    return r;
}

}  // namespace depot::services
