#pragma once
// Provenance (issue 13): the Sigstore bundle npm publish --provenance sends
// as a "NAME-VERSION.sigstore" attachment. depot checks that the bundle's
// in-toto statement is about exactly the published tarball (the purl and
// the sha512), keeps it, and serves it at /-/npm/v1/attestations/NAME@V.
// The Sigstore cryptography (Fulcio certificate, Rekor entry) is the
// client's to verify (pacote verifyAttestations); the registry vouches for
// the subject only.

#include <cstdint>
#include <string>
#include <string_view>

namespace depot::storage {
class Db;
}

namespace depot::services {

struct Provenance {
    std::string predicate_type;
    std::string document;  // {"attestations":[{"predicateType", "bundle"}]}
    // From the SLSA predicate, for the package page (may be empty).
    std::string source_repo;
    std::string workflow;
    std::string commit;
    std::string build_url;
};

inline constexpr std::size_t kMaxBundleBytes = 1 << 20;

// npm's package URL: "pkg:npm/%40scope/name@1.0.0" (npa.toPurl).
[[nodiscard]] std::string npm_purl(std::string_view name, std::string_view version);

// 400 unless bundle is a Sigstore bundle whose DSSE payload is an in-toto
// statement with one subject, npm_purl(name, version) with tarball_sha512_hex.
[[nodiscard]] Provenance check_provenance(std::string_view bundle, std::string_view name,
                                          std::string_view version,
                                          std::string_view tarball_sha512_hex);

// Whether two repository URLs name the same repository ("git+https://…/r.git",
// "https://…/r", case aside). Empty never matches.
[[nodiscard]] bool same_repository(std::string_view a, std::string_view b);

// As npm's registry: the package.json's repository (a string, "owner/repo",
// "github:owner/repo" or {url}) must be the repository the provenance
// names; 400 otherwise. manifest: the version object, JSON.
void check_repository(const Provenance& p, std::string_view manifest);

// In a publish's transaction.
void save_provenance(storage::Db& db, std::uint64_t version_id, const Provenance& p);

// The stored {"attestations":[…]} of a live version; empty when it has none.
[[nodiscard]] std::string stored_attestations(storage::Db& db, std::uint64_t version_id);

}  // namespace depot::services
