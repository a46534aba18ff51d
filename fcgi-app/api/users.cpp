// Accounts from the npm CLI (protocol §4–6, SPEC §4): the CouchDB user
// document, /_session, whoami and logout.

#include <strings.h>

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "render/json.hpp"
#include "services/accounts.hpp"
#include "services/auth.hpp"
#include "services/passwords.hpp"
#include "services/rate_limits.hpp"
#include "services/tokens.hpp"
#include "services/web_accounts.hpp"
#include "storage/db.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"

namespace depot::api {
namespace {

constexpr int kSessionSeconds = 600;

std::string user_rev(const storage::UserRow& u) {
    return std::to_string(u.rev) + "-" +
           crypto::to_hex(crypto::sha256(u.name + "#" + std::to_string(u.rev))).substr(0, 16);
}

// 201 {ok, id, rev, token}: npm reads only "token" (protocol §4).
http::Response logged_in(Context& ctx, const storage::UserRow& u, std::string_view ok_text) {
    const auto token = services::mint_token(ctx.db, services::user_token(u.id, "npm login"));
    render::JsonWriter w;
    w.begin_object().field("ok", ok_text).field("id", "org.couchdb.user:" + u.name);
    w.field("rev", user_rev(u)).field("token", token.secret).end_object();
    return private_json(201, w.str());
}

// The email only for the account itself (issue 8, review L2): npm owner add
// needs just the name, and sends no email when the document has none.
std::string user_document(const storage::UserRow& u, bool self) {
    render::JsonWriter w;
    w.begin_object().field("_id", "org.couchdb.user:" + u.name).field("_rev", user_rev(u));
    w.field("name", u.name);
    if (self) w.field("email", u.email);
    w.field("type", "user");
    w.key("roles").begin_array().end_array().field("date", u.created).end_object();
    return w.str();
}

// The user a request may act for on /-/user/org.couchdb.user:NAME: Basic auth
// or the AuthSession cookie of /_session, or a token, of that very user.
// tokens_allowed: reading a document (npm owner) may use a token; changing an
// account (password, email) needs the password itself or a /_session cookie,
// so that a read-only or project token cannot become a full login.
std::optional<storage::UserRow> acting_user(const http::Request& req, Context& ctx,
                                            bool tokens_allowed) {
    std::optional<services::Principal> who;
    const auto cookie = req.header("cookie");
    if (const auto at = cookie.find("AuthSession="); at != std::string_view::npos) {
        auto value = cookie.substr(at + 12);
        value = value.substr(0, value.find(';'));
        try {
            who = services::authenticate(ctx.db, ctx.passwords, "Bearer " + std::string{value},
                                         req.remote_addr);
        } catch (const HttpError&) {
            throw unauthorized("the session has expired; log in again", "Basic");
        }
    }
    if (!who) {
        const auto auth = req.header("authorization");
        if (!tokens_allowed && !auth.empty() && auth.substr(0, 6) != "Basic " &&
            auth.substr(0, 6) != "basic ") {
            throw unauthorized(
                "changing an account needs its password (Basic auth) or a /_session cookie",
                "Basic");
        }
        who = caller(req, ctx);
    }
    if (!who) return std::nullopt;
    // A project token manages one package, not its creator's account (review M1).
    if (who->one_package()) throw forbidden("a project token cannot read or change accounts");
    if (who->token_kind == "session" || who->token_kind.empty() || tokens_allowed) {
        return storage::UserRepo{ctx.db}.find_by_id(who->user_id);
    }
    throw unauthorized("changing an account needs its password (Basic auth) or a /_session cookie",
                       "Basic");
}

// Accounts cost nothing to ask for: a few per client address an hour (review L4).
void limit_signups(const http::Request& req, Context& ctx) {
    services::rate_limit_address(ctx.db, "signup-addr", req.remote_addr,
                                 ctx.config.signups_per_address, 3600,
                                 "too many accounts created from your address; try again later");
}

std::string str_member(const rapidjson::Value& doc, std::string_view key) {
    return std::string{render::string_member(doc, key)};
}

}  // namespace

// PUT /-/user/org.couchdb.user:NAME — npm adduser and npm login (legacy).
http::Response add_user(const http::Request& req, Context& ctx) {
    const auto name = model::parse_user_name(couch_user_name(req.param("couch_id")));
    rapidjson::Document doc;
    parse_json_object(req, doc);
    const auto body_name = str_member(doc, "name");
    if (!body_name.empty() && body_name != name) throw bad_request("the body names another user");
    const auto password = str_member(doc, "password");
    const auto email_text = str_member(doc, "email");
    storage::UserRepo users{ctx.db};

    if (password.empty() && doc.HasMember("password_sha")) {  // npm <= 4 (SPEC §4)
        const auto salt = str_member(doc, "salt");
        const auto sha = str_member(doc, "password_sha");
        if (salt.empty() || sha.size() != 40)
            throw bad_request("salt and a 40-hex password_sha are required");
        const auto email = model::parse_email(email_text);
        limit_signups(req, ctx);
        const auto user = services::create_legacy_user(ctx.db, name, email, salt, sha);
        if (!user) {
            return private_json(409,
                                R"({"error":"conflict","reason":"Document update conflict."})");
        }
        render::JsonWriter w;
        w.begin_object().key("ok").boolean(true).field("id", "org.couchdb.user:" + name);
        w.field("rev", user_rev(*user)).end_object();
        return private_json(201, w.str());
    }
    if (password.empty()) throw bad_request("a password is required");
    if (const auto user = ctx.passwords.check(ctx.db, name, password, req.remote_addr)) {
        // "Adding an existing user with the current password is a login."
        // With 2FA (either mode) it needs a code too: npm asks and sends npm-otp (issue 12).
        services::require_login_code(ctx.db, user->id, req.header("npm-otp"));
        return logged_in(ctx, *user, "you are authenticated as '" + name + "'");
    }
    // npm login (no email): an unknown name and a wrong password get the same
    // answer (review L2). npm adduser of a taken name must say so.
    if (email_text.empty() || users.find_by_name(name))
        throw unauthorized("incorrect user name or password", "Basic");
    const auto email = model::parse_email(email_text);
    model::check_password(password);
    limit_signups(req, ctx);  // first: "that address is registered" is an answer too
    if (users.find_by_email(email))
        throw conflict("the email address " + email + " is already registered");
    const auto user = services::create_user(ctx.db, ctx.passwords, name, email, password);
    return logged_in(ctx, user, "user '" + name + "' created");
}

// GET /-/user/org.couchdb.user:NAME — the document, never a hash or salt.
http::Response show_user(const http::Request& req, Context& ctx) {
    const auto name = model::parse_user_name(couch_user_name(req.param("couch_id")));
    const auto me = acting_user(req, ctx, true);
    if (!me) throw unauthorized("log in to read user documents", "Basic");

    const auto user = storage::UserRepo{ctx.db}.find_by_name(name);
    if (!user) throw not_found("no user named \"" + name + "\"");
    // Another user's document: only what npm owner needs (the name).
    return private_json(200, user_document(*user, me->id == user->id));
}

// PUT /-/user/org.couchdb.user:NAME/-rev/REV — change email or password.
http::Response update_user(const http::Request& req, Context& ctx) {
    const auto name = model::parse_user_name(couch_user_name(req.param("couch_id")));
    const auto me = acting_user(req, ctx, false);
    if (!me || me->name != name)
        throw unauthorized("log in as " + name + " to change this account", "Basic");
    rapidjson::Document doc;
    parse_json_object(req, doc);
    // A password or email change guards the account: a code with 2FA (issue 12).
    services::require_login_code(ctx.db, me->id, req.header("npm-otp"));
    const auto& rev = req.param("rev");
    // yarn sends "-rev/undefined" (protocol §4).
    if (rev != "undefined" && rev != user_rev(*me)) {
        return private_json(409, R"({"error":"conflict","reason":"Document update conflict."})");
    }
    const auto email_text = str_member(doc, "email");
    const auto email = email_text.empty() ? me->email : model::parse_email(email_text);
    const bool same_email = email.size() == me->email.size() &&
                            strncasecmp(email.data(), me->email.data(), email.size()) == 0;

    const auto password = str_member(doc, "password");
    // npm's login 409 path sends the current password again: not a change.
    const bool changes_password =
        !password.empty() && !ctx.passwords.check(ctx.db, name, password, req.remote_addr);
    if (changes_password) model::check_password(password);
    // A new address counts once a link mailed to it is confirmed (review of
    // issue 8: else a stolen password would take the reset path too). Asked
    // first: its limits and its "belongs to another account" come before any change.
    if (!same_email) {
        services::start_email_change(ctx.db, ctx.config, me->id, email, req.remote_addr);
    }
    if (changes_password) {
        // Proof of the current password was the Basic header or the session;
        // every other credential of the account ends with the old password.
        storage::Transaction tx{ctx.db};
        services::change_password(ctx.db, ctx.passwords, me->id, password, 0);
        tx.commit();
    }
    const auto updated = *storage::UserRepo{ctx.db}.find_by_id(me->id);
    return logged_in(ctx, updated, "user '" + name + "' updated");
}

// POST /_session — CouchDB login: an AuthSession cookie for a few minutes.
http::Response create_session(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    const auto name = http::find_field(fields, "name").value_or("");
    const auto password = http::find_field(fields, "password").value_or("");
    const auto user = ctx.passwords.check(ctx.db, name, password, req.remote_addr);
    if (!user) throw unauthorized("name or password is incorrect", "Basic");
    services::require_login_code(ctx.db, user->id, req.header("npm-otp"));
    storage::TokenRepo{ctx.db}.purge_expired(100);
    auto spec = services::user_token(user->id, "session");
    spec.kind = "session";
    spec.expires_in_seconds = kSessionSeconds;
    const auto session = services::mint_token(ctx.db, spec);
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(true).field("name", user->name);
    w.key("roles").begin_array().end_array().end_object();
    auto r = private_json(200, w.str());
    r.set("Set-Cookie", "AuthSession=" + session.secret +
                            "; Max-Age=" + std::to_string(kSessionSeconds) +
                            "; Path=/; HttpOnly; Secure; SameSite=Strict");
    return r;
}

// GET /-/whoami
http::Response whoami(const http::Request& req, Context& ctx) {
    const auto who = require_caller(req, ctx);
    // A web account without an npm name is known by its email, shown only to
    // the account itself: a project token's holder may be someone else.
    const auto username = !who.name.empty()             ? who.name
                          : who.token_kind == "project" ? std::string{"(a project token)"}
                                                        : who.email;
    render::JsonWriter w;
    w.begin_object().field("username", username).end_object();
    return private_json(200, w.str());
}

// DELETE /-/user/token/TOKEN — npm logout. Always 2xx: a failure would leave
// the dead token in the user's .npmrc (protocol §6).
http::Response logout(const http::Request& req, Context& ctx) {
    storage::TokenRepo{ctx.db}.revoke_by_hash(services::token_hash(req.param("token")));
    return private_json(200, R"({"ok":true})");
}

}  // namespace depot::api
