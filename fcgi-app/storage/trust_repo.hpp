#pragma once
// npm trust (issue 13): a package's trusted publisher, and the JWT ids an
// OIDC exchange has used.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace depot::storage {

class Db;

struct TrustRow {
    std::string id;  // a UUID
    std::uint64_t package_id = 0;
    std::string type;         // github, gitlab, or a configured issuer's name
    std::string claims;       // JSON object
    std::string permissions;  // space-separated: createPackage createStagedPackage
    std::string created;
};

class TrustRepo {
  public:
    explicit TrustRepo(Db& db) : db_{db} {}
    // The package's one config (locked when asked, in a transaction).
    [[nodiscard]] std::optional<TrustRow> of_package(std::uint64_t package_id,
                                                     bool lock = false) const;
    [[nodiscard]] std::optional<TrustRow> find(std::string_view id) const;
    // False when the package has one already.
    [[nodiscard]] bool insert(const TrustRow& t, std::uint64_t created_by);
    // Also ends the tokens exchanged under it.
    bool remove(std::uint64_t package_id, std::string_view id);
    // A package unpublished whole: its trust config and exchanged tokens go.
    void forget_package(std::uint64_t package_id);
    // Records a JWT's id until it expires; false when it was used already.
    [[nodiscard]] bool use_jti(std::string_view jti_hash, long long expires_unix);

  private:
    Db& db_;
};

}  // namespace depot::storage
