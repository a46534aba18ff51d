#include "services/web_accounts.hpp"

#include <strings.h>

#include <cctype>

#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "log.hpp"
#include "model/account.hpp"
#include "services/accounts.hpp"
#include "services/auth.hpp"
#include "services/mailer.hpp"
#include "services/passwords.hpp"
#include "services/rate_limits.hpp"
#include "services/scopes.hpp"
#include "storage/db.hpp"
#include "storage/email_confirmation_repo.hpp"
#include "storage/package_repo.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"

namespace depot::services {
namespace {

constexpr int kLinkSeconds = 3600;
constexpr int kRevertSeconds = 7 * 86400;

bool same_email(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Mails cost the recipient's patience and the sender's reputation: a few
// per client an hour (counted first: whether an address has an account is an
// answer too, limited the same way) ...
void limit_mail_from(storage::Db& db, const Config& config, std::string_view client_addr) {
    rate_limit_address(db, "mail-addr", client_addr, config.mails_per_address, 3600,
                       "too many mails asked for from your address; try again later");
}

// ... and a few per recipient an hour, counted only for a mail about to go
// (probes that send nothing do not use up someone's reset mails).
void limit_mail_to(storage::Db& db, const Config& config, std::string_view email) {
    std::string lower{email};
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rate_limit(db, "mail-to", lower, config.mails_per_email, 3600,
               "too many mails were sent to this address; check your inbox or try again later");
}

void mail_or_503(const Config& config, std::string_view to, std::string_view subject,
                 const std::string& body) {
    try {
        send_mail(config, to, subject, body);
    } catch (const std::exception& e) {
        log::error(std::string{"mail to an account failed: "} + e.what());
        throw HttpError(503, "the email could not be sent; try again later");
    }
}

}  // namespace

void start_registration(storage::Db& db, const Config& config, std::string_view email,
                        std::string_view client_addr) {
    limit_mail_from(db, config, client_addr);
    if (storage::UserRepo{db}.find_by_email(email)) {
        throw conflict("an account with the email address " + std::string{email} +
                       " exists already");
    }
    limit_mail_to(db, config, email);
    storage::EmailConfirmationRepo pending{db};
    pending.purge_expired(100);
    const auto secret = crypto::random_token();
    pending.insert(email, token_hash(secret), client_addr, kLinkSeconds);
    const auto link = config.public_url + "/-confirm?ct=" + http::percent_encode(secret) +
                      "&user=" + http::percent_encode(email);
    try {
        mail_or_503(config, email, "Confirm your depot account",
                    "Someone (hopefully you) asked for a depot account for this address.\n\n"
                    "Open this link within one hour and press the button to create it; the\n"
                    "page then shows your user token once. The link works once.\n\n" +
                        link +
                        "\n\nIf you did not ask for this, ignore this message: no account\n"
                        "exists until the button is pressed.\n");
    } catch (...) {
        pending.remove(token_hash(secret));
        throw;
    }
}

void start_email_change(storage::Db& db, const Config& config, std::uint64_t user_id,
                        std::string_view new_email, std::string_view client_addr) {
    limit_mail_from(db, config, client_addr);
    storage::UserRepo users{db};
    const auto me = users.find_by_id(user_id);
    if (!me) throw not_found("no such account");
    if (const auto other = users.find_by_email(new_email); other && other->id != user_id) {
        throw conflict("the email address " + std::string{new_email} +
                       " belongs to another account");
    }
    limit_mail_to(db, config, new_email);
    storage::EmailConfirmationRepo pending{db};
    pending.purge_expired(100);
    const auto secret = crypto::random_token();
    const auto undo = crypto::random_token();
    pending.insert(new_email, token_hash(secret), client_addr, kLinkSeconds, user_id, "change");
    pending.insert(me->email, token_hash(undo), client_addr, kRevertSeconds, user_id, "revert");
    const auto link = [&](const std::string& s, std::string_view to) {
        return config.public_url + "/-confirm?ct=" + http::percent_encode(s) +
               "&user=" + http::percent_encode(to);
    };
    try {
        mail_or_503(config, new_email, "Confirm the new email of your depot account",
                    "Someone (hopefully you) asked to make this address the email of the depot\n"
                    "account " +
                        me->name +
                        ".\n\nOpen this link within one hour and press the "
                        "button to confirm it:\n\n" +
                        link(secret, new_email) +
                        "\n\nIf you did not ask for this, ignore this message: nothing changes.\n");
    } catch (...) {
        pending.remove(token_hash(secret));
        pending.remove(token_hash(undo));
        throw;
    }
    try {  // the old address can undo it for a week, even after it was confirmed
        send_mail(config, me->email, "The email of your depot account may change",
                  "Someone asked to change the email of the depot account " + me->name +
                      " to another address.\nIt changes only if that address confirms it.\n\n"
                      "If this was not you, your password is known to someone else. Open this\n"
                      "link within seven days and press its button: the account keeps (or gets\n"
                      "back) this address, and every token, session and the password of the\n"
                      "account stop working; then reset it from the registry's home page.\n\n" +
                      link(undo, me->email) + "\n");
    } catch (const std::exception& e) {
        log::warn(std::string{"a notice to an account's old email failed: "} + e.what());
    }
}

Confirmation check_registration(storage::Db& db, std::string_view secret, std::string_view email) {
    const auto row = storage::EmailConfirmationRepo{db}.find_active(token_hash(secret));
    if (!row || !same_email(row->email, email)) {
        throw forbidden("this confirmation link is wrong, used or expired; register again");
    }
    Confirmation c;
    c.purpose = row->purpose;
    c.user_id = row->user_id;
    if (row->user_id != 0) {
        const auto user = storage::UserRepo{db}.find_by_id(row->user_id);
        if (user) c.name = user->name;
    }
    return c;
}

NewAccount confirm_registration(storage::Db& db, const PasswordChecks& passwords,
                                std::string_view secret, std::string_view email,
                                std::string_view name_text, std::string_view password) {
    std::string name;
    if (!name_text.empty()) name = model::parse_user_name(name_text);
    if (!password.empty()) {
        if (name.empty()) throw bad_request("choose an npm user name to go with the password");
        model::check_password(password);
    }
    storage::Transaction tx{db};
    storage::EmailConfirmationRepo pending{db};
    const auto row = pending.find_active(token_hash(secret));
    if (!row || !same_email(row->email, email)) {
        throw forbidden("this confirmation link is wrong, used or expired; register again");
    }
    // Whoever else asked to register this address loses the race with its owner.
    (void)pending.remove_for_email(row->email);
    storage::UserRepo users{db};
    if (const auto owner = users.find_by_email(row->email);
        owner && (row->user_id == 0 || owner->id != row->user_id)) {
        throw conflict("an account with the email address " + row->email + " exists already");
    }
    if (row->user_id != 0) {  // an email change proven at the new address, or undone at the old
        const auto user = users.find_by_id(row->user_id);
        if (!user) throw forbidden("this confirmation link is for an account that is gone");
        NewAccount done;
        done.name = user->name;
        done.purpose = row->purpose;
        users.save_email(user->id, row->email);
        if (row->purpose == "revert") {
            // The password is someone else's too: end every credential and
            // every pending change; the owner resets from this address.
            pending.remove_for_user(user->id, "change");
            change_password(db, passwords, user->id, "", 0);
            (void)storage::TokenRepo{db}.revoke_projects_of(user->id);
        }
        tx.commit();
        return done;
    }
    if (!name.empty() && name_taken_by_scope(db, name)) {
        throw conflict("the name \"" + name + "\" is taken by a scope");
    }
    storage::UserRow u;
    u.name = name;
    u.email = row->email;
    if (!password.empty()) u.password_hash = passwords.hash(password);
    const auto id = users.insert(u);
    if (!id) throw conflict("the npm name \"" + name + "\" is taken");
    // Tokens minted on the web expire (issue 12); a reset mints a new one.
    auto spec = user_token(*id, "web");
    spec.expires_in_seconds = passwords.config().token_max_days * 86400;
    NewAccount out{mint_token(db, spec), name};
    tx.commit();
    return out;
}

void start_reset(storage::Db& db, const Config& config, std::string_view email,
                 std::string_view client_addr) {
    limit_mail_from(db, config, client_addr);
    const auto user = storage::UserRepo{db}.find_by_email(email);
    if (!user) throw not_found("there is no account with the email address " + std::string{email});
    limit_mail_to(db, config, email);
    storage::TokenRepo{db}.purge_expired(100);
    auto spec = user_token(user->id, "reset");
    spec.kind = "reset";
    spec.expires_in_seconds = kLinkSeconds;
    const auto minted = mint_token(db, spec);
    const auto link = config.public_url + "/-reset?rt=" + http::percent_encode(minted.secret) +
                      "&user=" + http::percent_encode(user->email);
    try {
        mail_or_503(config, user->email, "Reset your depot account",
                    "Someone (hopefully you) asked to reset your depot account.\n\n"
                    "Open this link within one hour and confirm on the page: you get a new user\n"
                    "token and choose a new password, and every older token, session and\n"
                    "password of your account stops working. The link works once.\n\n" +
                        link +
                        "\n\nIf you did not ask for this, ignore this message: nothing\n"
                        "changes until the page's button is pressed.\n");
    } catch (...) {
        storage::TokenRepo{db}.revoke_by_hash(token_hash(minted.secret));
        throw;
    }
}

ResetLink check_reset(storage::Db& db, std::string_view secret, std::string_view email) {
    const auto row = storage::TokenRepo{db}.find_active(token_hash(secret));
    if (!row || row->kind != "reset" || !same_email(row->user_email, email)) {
        throw forbidden("this reset link is wrong, used or expired; ask for a new one");
    }
    return {row->user_name};
}

ResetOutcome complete_reset(storage::Db& db, const PasswordChecks& passwords,
                            std::string_view secret, std::string_view email,
                            const ResetChoice& choice) {
    if (!choice.password.empty()) model::check_password(choice.password);
    storage::TokenRepo tokens{db};
    storage::Transaction tx{db};
    const auto row = tokens.find_active(token_hash(secret));
    if (!row || row->kind != "reset" || !same_email(row->user_email, email)) {
        throw forbidden("this reset link is wrong, used or expired; ask for a new one");
    }
    if (!tokens.revoke_by_hash(token_hash(secret))) {  // single use, even when two race
        throw forbidden("this reset link was used already; ask for a new one");
    }
    ResetOutcome out;
    out.name = row->user_name;
    storage::UserRepo users{db};
    if (out.name.empty() && !choice.name.empty()) {
        const auto name = model::parse_user_name(choice.name);
        if (name_taken_by_scope(db, name) || !users.save_name(row->user_id, name)) {
            throw conflict("the npm name \"" + name + "\" is taken");
        }
        out.name = name;
    }
    if (!choice.password.empty() && out.name.empty()) {
        throw bad_request("choose an npm user name to go with the password");
    }
    // Every other user token, session and reset link, and the old password.
    change_password(db, passwords, row->user_id, choice.password, 0);
    if (!choice.keep_project_tokens) {
        const auto packages = tokens.list_project_packages(row->user_id);
        (void)tokens.revoke_projects_of(row->user_id);
        storage::PackageRepo repo{db};
        for (const auto id : packages) {
            const auto pkg = repo.find_by_id(id);
            if (!pkg || !pkg->unpublished.empty() || !repo.is_owner(id, row->user_id)) continue;
            auto spec = user_token(row->user_id, "project");
            spec.kind = "project";
            spec.package_id = id;
            spec.expires_in_seconds = passwords.config().token_max_days * 86400;
            out.project_tokens.emplace_back(pkg->name, mint_token(db, spec).secret);
        }
    }
    auto web = user_token(row->user_id, "web (reset)");
    web.expires_in_seconds = passwords.config().token_max_days * 86400;
    out.token = mint_token(db, web);
    tx.commit();
    return out;
}

}  // namespace depot::services
