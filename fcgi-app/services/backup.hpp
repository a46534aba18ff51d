#pragma once
// depotctl backup DIR and depotctl restore DIR (issue 10).
//
// A backup is the database as mariadb-dump --single-transaction sees it (one
// consistent snapshot, taken while publishes go on) and a copy of every
// tarball. While it copies, the store removes no file (the pause marker in
// tarball_dir; unpublished files are swept later), so every file the
// snapshot names is in the backup; files published after the snapshot may
// be copied too, and restore leaves out any file no restored version names.
// Packument files are not copied: they are built from the rows. Secrets:
// passwords and tokens are stored as hashes in the database and come with
// it; later issues' keys must be added here (and to the restore test).
//
// mariadb-dump rather than mariadb-backup: depot's database user may not
// read the server's data directory (and the server may be on another host);
// the dump needs only the rights depot's user has on its own database.

#include <cstdint>
#include <string>

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

struct BackupSummary {
    std::uint64_t tarballs = 0;
    std::uint64_t bytes = 0;
    std::string schema_version;
};

// DIR must not exist or be empty. Throws std::runtime_error with the reason.
BackupSummary backup(const Config& config, storage::Db& db, const std::string& dir);

// Into a registry with no users and no packages (a fresh stack). Throws
// std::runtime_error when the target is not empty or the backup incomplete.
BackupSummary restore(const Config& config, storage::Db& db, const std::string& dir);

}  // namespace depot::services
