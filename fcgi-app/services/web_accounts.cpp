#include "services/web_accounts.hpp"

#include <strings.h>

#include "config.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "log.hpp"
#include "services/auth.hpp"
#include "services/mailer.hpp"
#include "storage/db.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"

namespace depot::services {

constexpr int kResetSeconds = 3600;

Minted register_email(storage::Db& db, std::string_view email) {
    storage::UserRepo users{db};
    storage::UserRow row;
    row.email = std::string{email};
    storage::Transaction tx{db};
    const auto id = users.insert(row);
    if (!id)
        throw conflict("an account with the email address " + std::string{email} +
                       " exists already");
    auto minted = mint_token(db, user_token(*id, "web"));
    tx.commit();
    return minted;
}

void start_reset(storage::Db& db, const Config& config, std::string_view email) {
    const auto user = storage::UserRepo{db}.find_by_email(email);
    if (!user) throw not_found("there is no account with the email address " + std::string{email});
    auto spec = user_token(user->id, "reset");
    spec.kind = "reset";
    spec.expires_in_seconds = kResetSeconds;
    const auto minted = mint_token(db, spec);
    const auto link = config.public_url + "/-reset?rt=" + http::percent_encode(minted.secret) +
                      "&user=" + http::percent_encode(user->email);
    try {
        send_mail(config, user->email, "Reset your depot token",
                  "Someone (hopefully you) asked to reset the user token of your depot account.\n\n"
                  "Open this link within one hour to get a new token; every older token of your\n"
                  "account stops working then. The link works once.\n\n" +
                      link + "\n\nIf you did not ask for this, ignore this message.\n");
    } catch (const std::exception& e) {
        storage::TokenRepo{db}.revoke_by_hash(token_hash(minted.secret));
        log::error(std::string{"reset mail to an account failed: "} + e.what());
        throw HttpError(503, "the reset email could not be sent; try again later");
    }
}

Minted complete_reset(storage::Db& db, std::string_view reset_token, std::string_view email) {
    storage::TokenRepo tokens{db};
    storage::Transaction tx{db};
    const auto row = tokens.find_active(token_hash(reset_token));
    const bool matches = row && row->kind == "reset" && row->user_email.size() == email.size() &&
                         strncasecmp(row->user_email.data(), email.data(), email.size()) == 0;
    if (!matches) throw forbidden("this reset link is wrong, used or expired; ask for a new one");
    // Single use, and whoever held the old tokens loses them.
    if (!tokens.revoke_by_hash(token_hash(reset_token))) {
        throw forbidden("this reset link was used already; ask for a new one");
    }
    tokens.revoke_all(row->user_id, "user");
    auto minted = mint_token(db, user_token(row->user_id, "web (reset)"));
    tx.commit();
    return minted;
}

}  // namespace depot::services
