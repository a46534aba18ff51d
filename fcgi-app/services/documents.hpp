#pragma once
// Packuments as files nginx sends (issue 9): the seam between package writes
// and the bytes readers get. Every write builds both documents from its own
// transaction's rows, before it commits, into the shared store
// (document_dir), where nginx sends a public package's documents and
// tarballs without asking a worker; a restricted package's files live in
// another tree that only the worker's X-Accel-Redirect reaches.
//
// One rule keeps files and rows in step across workers and hosts: a file in
// the trees is never older than the rows. A write takes the package's lock
// (a file lock in the store) before its transaction, takes the old files
// down before it commits and puts the new ones up after; a reader that finds
// no file takes the same lock and builds one from the rows. A crash between
// commit and rename leaves no file, never a stale one. Workers keep nothing.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
struct PackageRow;
}  // namespace depot::storage

namespace depot::services {

// What a write changed, so the documents need not be rebuilt whole.
enum class DocChange {
    Appended,    // one new version, the newest (publish)
    Meta,        // dist-tags, stars, access, package fields: the version chains stay
    Everything,  // versions changed or went (deprecate, unpublish, owners)
};

// Directories in the store that nginx walks into, whatever the workers' umask
// (0027 under the systemd unit): every level created is 0755.
void make_dirs(const std::filesystem::path& dir);

// The package's lock in the store, released on destruction.
class DocLock {
  public:
    DocLock(const std::string& root, const std::string& package_name);
    // Waits at most wait_seconds, then throws a 503 (readers behind a slow uplink fetch).
    DocLock(const std::string& root, const std::string& package_name, int wait_seconds);
    ~DocLock();
    DocLock(const DocLock&) = delete;
    DocLock& operator=(const DocLock&) = delete;

  private:
    int fd_ = -1;
};

class Documents {
  public:
    explicit Documents(const Config& config);

    // One package write, from before its transaction to after its files.
    class Write {
      public:
        Write(const Documents& docs, std::string package_name);
        ~Write();  // what was built aside and not published is deleted
        Write(const Write&) = delete;
        Write& operator=(const Write&) = delete;

        // In the transaction, after its changes: builds the new files aside
        // (413 when the full document would pass max_document_bytes) and
        // takes the old ones down.
        // Appended names the version the write added.
        void prepare(storage::Db& db, DocChange change, const std::string& appended = {});
        // After the commit: the new files in their place.
        void publish() noexcept;

      private:
        const Documents& docs_;
        std::string name_;
        DocLock lock_;
        std::vector<std::pair<std::string, std::string>> moves_;  // built aside → in place
    };

    // The document a read sends, as a path under the internal location
    // ("public/NAME/full.json", "private/@s/n/abbrev.corgi"); built from
    // the rows when its file is missing. 404 when the package is gone.
    [[nodiscard]] std::string locate(storage::Db& db, const storage::PackageRow& pkg,
                                     bool abbreviated) const;

    // Makes a public package's tarball a file nginx sends by itself, when
    // the rows (read again under the package's lock) still say it is public
    // and live. Quiet on failure: the worker keeps sending it.
    void expose_tarball(storage::Db& db, const std::string& package_name,
                        const std::string& version, const std::string& file) const noexcept;

    // At start: documents built for another public_url, or in another
    // format, are dropped (readers rebuild them); true when it dropped.
    bool drop_if_stale() const;
    // depotctl rebuild-packuments: drop them all.
    void drop_all() const;
    // Files a killed worker left half-built, older than age_seconds (so no
    // live write on any host owns them); how many went.
    int clean_orphans(int age_seconds) const;

    [[nodiscard]] const std::string& root() const { return root_; }

  private:
    void build(storage::Db& db, const std::string& name, DocChange change,
               const std::string& appended,
               std::vector<std::pair<std::string, std::string>>& moves) const;
    [[nodiscard]] std::string stamp() const;

    const Config& config_;
    std::string root_;
};

}  // namespace depot::services
