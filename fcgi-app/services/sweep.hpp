#pragma once
// What killed workers leave behind (issue 10), removed once it is old enough
// that no live request on any host can own it: tarballs a publish stored
// but never recorded, files of versions unpublished by a transaction that
// committed just before its worker died, half-written files in the stores'
// .tmp directories. depot-fcgi sweeps at start and every few minutes;
// `depotctl sweep` does it on demand.

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

// Older than this, an upload or unpublish still in progress is a dead one's.
inline constexpr int kSweepAgeSeconds = 15 * 60;

struct SweepResult {
    int tarballs = 0;    // files of publishes that never committed
    int tombstones = 0;  // files of unpublished versions
    int partials = 0;    // half-written files in .tmp
};

SweepResult sweep(storage::Db& db, storage::TarballStore& store, const Config& config,
                  int age_seconds = kSweepAgeSeconds);

}  // namespace depot::services
