#pragma once
// Two-factor authentication (issue 12), as npm's registry does it: TOTP
// (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps) enrolled with npm profile
// enable-2fa, recovery codes shown once and stored hashed, and a code sent
// as npm-otp on writes (mode auth-and-writes) and at login (both modes).
// A code is good for its step and the ones either side; once used, it
// serves again only the credential that used it (npm publishes every
// workspace with one --otp), and an older step never does. Wrong codes are
// rate-limited per account.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace depot::storage {
class Db;
}

namespace depot::services {

// The 6-digit code of key (raw bytes) at a 30 s step (RFC 6238 with SHA-1).
[[nodiscard]] std::string totp_code(std::string_view key, std::int64_t step);
[[nodiscard]] std::string base32_encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> base32_decode(std::string_view text);

struct TfaStatus {
    std::string mode;  // "auth-only" or "auth-and-writes"
    bool pending = false;
};
[[nodiscard]] std::optional<TfaStatus> tfa_status(storage::Db& db, std::uint64_t user_id);

// Enrolment: a new pending secret; the otpauth:// URL authenticator apps read.
[[nodiscard]] std::string start_tfa(storage::Db& db, std::uint64_t user_id,
                                    std::string_view account_name, std::string_view mode);
// The first code from the app makes it live: the recovery codes, shown once.
// 400 when the code is wrong or nothing is pending.
[[nodiscard]] std::vector<std::string> confirm_tfa(storage::Db& db, std::uint64_t user_id,
                                                   std::string_view code);
void set_tfa_mode(storage::Db& db, std::uint64_t user_id, std::string_view mode);
void disable_tfa(storage::Db& db, std::uint64_t user_id);

// The QR code of text (an otpauth:// URL) for the web's enrolment page: its
// size in modules and the dark ones, drawn by the view as SVG squares.
struct QrCode {
    int size = 0;
    std::vector<std::pair<int, int>> dark;  // (x, y)
};
[[nodiscard]] QrCode qr_code(std::string_view text);

// Whether code (a TOTP code or an unused recovery code) is good for this
// account and credential ("t<token id>", "b" for the password, …); a good
// code is recorded as used. 429 after too many wrong ones.
[[nodiscard]] bool check_otp(storage::Db& db, std::uint64_t user_id, std::string_view code,
                             std::string_view credential);

}  // namespace depot::services
