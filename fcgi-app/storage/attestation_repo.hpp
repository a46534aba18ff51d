#pragma once
// A version's Sigstore bundles and what the page shows of them (issue 13).

#include <cstdint>
#include <string>

namespace depot::storage {

class Db;

struct AttestationRow {
    std::uint64_t version_id = 0;
    std::string predicate_type;
    std::string document;
    std::string source_repo;
    std::string workflow;
    std::string commit;
    std::string build_url;
};

class AttestationRepo {
  public:
    explicit AttestationRepo(Db& db) : db_{db} {}
    void insert(const AttestationRow& a);
    [[nodiscard]] std::string document(std::uint64_t version_id) const;  // empty: none

  private:
    Db& db_;
};

}  // namespace depot::storage
