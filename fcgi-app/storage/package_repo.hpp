#pragma once
// Packages, their owners, and search over them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::storage {

class Db;

struct PackageRow {
    std::uint64_t id = 0;
    std::string name;
    std::string access;  // public, restricted
    std::uint32_t rev = 0;
    std::string description;
    std::string readme;
    std::string readme_filename;
    std::string created, modified, unpublished;  // ISO
    std::string nightly_url;                     // SPEC §3 nightly pointer
};

struct OwnerRow {
    std::uint64_t user_id = 0;
    std::string name;
    std::string email;
};

struct PackageMeta {
    std::string description;
    std::string keywords;  // space-joined
    std::string readme;
    std::string search_name;
};

struct RecentRow {
    std::string name;
    std::string description;
    std::string modified;  // ISO
    std::string latest;    // version the latest tag names
};

struct SearchHit {
    std::string name;
    std::string description;
    std::string modified;
    std::string latest;           // the version dist-tags.latest names
    std::string latest_manifest;  // its manifest, for keywords and links
    std::string publisher;        // who published it
    std::string maintainers;      // owners' npm names, space-separated
};

// Free text as a MySQL boolean FULLTEXT query: "Left-pad util" → "left* pad* util*"
// (words are runs of letters and digits; nothing else reaches the query).
[[nodiscard]] std::string fulltext_query(std::string_view text);
// The text as an exact package name to rank first, or empty when it could not be one
// (non-ASCII or control characters never reach the ASCII name column).
[[nodiscard]] std::string exact_name_of(std::string_view text);

class PackageRepo {
  public:
    explicit PackageRepo(Db& db) : db_{db} {}

    // for_update: lock the row until the transaction ends (writes to one package serialise).
    [[nodiscard]] std::optional<PackageRow> find(std::string_view name,
                                                 bool for_update = false) const;
    [[nodiscard]] std::optional<PackageRow> find_by_id(std::uint64_t id) const;
    // nullopt when the name exists already.
    [[nodiscard]] std::optional<std::uint64_t> insert(std::string_view name, std::string_view scope,
                                                      std::string_view access);
    // New rev and modified time; meta fields when given.
    void save_meta(std::uint64_t id, const PackageMeta& meta);
    void bump(std::uint64_t id);

    [[nodiscard]] bool is_owner(std::uint64_t package_id, std::uint64_t user_id) const;
    void add_owner(std::uint64_t package_id, std::uint64_t user_id);
    void remove_owner(std::uint64_t package_id, std::uint64_t user_id);
    [[nodiscard]] std::vector<OwnerRow> list_owners(std::uint64_t package_id) const;
    // Public, live packages, most recently changed first (the home page).
    [[nodiscard]] std::vector<RecentRow> list_recent(int limit, int offset) const;
    [[nodiscard]] int count_public() const;
    // Every package, live or not, by id (for ops: rebuilding stored documents).
    [[nodiscard]] std::vector<std::pair<std::uint64_t, std::string>> list_all() const;

    // name → "write" for every live package the user owns.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> list_owned(
        std::uint64_t user_id) const;

    void save_access(std::uint64_t id, std::string_view access);
    // npm access set mfa (issue 12).
    struct MfaPolicy {
        bool publish_requires_tfa = false;
        bool automation_token_overrides_tfa = false;
    };
    [[nodiscard]] MfaPolicy mfa_policy(std::uint64_t id) const;
    void save_mfa_policy(std::uint64_t id, const MfaPolicy& policy);
    void save_nightly(std::uint64_t id, std::string_view url);
    void save_unpublished(std::uint64_t id, bool unpublished);

    void add_star(std::uint64_t package_id, std::uint64_t user_id);
    void remove_star(std::uint64_t package_id, std::uint64_t user_id);
    [[nodiscard]] std::vector<std::string> list_stargazers(std::uint64_t package_id) const;
    [[nodiscard]] std::vector<std::string> list_starred(std::string_view user_name) const;

    // Public packages, the restricted ones that reader_id owns (0: none) and
    // reader_package (a project token's own package; 0: none).
    [[nodiscard]] std::vector<SearchHit> search(std::string_view text,
                                                std::string_view boolean_query, int size, int from,
                                                std::uint64_t reader_id,
                                                std::uint64_t reader_package) const;
    [[nodiscard]] int count_search(std::string_view text, std::string_view boolean_query,
                                   std::uint64_t reader_id, std::uint64_t reader_package) const;

  private:
    Db& db_;
};

}  // namespace depot::storage
