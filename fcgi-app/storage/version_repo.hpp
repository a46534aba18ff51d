#pragma once
// Versions (with tombstones: an unpublished version keeps its row forever,
// so the same name@version can never point at other bytes, SPEC §5),
// their dist-tags and the change log.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::storage {

class Db;

// What the package page shows of a version's SLSA provenance (issue 13).
struct ProvenanceSummary {
    std::string predicate_type;  // empty: no attestations
    std::string source_repo;
    std::string workflow;
    std::string commit;
    std::string build_url;
};

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
    std::string readme;
    std::string readme_html;  // rendered at publish; empty for rows from before that
    std::string sig_keyid;    // the registry's signature (issue 13); empty: unsigned
    std::string sig;
    std::string trusted_publisher;  // github, gitlab…: published by OIDC exchange
    std::string oidc_config_id;
    ProvenanceSummary provenance;
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
    std::string readme;
    std::string readme_html;
    std::string tarball_url;  // versions registered by link
    std::string trusted_publisher;
    std::string oidc_config_id;
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
    // Live versions without their READMEs, oldest first: what documents are built from.
    [[nodiscard]] std::vector<VersionRow> list_for_document(std::uint64_t package_id) const;
    // The last of list_for_document, and how many it lists.
    [[nodiscard]] std::optional<VersionRow> newest_live(std::uint64_t package_id) const;
    [[nodiscard]] std::uint64_t count_live(std::uint64_t package_id) const;
    // Every version ever published, tombstones included.
    [[nodiscard]] std::vector<VersionRow> list_all(std::uint64_t package_id) const;
    void save_deprecated(std::uint64_t version_id, std::string_view message);  // empty: remove
    [[nodiscard]] bool published_within(std::uint64_t version_id, int hours) const;
    // Versions with a README but no rendered HTML (from before it was rendered at publish).
    [[nodiscard]] std::vector<std::pair<std::uint64_t, std::string>> list_unrendered_readmes(
        int limit) const;
    void save_readme_html(std::uint64_t version_id, std::string_view html);
    // The version stays as a tombstone: the name@version can never come back (SPEC §5).
    void save_unpublished(std::uint64_t version_id);

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
    bool remove(std::uint64_t package_id, std::string_view tag);
    void remove_all(std::uint64_t package_id);
    [[nodiscard]] std::vector<TagRow> list(std::uint64_t package_id) const;

  private:
    Db& db_;
};

struct Change {
    std::uint64_t package_id = 0;
    std::string package_name;
    std::string kind;
    std::uint64_t actor_user_id = 0;
    std::string actor_name;
    std::string detail;            // JSON
    std::string origin = "local";  // "uplink": a proxied document was cached, updated or purged
};

struct ChangeRow {
    std::uint64_t seq = 0;
    std::string package_name;
    std::string kind;
    std::string actor_name;
    std::string detail;
    std::string time;  // ISO
};

class ChangeRepo {
  public:
    explicit ChangeRepo(Db& db) : db_{db} {}
    void append(const Change& c);
    // After seq, oldest first: changes to public packages, to those reader_id
    // owns and to reader_package (a project token's own).
    // origin: "local" or "uplink" (proxied documents, kept apart).
    [[nodiscard]] std::vector<ChangeRow> list_since(std::uint64_t seq, int limit,
                                                    std::uint64_t reader_id,
                                                    std::uint64_t reader_package,
                                                    std::string_view origin = "local") const;
    // For people (depotctl log); empty filters match everything. Newest first.
    [[nodiscard]] std::vector<ChangeRow> list_for(std::string_view package, std::string_view actor,
                                                  int limit) const;

  private:
    Db& db_;
};

struct AdvisoryRow {
    std::uint64_t id = 0;
    std::string package_name;
    std::string vulnerable_versions;
    std::string severity;
    std::string title;
    std::string url;
};

class AdvisoryRepo {
  public:
    explicit AdvisoryRepo(Db& db) : db_{db} {}
    std::uint64_t insert(const AdvisoryRow& a);
    [[nodiscard]] std::vector<AdvisoryRow> list_for(std::string_view package_name) const;

  private:
    Db& db_;
};

}  // namespace depot::storage
