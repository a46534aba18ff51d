#pragma once
// Accounts of the original web design (SPEC §3), with the address proven
// first (issue 8, review H2): registering mails a one-hour link whose
// confirmation page (a POST button, so mail scanners that follow links change
// nothing) creates the account and shows its first user token once. A lost
// token (or a forgotten password) is replaced through a one-hour, single-use
// reset link, whose confirmation ends every other credential of the account:
// user tokens, sessions, other reset links, the password (the person sets a
// new one), and by default the project tokens the account minted.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/tokens.hpp"

namespace depot {
struct Config;
}
namespace depot::storage {
class Db;
}

namespace depot::services {

class PasswordChecks;

// Mails the confirmation link. conflict() when an account has the address;
// 429 over the mail limits; 503 when the mail cannot be sent.
void start_registration(storage::Db& db, const Config& config, std::string_view email,
                        std::string_view client_addr);

// A change of an account's email, proven at the new address the same way:
// mails it a confirmation link, and mails the old address a link that, for
// seven days, undoes the change and locks the account (every token, session
// and the password end; a reset from the old address then takes it back), in
// case the change was not its owner's. conflict() when another account has
// the address; 429 over the mail limits.
void start_email_change(storage::Db& db, const Config& config, std::uint64_t user_id,
                        std::string_view new_email, std::string_view client_addr);

// What a live confirmation link is for.
struct Confirmation {
    std::string purpose;        // register, change (confirms the new email), revert (undoes it)
    std::uint64_t user_id = 0;  // the account, for change and revert
    std::string name;           // that account's npm name
};

// 403 unless secret is a live confirmation link for email.
[[nodiscard]] Confirmation check_registration(storage::Db& db, std::string_view secret,
                                              std::string_view email);

struct NewAccount {
    Minted token;      // empty for an email change or revert
    std::string name;  // the npm name, when one was chosen (or the account has one)
    std::string purpose = "register";
};

// The confirmation button: creates the account, with an npm name and a
// password when given, and mints its first user token; or, for an email
// change, sets the new address. Every pending link of the address dies.
[[nodiscard]] NewAccount confirm_registration(storage::Db& db, const PasswordChecks& passwords,
                                              std::string_view secret, std::string_view email,
                                              std::string_view name, std::string_view password);

// Mails a reset link. not_found() for an unknown email; 429 over the mail
// limits; 503 when the mail cannot be sent.
void start_reset(storage::Db& db, const Config& config, std::string_view email,
                 std::string_view client_addr);

struct ResetLink {
    std::string name;  // the account's npm name, empty when it has none
};

// 403 unless secret is a live reset link for email.
[[nodiscard]] ResetLink check_reset(storage::Db& db, std::string_view secret,
                                    std::string_view email);

struct ResetChoice {
    std::string password;              // the new password; empty: none
    std::string name;                  // an npm name, for an account without one
    bool keep_project_tokens = false;  // default: rotated
};

struct ResetOutcome {
    Minted token;  // the new user token
    std::string name;
    // package name → its new project token, when project tokens were rotated
    std::vector<std::pair<std::string, std::string>> project_tokens;
};

[[nodiscard]] ResetOutcome complete_reset(storage::Db& db, const PasswordChecks& passwords,
                                          std::string_view secret, std::string_view email,
                                          const ResetChoice& choice);

}  // namespace depot::services
