#pragma once
// Tarball writes in progress (issue 10): a row per file a publish is about
// to store, deleted by the transaction that records the version. What the
// rows left by killed workers name is swept (services/sweep).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct UploadRow {
    std::uint64_t id = 0;
    std::string tarball_key;
};

class UploadRepo {
  public:
    explicit UploadRepo(Db& db) : db_{db} {}
    // Its own statement: commits at once when no transaction is open.
    [[nodiscard]] std::uint64_t begin(std::string_view key);
    void finish(std::uint64_t id);
    // Older than age_seconds, oldest first.
    [[nodiscard]] std::vector<UploadRow> stale(int age_seconds, int limit) const;
    // Whether another upload of key is younger than age_seconds.
    [[nodiscard]] bool in_progress(std::string_view key, std::uint64_t except_id,
                                   int age_seconds) const;
    // Whether a version (live or a tombstone) names the file.
    [[nodiscard]] bool used(std::string_view key) const;
    // Tombstones older than age_seconds whose file was never removed (the
    // worker died between the commit and the removal).
    [[nodiscard]] std::vector<UploadRow> unpublished_files(int age_seconds, int limit) const;
    void forget_file(std::uint64_t version_id);
    // For depotctl restore: no account and no package (or no tables yet),
    // and every file a version names.
    [[nodiscard]] bool registry_empty() const;
    [[nodiscard]] std::vector<std::string> tarball_keys() const;

  private:
    Db& db_;
};

}  // namespace depot::storage
