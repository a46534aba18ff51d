// The form API of the original web design (SPEC §3): POST / registers an
// email or mails a reset link; GET /-reset trades the reset token for a new
// user token. Answers are pages for browsers and JSON for `curl -d` clients
// that ask for it; errors go through the one error renderer.

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

http::Response token_answer(const http::Request& req, Context& ctx, int status,
                            std::string_view title, std::string_view message,
                            const std::string& token) {
    http::Response r;
    if (http::wants_html(req.header("accept"))) {
        r = http::html(status, ctx.views.token_page(title, message, token,
                                                    registry_host(ctx.config.public_url)));
    } else {
        render::JsonWriter w;
        w.begin_object()
            .key("ok")
            .boolean(true)
            .field("token", token)
            .field("message", message)
            .end_object();
        r = http::json(status, w.str());
    }
    r.set("Cache-Control", "no-store");
    return r;
}

http::Response notice(const http::Request& req, Context& ctx, int status, std::string_view title,
                      std::string_view message, std::string_view href = {},
                      std::string_view link = {}) {
    http::Response r;
    if (http::wants_html(req.header("accept"))) {
        r = http::html(status, ctx.views.notice_page(title, message, href, link));
    } else {
        render::JsonWriter w;
        w.begin_object()
            .key("ok")
            .boolean(status < 400)
            .field(status < 400 ? "message" : "error", message);
        w.end_object();
        r = http::json(status, w.str());
    }
    r.set("Cache-Control", "no-store");
    return r;
}

}  // namespace

// POST / — user=EMAIL registers; user=EMAIL&reset=1 mails a reset link.
http::Response post_home(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    if (const auto create = http::find_field(fields, "create")) {  // the home page's project form
        const auto name = model::PackageName::parse(*create);
        const auto who = form_principal(req, ctx, fields);
        const auto minted = services::create_project(ctx.db, ctx.config, who, name);
        http::Response r;
        r.status = 303;
        r.set("Location", ctx.config.public_url + "/" + name.str() +
                              "?pt=" + http::percent_encode(minted.secret));
        r.set("Cache-Control", "no-store");
        return r;
    }
    const auto user = http::find_field(fields, "user");
    if (!user) throw bad_request("expected user=EMAIL (and reset=1 to reset a lost token)");
    const auto email = model::parse_email(*user);
    if (http::find_field(fields, "reset")) {
        try {
            services::start_reset(ctx.db, ctx.config, email);
        } catch (const HttpError& e) {
            if (e.status() != 404) throw;
            return notice(req, ctx, 404, "No such account", e.what(), "/#register",
                          "Create an account");
        }
        return notice(req, ctx, 202, "Check your email",
                      "We sent a link to " + email + ". It works once, within one hour.");
    }
    try {
        const auto minted = services::register_email(ctx.db, email);
        return token_answer(req, ctx, 201, "Your account is ready",
                            "Account created for " + email + ".", minted.secret);
    } catch (const HttpError& e) {
        if (e.status() != 409) throw;
        return notice(req, ctx, 409, "That account exists", e.what(), "/#reset", "Reset its token");
    }
}

// GET /-reset?rt=RESET_TOKEN&user=EMAIL
http::Response complete_reset(const http::Request& req, Context& ctx) {
    const auto q = http::parse_form(req.query);
    const auto rt = http::find_field(q, "rt").value_or("");
    const auto email = model::parse_email(http::find_field(q, "user").value_or(""));
    if (rt.empty() || rt.size() > 128)
        throw forbidden("this reset link is wrong, used or expired; ask for a new one");
    const auto minted = services::complete_reset(ctx.db, rt, email);
    return token_answer(req, ctx, 200, "Your new user token",
                        "Every older user token of " + email + " has stopped working.",
                        minted.secret);
}

}  // namespace depot::api
