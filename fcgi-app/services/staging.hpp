#pragma once
// Staged publishing (issue 12), as npm stage does it: CI uploads a version
// (POST /-/stage/package/NAME, any write token, no one-time password); it is
// checked as a publish is, holds its version number, and is neither in the
// packument nor installable; an owner approves it with a one-time password
// (it is then published, as the approver, at that time) or rejects it. The
// upload's body waits in the store (tarball_dir/_staged/ID.json).

#include <string>
#include <string_view>

#include "services/publish.hpp"
#include "storage/staged_repo.hpp"

namespace depot::storage {
class Db;
class TarballStore;
}  // namespace depot::storage

namespace depot::services {

struct Gates;
struct Principal;

// The staged id (a UUID). body: what npm sent, kept for the approval.
[[nodiscard]] std::string stage_version(storage::Db& db, storage::TarballStore& store,
                                        const Config& config, Gates& gates, const Principal& who,
                                        const PublishInput& in, std::string_view body);

// The staged version with this id, when who owns its package; 404 otherwise.
[[nodiscard]] storage::StagedRow staged_for(storage::Db& db, const Principal& who,
                                            std::string_view id);

// The publish body kept for it.
[[nodiscard]] std::string staged_body(const Config& config, const storage::StagedRow& row);

// Approving or rejecting needs the owner's second factor: 403 without 2FA,
// 401 OTP without a good code.
void require_approval(const Principal& who);

PublishOutcome approve_staged(storage::Db& db, storage::TarballStore& store, const Config& config,
                              Gates& gates, const Principal& who, const storage::StagedRow& row,
                              PublishInput in);
void reject_staged(storage::Db& db, storage::TarballStore& store, const Principal& who,
                   const storage::StagedRow& row);

}  // namespace depot::services
