// npm login with web auth (protocol §3): POST /-/v1/login hands out a page
// for the person and a URL for the CLI to poll; the token is minted when the
// CLI collects it, once.

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "render/json.hpp"
#include "render/views.hpp"
#include "services/accounts.hpp"
#include "services/auth.hpp"
#include "services/passwords.hpp"
#include "services/rate_limits.hpp"
#include "services/second_factor.hpp"
#include "services/tokens.hpp"
#include "storage/db.hpp"
#include "storage/user_repo.hpp"
#include "storage/web_login_repo.hpp"

namespace depot::api {
namespace {

constexpr int kLoginSeconds = 600;

std::string hashed(std::string_view id) { return crypto::to_hex(crypto::sha256(id)); }

http::Response page(int status, std::string body) {
    auto r = http::html(status, std::move(body));
    r.set("Cache-Control", "no-store");
    return r;
}

// What the approval page shows of the client: printable ASCII, bounded.
std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    for (const char c : text) {
        if (out.size() >= max) break;
        out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out;
}

render::LoginRequest login_request(const storage::WebLoginRow& row) {
    return {row.client_addr, row.user_agent, row.created.substr(0, 19) + " UTC"};
}

}  // namespace

// POST /-/v1/login — body {} (login) or {"create":true} (adduser).
http::Response start_web_login(const http::Request& req, Context& ctx) {
    bool create = false;
    if (!req.body.empty()) {
        rapidjson::Document doc;
        parse_json_object(req, doc);
        const auto it = doc.FindMember("create");
        create = it != doc.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    }
    // Anyone may start one: bounded per address, and the expired ones are swept (review L4).
    services::rate_limit_address(ctx.db, "weblogin-addr", req.remote_addr,
                                 ctx.config.web_logins_per_address, 3600,
                                 "too many logins started from your address; try again later");
    const auto login_id = crypto::base64url_encode(crypto::random_bytes(32));
    const auto done_id = crypto::base64url_encode(crypto::random_bytes(32));
    storage::WebLoginRepo logins{ctx.db};
    logins.purge_expired(100);
    // The approval page shows where and when the login started (review L5):
    // npm shows the person only a URL, which anyone can send them.
    logins.insert(hashed(login_id), hashed(done_id), create, req.remote_addr,
                  printable(req.header("user-agent"), 200), kLoginSeconds);
    render::JsonWriter w;
    w.begin_object().field("loginUrl", ctx.config.public_url + "/-/v1/login/" + login_id);
    w.field("doneUrl", ctx.config.public_url + "/-/v1/done/" + done_id).end_object();
    return private_json(200, w.str());
}

// GET /-/v1/done/ID — 202 until approved, then 200 {"token"} once.
http::Response poll_web_login(const http::Request& req, Context& ctx) {
    storage::WebLoginRepo logins{ctx.db};
    const auto row = logins.find_by_done(hashed(req.param("id")));
    if (!row) throw not_found("this login has expired or was completed; run npm login again");
    if (row->user_id == 0) {
        auto r = private_json(202, "{}");  // npm parses the body even on 202
        r.set("Retry-After", "1");
        return r;
    }
    if (!logins.remove(row->id)) throw not_found("this login was already completed");
    // A password change or reset after the approval ends it (review of issue 8).
    if (storage::UserRepo{ctx.db}.credential_gen(row->user_id) != row->credential_gen)
        throw not_found(
            "this login was approved before the account's password changed; run npm login again");
    const auto token =
        services::mint_token(ctx.db, services::user_token(row->user_id, "npm login (web)"));
    render::JsonWriter w;
    w.begin_object().field("token", token.secret).end_object();
    return private_json(200, w.str());
}

// GET /-/v1/login/ID — the page where a person signs in (or signs up) and approves.
http::Response show_web_login(const http::Request& req, Context& ctx) {
    const auto row = storage::WebLoginRepo{ctx.db}.find_by_login(hashed(req.param("id")));
    if (!row) throw not_found("this login link has expired; run npm login again");
    if (row->user_id != 0) return page(200, ctx.views.login_done_page(""));
    return page(200, ctx.views.login_page(row->create_account, login_request(*row), "", ""));
}

// POST /-/v1/login/ID — name + password (+ email to create the account).
http::Response approve_web_login(const http::Request& req, Context& ctx) {
    storage::WebLoginRepo logins{ctx.db};
    const auto row = logins.find_by_login(hashed(req.param("id")));
    if (!row) throw not_found("this login link has expired; run npm login again");
    const auto fields = http::parse_form(req.body);
    const auto name_text = http::find_field(fields, "name").value_or("");
    const auto password = http::find_field(fields, "password").value_or("");
    const auto email_text = http::find_field(fields, "email").value_or("");
    try {
        if (http::find_field(fields, "mine") != "yes") {
            throw bad_request(
                "confirm that you started this login yourself; if you did not, close this page");
        }
        const auto name = model::parse_user_name(name_text);
        std::optional<storage::UserRow> user;
        // Accounts are made only by npm adduser's login (review S13).
        if (row->create_account && !email_text.empty() &&
            !storage::UserRepo{ctx.db}.find_by_name(name)) {
            model::check_password(password);
            const auto email = model::parse_email(email_text);
            services::rate_limit_address(
                ctx.db, "signup-addr", req.remote_addr, ctx.config.signups_per_address, 3600,
                "too many accounts created from your address; try again later");
            user = services::create_user(ctx.db, ctx.passwords, name, email, password);
        } else {
            user = ctx.passwords.check(ctx.db, name, password, req.remote_addr);
            if (!user) throw unauthorized("incorrect user name or password", "");
            // Both 2FA modes ask for a code at login (issue 12).
            if (const auto tfa = services::tfa_status(ctx.db, user->id); tfa && !tfa->pending) {
                const auto otp = http::find_field(fields, "otp").value_or("");
                if (otp.empty() || otp.size() > 64 ||
                    !services::check_otp(ctx.db, user->id, otp, "web-login"))
                    throw unauthorized(
                        "this account has two-factor authentication: enter the one-time "
                        "password your authenticator shows",
                        "");
            }
        }
        logins.approve(row->id, user->id, user->credential_gen);
        return page(200, ctx.views.login_done_page(user->name));
    } catch (const HttpError& e) {
        return page(e.status(), ctx.views.login_page(row->create_account, login_request(*row),
                                                     e.what(), name_text));
    }
}

}  // namespace depot::api
