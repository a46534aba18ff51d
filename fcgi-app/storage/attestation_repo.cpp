#include "storage/attestation_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kInsert =
    "INSERT INTO attestations (version_id, predicate_type, document, source_repo, workflow,"
    " commit_sha, build_url) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kDocument = "SELECT document FROM attestations WHERE version_id = ?";

}  // namespace

void AttestationRepo::insert(const AttestationRow& a) {
    const auto st = db_.prepare(kInsert);
    st->setUInt64(1, a.version_id);
    st->setString(2, a.predicate_type);
    st->setString(3, a.document);
    set_nullable(*st, 4, a.source_repo);
    set_nullable(*st, 5, a.workflow);
    set_nullable(*st, 6, a.commit);
    set_nullable(*st, 7, a.build_url);
    st->executeUpdate();
}

std::string AttestationRepo::document(std::uint64_t version_id) const {
    const auto st = db_.prepare(kDocument);
    st->setUInt64(1, version_id);
    const auto rs = query(*st);
    return rs->next() ? str(*rs, 1) : std::string{};
}

}  // namespace depot::storage
