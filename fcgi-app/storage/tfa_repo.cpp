#include "storage/tfa_repo.hpp"

#include "storage/db.hpp"
#include "storage/sql.hpp"

namespace depot::storage {
namespace {

constexpr const char* kFind =
    "SELECT secret, mode, pending, last_step, last_credential FROM user_tfa WHERE user_id = ?";
constexpr const char* kFindForUpdate =
    "SELECT secret, mode, pending, last_step, last_credential FROM user_tfa WHERE user_id = ?"
    " FOR UPDATE";
constexpr const char* kStart =
    "INSERT INTO user_tfa (user_id, secret, mode, pending) VALUES (?, ?, ?, 1)"
    " ON DUPLICATE KEY UPDATE secret = VALUES(secret), mode = VALUES(mode), pending = 1,"
    " last_step = 0, last_credential = ''";
constexpr const char* kConfirm = "UPDATE user_tfa SET pending = 0 WHERE user_id = ?";
constexpr const char* kSetMode = "UPDATE user_tfa SET mode = ? WHERE user_id = ?";
constexpr const char* kUsed =
    "UPDATE user_tfa SET last_step = ?, last_credential = ? WHERE user_id = ?";
constexpr const char* kRemove = "DELETE FROM user_tfa WHERE user_id = ?";
constexpr const char* kRemoveCodes = "DELETE FROM recovery_codes WHERE user_id = ?";
constexpr const char* kAddCode = "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)";
constexpr const char* kUseCode =
    "UPDATE recovery_codes SET used_at = NOW(3) WHERE user_id = ? AND code_hash = ?"
    " AND used_at IS NULL LIMIT 1";

}  // namespace

std::optional<TfaRow> TfaRepo::find(std::uint64_t user_id, bool for_update) const {
    const auto st = db_.prepare(for_update ? kFindForUpdate : kFind);
    st->setUInt64(1, user_id);
    const auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    TfaRow r;
    r.secret = str(*rs, 1);
    r.mode = str(*rs, 2);
    r.pending = rs->getInt(3) != 0;
    r.last_step = rs->getInt64(4);
    r.last_credential = str(*rs, 5);
    return r;
}

void TfaRepo::start(std::uint64_t user_id, std::string_view secret, std::string_view mode) {
    const auto st = db_.prepare(kStart);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{secret});
    st->setString(3, std::string{mode});
    st->executeUpdate();
}

void TfaRepo::confirm(std::uint64_t user_id) {
    const auto st = db_.prepare(kConfirm);
    st->setUInt64(1, user_id);
    st->executeUpdate();
}

void TfaRepo::set_mode(std::uint64_t user_id, std::string_view mode) {
    const auto st = db_.prepare(kSetMode);
    st->setString(1, std::string{mode});
    st->setUInt64(2, user_id);
    st->executeUpdate();
}

void TfaRepo::used(std::uint64_t user_id, std::int64_t step, std::string_view credential) {
    const auto st = db_.prepare(kUsed);
    st->setInt64(1, step);
    st->setString(2, std::string{credential});
    st->setUInt64(3, user_id);
    st->executeUpdate();
}

void TfaRepo::remove(std::uint64_t user_id) {
    for (const char* sql : {kRemoveCodes, kRemove}) {
        const auto st = db_.prepare(sql);
        st->setUInt64(1, user_id);
        st->executeUpdate();
    }
}

void TfaRepo::replace_recovery_codes(std::uint64_t user_id,
                                     const std::vector<std::string>& hashes) {
    const auto del = db_.prepare(kRemoveCodes);
    del->setUInt64(1, user_id);
    del->executeUpdate();
    for (const auto& h : hashes) {
        const auto st = db_.prepare(kAddCode);
        st->setUInt64(1, user_id);
        st->setString(2, h);
        st->executeUpdate();
    }
}

bool TfaRepo::use_recovery_code(std::uint64_t user_id, std::string_view hash) {
    const auto st = db_.prepare(kUseCode);
    st->setUInt64(1, user_id);
    st->setString(2, std::string{hash});
    return st->executeUpdate() == 1;
}

}  // namespace depot::storage
