#include "services/second_factor.hpp"

#include <qrencode.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "services/rate_limits.hpp"
#include "storage/db.hpp"
#include "storage/tfa_repo.hpp"

namespace depot::services {
namespace {

constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int kWrongCodes = 10;  // per account per 5 minutes
constexpr int kRecoveryCodes = 10;

std::int64_t current_step() { return static_cast<std::int64_t>(std::time(nullptr)) / 30; }

bool six_digits(std::string_view code) {
    return code.size() == 6 && code.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string recovery_hash(std::string_view code) {
    std::string norm;
    for (const char ch : code) {
        if (ch != '-' && ch != ' ')
            norm.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    return crypto::to_hex(crypto::sha256(norm));
}

// The step among now-1, now, now+1 whose code is code; nullopt for none.
std::optional<std::int64_t> matching_step(const std::string& key, std::string_view code) {
    const auto now = current_step();
    for (std::int64_t s = now - 1; s <= now + 1; ++s) {
        if (crypto::equal_ct(totp_code(key, s), code)) return s;
    }
    return std::nullopt;
}

}  // namespace

std::string totp_code(std::string_view key, std::int64_t step) {
    std::string counter(8, '\0');
    for (int i = 7; i >= 0; --i) {
        counter[static_cast<std::size_t>(i)] = static_cast<char>(step & 0xff);
        step >>= 8;
    }
    const auto mac = crypto::hmac_sha1(key, counter);
    const auto offset = static_cast<std::size_t>(mac[19] & 0x0f);
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(mac[offset + i]));
    };
    const std::uint32_t bin = ((byte(0) & 0x7f) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    auto code = std::to_string(bin % 1000000);
    return std::string(6 - code.size(), '0') + code;
}

QrCode qr_code(std::string_view text) {
    const std::string s{text};
    QRcode* q = QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) throw std::runtime_error("qrencode failed");
    QrCode out;
    out.size = q->width;
    for (int y = 0; y < q->width; ++y) {
        for (int x = 0; x < q->width; ++x) {
            if (q->data[y * q->width + x] & 1) out.dark.emplace_back(x, y);
        }
    }
    QRcode_free(q);
    return out;
}

std::string base32_encode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 5) {
            out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : text) {
        if (ch == '=') break;
        const char* p = std::strchr(kAlphabet, std::toupper(static_cast<unsigned char>(ch)));
        if (!p || ch == '\0') return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(p - kAlphabet);
        bits += 5;
        if (bits >= 8) {
            out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

std::optional<TfaStatus> tfa_status(storage::Db& db, std::uint64_t user_id) {
    const auto row = storage::TfaRepo{db}.find(user_id);
    if (!row) return std::nullopt;
    return TfaStatus{row->mode, row->pending};
}

std::string start_tfa(storage::Db& db, std::uint64_t user_id, std::string_view account_name,
                      std::string_view mode) {
    const auto secret = base32_encode(crypto::random_bytes(20));
    storage::TfaRepo{db}.start(user_id, secret, mode);
    return "otpauth://totp/depot:" + http::percent_encode(account_name) + "?secret=" + secret +
           "&issuer=depot&algorithm=SHA1&digits=6&period=30";
}

std::vector<std::string> confirm_tfa(storage::Db& db, std::uint64_t user_id,
                                     std::string_view code) {
    storage::Transaction tx{db};
    storage::TfaRepo tfa{db};
    const auto row = tfa.find(user_id, true);
    if (!row || !row->pending)
        throw bad_request("two-factor authentication is not being enabled; start with its mode");
    rate_limit(db, "otp-enrol", std::to_string(user_id), kWrongCodes, 300,
               "too many codes tried; wait a few minutes");
    const auto key = base32_decode(row->secret).value_or("");
    const auto step = six_digits(code) ? matching_step(key, code) : std::nullopt;
    if (!step) {
        tx.commit();  // the try counts
        throw bad_request("that code is not the one your authenticator shows now; try again");
    }
    tfa.confirm(user_id);
    tfa.used(user_id, *step, "enrol");
    std::vector<std::string> codes;
    std::vector<std::string> hashes;
    for (int i = 0; i < kRecoveryCodes; ++i) {
        const auto hex = crypto::to_hex(crypto::random_bytes(8));
        codes.push_back(hex.substr(0, 8) + "-" + hex.substr(8));
        hashes.push_back(recovery_hash(codes.back()));
    }
    tfa.replace_recovery_codes(user_id, hashes);
    tx.commit();
    return codes;
}

void set_tfa_mode(storage::Db& db, std::uint64_t user_id, std::string_view mode) {
    storage::TfaRepo{db}.set_mode(user_id, mode);
}

void disable_tfa(storage::Db& db, std::uint64_t user_id) {
    storage::Transaction tx{db};
    storage::TfaRepo{db}.remove(user_id);
    tx.commit();
}

bool check_otp(storage::Db& db, std::uint64_t user_id, std::string_view code,
               std::string_view credential) {
    const auto who = std::to_string(user_id);
    storage::Transaction tx{db};
    storage::TfaRepo tfa{db};
    // The row lock orders every check of this account: the count read here
    // includes every wrong code before it (no burst of parallel guesses).
    const auto row = tfa.find(user_id, true);
    if (!row || row->pending) return false;
    if (current_hits(db, "otp-wrong", who) >= kWrongCodes)
        throw too_many_requests("too many wrong one-time passwords; wait a few minutes", 60);
    bool good = false;
    if (six_digits(code)) {
        const auto step = matching_step(base32_decode(row->secret).value_or(""), code);
        // Once used, a step serves only the credential that used it; older steps never.
        good = step && (*step > row->last_step ||
                        (*step == row->last_step && row->last_credential == credential));
        if (good) tfa.used(user_id, *step, credential);
    } else if (code.size() >= 16 && code.size() <= 40) {
        good = tfa.use_recovery_code(user_id, recovery_hash(code));
    }
    if (!good) {
        try {  // counted before the lock goes
            rate_limit(db, "otp-wrong", who, kWrongCodes, 300, "too many wrong one-time passwords");
        } catch (const HttpError&) {
        }
    }
    tx.commit();
    return good;
}

}  // namespace depot::services
