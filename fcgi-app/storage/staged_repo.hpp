#pragma once
// Staged versions (issue 12): uploaded, not live, waiting for an owner.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct StagedRow {
    std::string id;
    std::uint64_t package_id = 0;
    std::string package_name;  // joined
    std::string version;
    std::string tag;
    std::string shasum;
    std::string body_key;
    std::uint64_t actor_user_id = 0;
    std::string actor_name;
    std::string actor_type;
    std::string created;  // ISO
};

class StagedRepo {
  public:
    explicit StagedRepo(Db& db) : db_{db} {}
    // false when that version of the package is staged already.
    [[nodiscard]] bool insert(const StagedRow& row);
    [[nodiscard]] std::optional<StagedRow> find(std::string_view id) const;
    [[nodiscard]] std::optional<StagedRow> find_version(std::uint64_t package_id,
                                                        std::string_view version) const;
    // Of packages user_id owns (of one package when package is not empty), oldest first.
    [[nodiscard]] std::vector<StagedRow> list(std::uint64_t user_id, std::string_view package,
                                              int limit, int offset) const;
    [[nodiscard]] int count(std::uint64_t user_id, std::string_view package) const;
    void remove(std::string_view id);

    [[nodiscard]] bool requires_staging(std::uint64_t package_id) const;
    void set_requires_staging(std::uint64_t package_id, bool on);

  private:
    Db& db_;
};

}  // namespace depot::storage
