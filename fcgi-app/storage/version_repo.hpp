#pragma once
// Versions (with tombstones: an unpublished version keeps its row forever,
// so the same name@version can never point at other bytes, SPEC §5),
// their dist-tags, the stored packument bytes and the change log.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct VersionRow {
    std::uint64_t id = 0;
    std::string version;
    std::string manifest;  // JSON object, as stored at publish
    std::string shasum;
    std::string integrity;
    std::uint64_t size = 0;
    std::string tarball_key;
    std::string tarball_url;
    std::string published_at;  // ISO
    std::string deprecated;
    std::string unpublished_at;
    std::string publisher_name;
    std::string publisher_email;
};

struct NewVersion {
    std::uint64_t package_id = 0;
    std::string version;
    std::string manifest;
    std::string shasum;
    std::string integrity;
    std::uint64_t size = 0;
    std::string tarball_key;
    std::uint64_t published_by = 0;
};

class VersionRepo {
  public:
    explicit VersionRepo(Db& db) : db_{db} {}

    // nullopt when the version exists (or existed: tombstones count).
    [[nodiscard]] std::optional<std::uint64_t> insert(const NewVersion& v);
    // Including tombstones.
    [[nodiscard]] std::optional<VersionRow> find(std::uint64_t package_id,
                                                 std::string_view version) const;
    // Live versions only, oldest first.
    [[nodiscard]] std::vector<VersionRow> list(std::uint64_t package_id) const;

  private:
    Db& db_;
};

struct TagRow {
    std::string tag;
    std::string version;
};

class TagRepo {
  public:
    explicit TagRepo(Db& db) : db_{db} {}
    void save(std::uint64_t package_id, std::string_view tag, std::uint64_t version_id);
    [[nodiscard]] std::vector<TagRow> list(std::uint64_t package_id) const;

  private:
    Db& db_;
};

struct StoredPackument {
    std::uint64_t package_id = 0;
    std::string access;
    std::string body;
    std::string etag;
};

class PackumentRepo {
  public:
    explicit PackumentRepo(Db& db) : db_{db} {}
    void save(std::uint64_t package_id, std::string_view full, std::string_view full_etag,
              std::string_view abbrev, std::string_view abbrev_etag);
    // One representation of a live package, by name: the hot read path.
    [[nodiscard]] std::optional<StoredPackument> find(std::string_view name,
                                                      bool abbreviated) const;

  private:
    Db& db_;
};

struct Change {
    std::uint64_t package_id = 0;
    std::string package_name;
    std::string kind;
    std::uint64_t actor_user_id = 0;
    std::string actor_name;
    std::string detail;  // JSON
};

class ChangeRepo {
  public:
    explicit ChangeRepo(Db& db) : db_{db} {}
    void append(const Change& c);

  private:
    Db& db_;
};

}  // namespace depot::storage
