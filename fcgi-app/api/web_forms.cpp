// The form API of the original web design (SPEC §3): POST / registers an
// email or mails a reset link; the links in those mails lead to pages whose
// button (a POST) does the work, so a mail scanner that follows links changes
// nothing (issue 8). Answers are pages for browsers and JSON for `curl -d`
// clients; errors go through the one error renderer.

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/negotiate.hpp"
#include "http/uri.hpp"
#include "model/account.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"
#include "render/views.hpp"
#include "services/projects.hpp"
#include "services/web_accounts.hpp"

namespace depot::api {
namespace {

// "https://host:port/prefix" → "host:port/prefix" for the .npmrc line.
std::string registry_host(const std::string& public_url) {
    const auto at = public_url.find("://");
    return at == std::string::npos ? public_url : public_url.substr(at + 3);
}

http::Response no_store(http::Response r) {
    r.set("Cache-Control", "no-store");
    return r;
}

http::Response token_answer(const http::Request& req, Context& ctx, int status,
                            render::TokenPage page) {
    if (http::wants_html(req.header("accept"))) {
        page.registry_host = registry_host(ctx.config.public_url);
        return no_store(http::html(status, ctx.views.token_page(page)));
    }
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(true).field("token", page.token);
    if (!page.name.empty()) w.field("name", page.name);
    if (!page.project_tokens.empty()) {
        w.key("project_tokens").begin_object();
        for (const auto& [name, token] : page.project_tokens) w.field(name, token);
        w.end_object();
    }
    w.field("message", page.message).end_object();
    return no_store(http::json(status, w.str()));
}

http::Response notice(const http::Request& req, Context& ctx, int status, std::string_view title,
                      std::string_view message, std::string_view href = {},
                      std::string_view link = {}) {
    if (http::wants_html(req.header("accept"))) {
        return no_store(http::html(status, ctx.views.notice_page(title, message, href, link)));
    }
    render::JsonWriter w;
    w.begin_object()
        .key("ok")
        .boolean(status < 400)
        .field(status < 400 ? "message" : "error", message);
    w.end_object();
    return no_store(http::json(status, w.str()));
}

// SPEC §3: registering an address that has an account is an error with a
// pointer to the reset: a link for browsers, the form to post for curl.
http::Response exists_answer(const http::Request& req, Context& ctx, const std::string& email,
                             std::string_view message) {
    if (http::wants_html(req.header("accept"))) {
        return notice(req, ctx, 409, "That account exists", message, "/#reset",
                      "Reset it: we mail you a link");
    }
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(false).field("error", message);
    w.key("reset").begin_object().field("url", ctx.config.public_url + "/");
    w.field("method", "POST").key("fields").begin_object().field("user", email);
    w.field("reset", "1").end_object().end_object().end_object();
    return no_store(http::json(409, w.str()));
}

http::Response redirect_with_project_token(Context& ctx, const model::PackageName& name,
                                           const std::string& secret) {
    http::Response r;
    r.status = 303;
    r.set("Location",
          ctx.config.public_url + "/" + name.str() + "?pt=" + http::percent_encode(secret));
    return no_store(std::move(r));
}

// The secret and address a mailed link (or its page's form) carries: key is
// "ct" (confirmation) or "rt" (reset); 403 with `refusal` when malformed.
struct MailedLink {
    std::string secret;
    std::string email;
};

MailedLink mailed_link(const http::Fields& fields, std::string_view key, std::string_view refusal) {
    MailedLink l{http::find_field(fields, key).value_or(""),
                 model::parse_email(http::find_field(fields, "user").value_or(""))};
    if (l.secret.empty() || l.secret.size() > 128) throw forbidden(std::string{refusal});
    return l;
}

constexpr std::string_view kBadConfirmation =
    "this confirmation link is wrong, used or expired; register again";
constexpr std::string_view kBadReset =
    "this reset link is wrong, used or expired; ask for a new one";

}  // namespace

// POST / — user=EMAIL registers; user=EMAIL&reset=1 mails a reset link;
// create=NAME (the home page's project form) creates a project.
http::Response post_home(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    if (const auto create = http::find_field(fields, "create")) {
        const auto name = model::PackageName::parse(*create);
        const auto who = form_principal(req, ctx, fields);
        const auto minted = services::create_project(ctx.db, ctx.config, who, name);
        return redirect_with_project_token(ctx, name, minted.secret);
    }
    const auto user = http::find_field(fields, "user");
    if (!user) throw bad_request("expected user=EMAIL (and reset=1 to reset a lost token)");
    const auto email = model::parse_email(*user);
    if (http::find_field(fields, "reset")) {
        try {
            services::start_reset(ctx.db, ctx.config, email, req.remote_addr);
        } catch (const HttpError& e) {
            if (e.status() != 404) throw;
            return notice(req, ctx, 404, "No such account", e.what(), "/#register",
                          "Create an account");
        }
        return notice(req, ctx, 202, "Check your email",
                      "We sent a link to " + email + ". It works once, within one hour.");
    }
    try {
        services::start_registration(ctx.db, ctx.config, email, req.remote_addr);
    } catch (const HttpError& e) {
        if (e.status() != 409) throw;
        return exists_answer(req, ctx, email, e.what());
    }
    return notice(req, ctx, 202, "Check your email",
                  "We sent a link to " + email +
                      ". Open it within one hour and press its button to create your account.");
}

// GET /-confirm?ct=SECRET&user=EMAIL — the page behind the registration mail's link.
http::Response show_confirmation(const http::Request& req, Context& ctx) {
    const auto [ct, email] = mailed_link(http::parse_form(req.query), "ct", kBadConfirmation);
    const auto what = services::check_registration(ctx.db, ct, email);
    const bool change = what.user_id != 0;
    if (what.purpose == "revert") {
        if (!http::wants_html(req.header("accept"))) {
            return notice(req, ctx, 200, "Undo",
                          "POST ct and user to /-confirm to keep " + email +
                              " as the email of the account " + what.name + " and lock it");
        }
        return no_store(http::html(200, ctx.views.revert_page(email, ct, what.name)));
    }
    if (!http::wants_html(req.header("accept"))) {
        return notice(req, ctx, 200, "Confirm",
                      change ? "POST ct and user to /-confirm to make " + email +
                                   " the email of the account " + what.name
                             : "POST ct and user (and optionally name and password) to "
                               "/-confirm to create the account for " +
                                   email);
    }
    return no_store(
        http::html(200, ctx.views.confirm_page(email, ct, change ? what.name : "", change)));
}

// POST /-confirm — ct, user, and optionally an npm name and password.
http::Response confirm_registration(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    const auto [ct, email] = mailed_link(fields, "ct", kBadConfirmation);
    const auto made = services::confirm_registration(
        ctx.db, ctx.passwords, ct, email, http::find_field(fields, "name").value_or(""),
        http::find_field(fields, "password").value_or(""));
    if (made.purpose == "change") {
        return notice(req, ctx, 200, "Email changed",
                      "The account " + made.name + " now uses " + email + ".");
    }
    if (made.purpose == "revert") {
        return notice(req, ctx, 200, "Account locked",
                      "The account " + made.name + " uses " + email +
                          ", and every token, session and the password of it stopped working. "
                          "Reset it now to get a new token and choose a new password.",
                      "/#reset", "Reset the account");
    }
    render::TokenPage page;
    page.title = "Your account is ready";
    page.message = "Account created for " + email + ".";
    page.token = made.token.secret;
    page.name = made.name;
    return token_answer(req, ctx, 201, std::move(page));
}

// GET /-reset?rt=RESET_TOKEN&user=EMAIL — the page behind the reset mail's link.
http::Response show_reset(const http::Request& req, Context& ctx) {
    const auto [rt, email] = mailed_link(http::parse_form(req.query), "rt", kBadReset);
    const auto link = services::check_reset(ctx.db, rt, email);
    if (!http::wants_html(req.header("accept"))) {
        return notice(req, ctx, 200, "Reset your account",
                      "POST rt and user (and password, and keep_project_tokens=1 to keep them) "
                      "to /-reset to get a new user token for " +
                          email);
    }
    return no_store(http::html(200, ctx.views.reset_page(email, rt, link.name)));
}

// POST /-reset — rt, user, password (the new one; empty: none), name (for an
// account without one), keep_project_tokens (default: rotated).
http::Response complete_reset(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    const auto [rt, email] = mailed_link(fields, "rt", kBadReset);
    services::ResetChoice choice;
    choice.password = http::find_field(fields, "password").value_or("");
    choice.name = http::find_field(fields, "name").value_or("");
    const auto keep = http::find_field(fields, "keep_project_tokens").value_or("");
    choice.keep_project_tokens = keep == "1" || keep == "yes" || keep == "on";
    const auto out = services::complete_reset(ctx.db, ctx.passwords, rt, email, choice);
    render::TokenPage page;
    page.title = "Your new user token";
    page.message =
        "Every older user token, session and reset link of " + email +
        " has stopped working, and so has the old password" +
        (choice.password.empty() ? "" : " (the new one works now)") +
        (choice.keep_project_tokens   ? "; project tokens kept working."
         : out.project_tokens.empty() ? "."
                                      : "; your projects have new project tokens, below.");
    page.token = out.token.secret;
    page.name = out.name;
    page.project_tokens = out.project_tokens;
    return token_answer(req, ctx, 200, std::move(page));
}

}  // namespace depot::api
