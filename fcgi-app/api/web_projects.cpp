// Projects and channels of the original web design (SPEC §3): create a
// project, manage it with a user or project token (from a form field, a
// Bearer header, or the cookie a ?ut=/?pt= link was traded for), move the
// stable and test channels, set the nightly link, rotate the project token,
// and follow the channels to their tarballs.

#include <strings.h>

#include <ctime>

#include "api/publish_body.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "crypto/crypto.hpp"
#include "error.hpp"
#include "http/negotiate.hpp"
#include "http/uri.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"
#include "render/json.hpp"
#include "render/packument.hpp"
#include "render/views.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/lifecycle.hpp"
#include "services/link_versions.hpp"
#include "services/passwords.hpp"
#include "services/projects.hpp"
#include "services/second_factor.hpp"
#include "services/staging.hpp"
#include "services/tokens.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/staged_repo.hpp"
#include "storage/token_repo.hpp"
#include "storage/user_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {
namespace {

constexpr std::string_view kCookie = "depot_token=";
// The interstitial of a ?ut=/?pt= link: a random value in a SameSite=Strict
// cookie and in its form, so only a POST from that page (never one from
// another site) can put a token into this browser's cookie (review L6).
constexpr std::string_view kSwitchCookie = "depot_switch=";

std::string cookie_value(const http::Request& req, std::string_view name) {
    return http::cookie_value(req.header("cookie"), name);
}

std::string cookie_token(const http::Request& req) { return cookie_value(req, kCookie); }

services::Principal from_secret(Context& ctx, const http::Request& req, std::string_view secret) {
    try {
        return services::require_login(ctx.db, ctx.passwords, "Bearer " + std::string{secret},
                                       req.remote_addr);
    } catch (const HttpError&) {
        throw forbidden(
            "this token is not valid; reset your user token or ask an owner for the project token");
    }
}

// A user token of an owner, or the project token of this very package.
bool may_manage(Context& ctx, const services::Principal& who, std::uint64_t package_id) {
    if (who.one_package()) return who.package_id == package_id;
    return storage::PackageRepo{ctx.db}.is_owner(package_id, who.user_id);
}

http::Response redirect(int status, const std::string& location) {
    http::Response r;
    r.status = status;
    r.set("Location", location);
    r.set("Cache-Control", "no-store");
    return r;
}

http::Response done(const http::Request& req, Context& ctx, const model::PackageName& name,
                    std::string_view what) {
    if (http::wants_html(req.header("accept")))
        return redirect(303, ctx.config.public_url + "/" + name.str());
    render::JsonWriter w;
    w.begin_object().key("ok").boolean(true).field("message", what).end_object();
    return private_json(200, w.str());
}

// "v1.0.3" (SPEC §3's version tags) or "1.0.3" → "1.0.3"; 400 otherwise,
// also for build metadata (review M7: no entry point may take it).
std::string version_tag(std::string_view text) {
    if (text.starts_with("v")) text.remove_prefix(1);
    return model::parse_publish_version(text).str();
}

// A package the caller may read (restricted: 404 otherwise, before any other answer).
storage::PackageRow readable_package(Context& ctx, const model::PackageName& name,
                                     const std::optional<services::Principal>& who) {
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg || !pkg->unpublished.empty() || !services::can_read(ctx.db, who, pkg->id, pkg->access))
        throw not_found("package \"" + name.str() + "\" not found");
    return *pkg;
}

// The browser that posts a form must be on depot's own origin when it says
// where it is (Origin, Sec-Fetch-Site); curl says nothing and is not a browser,
// and under Referrer-Policy: no-referrer Chromium says "Origin: null". The
// SameSite=Strict double-submit cookie is what stops other sites.
void require_same_origin(const http::Request& req, Context& ctx) {
    auto origin = req.header("origin");
    if (origin == "null") origin = {};
    const auto& url = ctx.config.public_url;
    const auto host_end = url.find('/', url.find("://") + 3);
    const std::string_view own = std::string_view{url}.substr(0, host_end);
    const auto site = req.header("sec-fetch-site");
    if ((!origin.empty() && origin != own) ||
        (!site.empty() && site != "same-origin" && site != "none")) {
        throw forbidden("this form was not sent from depot's own page");
    }
}

// A form's one-time password field (issue 12): an auth-and-writes account
// writes from the page with a code, as with npm.
services::Principal with_form_otp(Context& ctx, const http::Fields& fields,
                                  services::Principal who) {
    const auto otp = http::find_field(fields, "otp").value_or("");
    if (who.tfa_mode.empty() || who.otp_ok || otp.empty()) return who;
    who.otp_given = true;
    who.otp_ok =
        otp.size() <= 64 && services::check_otp(ctx.db, who.user_id, otp, who.credential());
    return who;
}

std::string field_or_body(const http::Request& req, const http::Fields& fields,
                          std::string_view field) {
    if (auto v = http::find_field(fields, field)) return *v;
    // `curl -d v1.0.3`: the whole body is the value when it is not a form.
    if (req.body.find('=') == std::string::npos) return req.body;
    return {};
}

}  // namespace

std::string csrf_token(std::string_view token_secret) {
    return crypto::to_hex(crypto::sha256("depot-csrf\n" + std::string{token_secret})).substr(0, 32);
}

// Who acts in a web form: a Bearer header or ut/pt field (no ambient
// authority, so no CSRF), or the cookie, which needs the form's CSRF field.
namespace {

services::Principal form_principal_any(const http::Request& req, Context& ctx,
                                       const http::Fields& fields) {
    if (const auto auth = req.header("authorization"); !auth.empty()) {
        // Only a Bearer token: a browser sends Basic credentials it remembers
        // on its own, which would make every form cross-site forgeable (review S2).
        if (auth.size() < 7 || strncasecmp(auth.data(), "Bearer ", 7) != 0) {
            throw unauthorized("forms take a token: Authorization: Bearer, or a ut/pt field",
                               "Bearer");
        }
        return with_form_otp(ctx, fields, require_caller(req, ctx));
    }
    for (const char* f : {"ut", "pt"}) {
        if (const auto v = http::find_field(fields, f); v && !v->empty())
            return with_form_otp(ctx, fields, from_secret(ctx, req, *v));
    }
    const auto cookie = cookie_token(req);
    if (cookie.empty())
        throw unauthorized("give a user token (ut) or a project token (pt)", "Bearer");
    const auto csrf = http::find_field(fields, "csrf").value_or("");
    if (!crypto::equal_ct(csrf, csrf_token(cookie))) {
        throw forbidden(
            "this form is stale or was not sent from depot's own page; reload the page");
    }
    return with_form_otp(ctx, fields, from_secret(ctx, req, cookie));
}

}  // namespace

services::Principal form_principal(const http::Request& req, Context& ctx,
                                   const http::Fields& fields) {
    auto who = form_principal_any(req, ctx, fields);
    // A trusted-publishing token publishes its package and does nothing else (issue 13).
    if (who.token_kind == "oidc") throw forbidden("a trusted-publishing token cannot use forms");
    return who;
}

// A package's publishing rules in words, for its owners (issue 12).
std::string publish_policy(Context& ctx, std::uint64_t package_id) {
    const auto mfa = storage::PackageRepo{ctx.db}.mfa_policy(package_id);
    std::string out = !mfa.publish_requires_tfa ? "Publishing needs no one-time password"
                      : mfa.automation_token_overrides_tfa
                          ? "Publishing needs a one-time password, except from tokens made "
                            "with --bypass-2fa (npm access set mfa=automation)"
                          : "Publishing needs a one-time password from every token (npm access "
                            "set mfa=publish)";
    out += storage::StagedRepo{ctx.db}.requires_staging(package_id)
               ? "; tokens may only stage versions, for an owner to approve."
               : ".";
    return out;
}

// The management view of a package page, when the cookie's token may manage it.
void add_management(const http::Request& req, Context& ctx, std::uint64_t package_id,
                    render::PackagePage& page) {
    const auto cookie = cookie_token(req);
    if (cookie.empty()) return;
    try {
        const auto who =
            services::require_login(ctx.db, ctx.passwords, "Bearer " + cookie, req.remote_addr);
        if (!may_manage(ctx, who, package_id)) return;
        page.manage = true;
        page.csrf = csrf_token(cookie);
        page.with_user_token = !who.one_package();
        page.otp = who.tfa_mode == "auth-and-writes";
        // Owners (a user token) approve or reject staged versions here, with a code.
        if (!who.one_package()) {
            for (const auto& s : storage::StagedRepo{ctx.db}.list(who.user_id, page.name, 100, 0))
                page.staged.push_back(
                    {s.id, s.version, s.tag, s.actor_name + " (" + s.actor_type + ")", s.created});
        }
        if (who.one_package()) page.project_token = cookie;
        page.publish_policy = publish_policy(ctx, package_id);
    } catch (const HttpError&) {
        // An old cookie: the public page, as for anyone.
    }
}

// GET /{pkg}?ut=… or ?pt=… — an interstitial page: its button (a POST from
// depot's own origin) trades the token for a cookie, so a link can never put
// someone else's token into this browser silently (review L6).
http::Response take_token_from_url(const http::Request& req, Context& ctx,
                                   const model::PackageName& name, std::string_view secret) {
    const auto who = from_secret(ctx, req, secret);
    const auto pkg = readable_package(ctx, name, who);
    if (!may_manage(ctx, who, pkg.id))
        throw forbidden("this token may not manage \"" + name.str() + "\"");
    const auto nonce = crypto::base64url_encode(crypto::random_bytes(24));
    const auto current = cookie_token(req);
    auto r = http::html(
        200, ctx.views.token_switch_page(name.str(), who.one_package() ? "project" : "user", secret,
                                         !current.empty() && current != secret, nonce));
    r.set("Cache-Control", "no-store");
    r.set("Set-Cookie", std::string{kSwitchCookie} + nonce +
                            "; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Strict");
    return r;
}

// POST /{pkg}/-/session — the interstitial's button: token and csrf fields.
http::Response adopt_token(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    const auto nonce = cookie_value(req, kSwitchCookie);
    require_same_origin(req, ctx);
    if (nonce.empty() || !crypto::equal_ct(http::find_field(fields, "csrf").value_or(""), nonce)) {
        throw forbidden(
            "this form is stale or was not sent from depot's own page; open the link again");
    }
    const auto secret = http::find_field(fields, "token").value_or("");
    const auto who = from_secret(ctx, req, secret);
    const auto pkg = readable_package(ctx, name, who);
    if (!may_manage(ctx, who, pkg.id))
        throw forbidden("this token may not manage \"" + name.str() + "\"");
    auto r = redirect(303, ctx.config.public_url + "/" + name.str());
    r.set("Set-Cookie",
          std::string{kCookie} + secret + "; Path=/; Secure; HttpOnly; SameSite=Strict");
    r.set("Set-Cookie",
          std::string{kSwitchCookie} + "; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict");
    return r;
}

// POST /{pkg} with "create": a new project owned by the caller.
http::Response create_project_form(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    if (!http::find_field(fields, "create") && req.body != "create") {
        throw bad_request("POST /NAME takes \"create\" to create the project");
    }
    const auto who = form_principal(req, ctx, fields);
    const auto minted = services::create_project(ctx.db, ctx.config, who, name);
    return redirect(303, ctx.config.public_url + "/" + name.str() +
                             "?pt=" + http::percent_encode(minted.secret));
}

// POST /{pkg}/stable, /{pkg}/test (a version tag such as v1.0.3), /{pkg}/nightly (a link).
http::Response post_channel(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto& channel = req.param("channel");
    const auto fields = parse_fields(req);
    if (channel == "nightly") {
        const auto link = field_or_body(req, fields, "link");
        const auto who = form_principal(req, ctx, fields);
        services::set_nightly(ctx.db, ctx.config, who, name, link);
        return done(req, ctx, name, "nightly set");
    }
    if (channel.size() > 1 && channel[0] == 'v' && model::Semver::valid(channel.substr(1))) {
        // POST /NAME/vX.Y.Z with a link: register that version as a pointer.
        const auto version = version_tag(channel);
        const auto link = field_or_body(req, fields, "link");
        const auto who = form_principal(req, ctx, fields);
        services::register_link_version(ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, name,
                                        version, link);
        return done(req, ctx, name, "version " + version + " registered");
    }
    if (channel != "stable" && channel != "test") {
        throw not_found("the channels are stable, test and nightly; versions are vX.Y.Z");
    }
    const auto version = version_tag(field_or_body(req, fields, "version"));
    const auto who = form_principal(req, ctx, fields);
    services::set_dist_tag(ctx.db, ctx.config, who, name, channel, version);
    return done(req, ctx, name, channel + " is now " + version);
}

// POST /{pkg}/-/rotate — a new project token; the old ones stop working.
http::Response rotate_project_token(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto who = form_principal(req, ctx, parse_fields(req));
    const auto minted = services::rotate_project_token(ctx.db, ctx.config, who, name);
    return redirect(303, ctx.config.public_url + "/" + name.str() +
                             "?pt=" + http::percent_encode(minted.secret));
}

// GET /{pkg}/stable, /test (302), /vX.Y.Z (301), /nightly (301): to the tarball.
std::optional<http::Response> follow_channel(const http::Request& req, Context& ctx,
                                             const model::PackageName& name,
                                             const std::string& channel) {
    const bool tag = channel == "stable" || channel == "test";
    const bool pinned =
        channel.size() > 1 && channel[0] == 'v' && model::Semver::valid(channel.substr(1));
    if (!tag && !pinned && channel != "nightly") return std::nullopt;
    const auto pkg = storage::PackageRepo{ctx.db}.find(name.str());
    if (!pkg || !pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    if (channel == "nightly") {
        if (pkg->nightly_url.empty()) throw not_found("\"" + name.str() + "\" has no nightly link");
        return redirect(301, pkg->nightly_url);
    }
    std::string version = pinned ? channel.substr(1) : std::string{};
    if (tag) {
        for (const auto& t : storage::TagRepo{ctx.db}.list(pkg->id)) {
            if (t.tag == channel) version = t.version;
        }
        if (version.empty())
            throw not_found("\"" + name.str() + "\" has no " + channel + " version");
    }
    const auto v = storage::VersionRepo{ctx.db}.find(pkg->id, version);
    if (!v || !v->unpublished_at.empty())
        throw not_found("version " + version + " of \"" + name.str() + "\" not found");
    const auto url = v->tarball_url.empty()
                         ? render::tarball_url(ctx.config.public_url, name.str(), version)
                         : v->tarball_url;
    return redirect(tag ? 302 : 301, url);
}

}  // namespace depot::api

namespace depot::api {

// POST /{pkg}/-/owners — add=USER or remove=USER (an npm name); user tokens only.
http::Response change_owner_form(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    const auto add = http::find_field(fields, "add");
    const auto remove = http::find_field(fields, "remove");
    if (add.has_value() == remove.has_value()) throw bad_request("give add=USER or remove=USER");
    const auto who = form_principal(req, ctx, fields);
    services::change_owner(ctx.db, ctx.config, who, name, add ? *add : *remove, add.has_value());
    return done(req, ctx, name, add ? "owner added" : "owner removed");
}

// POST /{pkg}/-/deprecate — version=X.Y.Z&message=… (empty message: undeprecate).
http::Response deprecate_form(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    const auto version = version_tag(http::find_field(fields, "version").value_or(""));
    const auto who = form_principal(req, ctx, fields);
    services::deprecate_version(ctx.db, ctx.config, who, name, version,
                                http::find_field(fields, "message").value_or(""));
    return done(req, ctx, name, "deprecation saved");
}

}  // namespace depot::api

namespace depot::api {

// POST /{pkg}/-/link — version=vX.Y.Z&link=URL: the management page's form for
// POST /{pkg}/vX.Y.Z (an HTML form cannot put the version in its action).
http::Response link_version_form(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    const auto version = version_tag(http::find_field(fields, "version").value_or(""));
    const auto who = form_principal(req, ctx, fields);
    services::register_link_version(ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, name, version,
                                    http::find_field(fields, "link").value_or(""));
    return done(req, ctx, name, "version " + version + " registered");
}

// The account page (issue 12): two-factor authentication from a browser,
// with the secret as a QR code (libqrencode) and as text.
namespace {

services::Principal account_owner(const services::Principal& who) {
    if (who.one_package() || who.limits.granular)
        throw forbidden("this token has no account page; use your own user token");
    return who;
}

http::Response account_html(Context& ctx, const services::Principal& who, std::string_view cookie,
                            render::AccountPage page) {
    page.name = who.name;
    page.email = who.email;
    page.csrf = cookie.empty() ? std::string{} : csrf_token(cookie);
    if (!page.new_token.empty()) page.csrf = csrf_token(page.new_token);
    const auto tfa = services::tfa_status(ctx.db, who.user_id);
    page.tfa_mode = tfa && !tfa->pending ? tfa->mode : std::string{};
    if (who.expires_in_seconds > 0 && page.new_token.empty()) {
        const std::time_t at = std::time(nullptr) + who.expires_in_seconds;
        std::tm tm{};
        ::gmtime_r(&at, &tm);
        char day[16];
        std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
        page.expires = day;
    }
    auto r = http::html(200, ctx.views.account_page(page));
    r.set("Cache-Control", "no-store");
    return r;
}

}  // namespace

// GET /-/account: the cookie a token link left (or a Bearer header).
http::Response show_account(const http::Request& req, Context& ctx) {
    const auto cookie = cookie_token(req);
    if (cookie.empty() && req.header("authorization").empty())
        throw unauthorized("open depot with your token link first (the one from your sign-up mail)",
                           "Bearer");
    const auto who = account_owner(
        cookie.empty()
            ? require_caller(req, ctx)
            : services::require_login(ctx.db, ctx.passwords, "Bearer " + cookie, req.remote_addr));
    return account_html(ctx, who, cookie, {});
}

// POST /-/account action=start|confirm|disable
http::Response update_account(const http::Request& req, Context& ctx) {
    const auto fields = parse_fields(req);
    const auto who = account_owner(form_principal(req, ctx, fields));
    if (who.readonly) throw forbidden("this token is read-only");
    const auto action = http::find_field(fields, "action").value_or("");
    const auto tfa = services::tfa_status(ctx.db, who.user_id);
    const bool live = tfa && !tfa->pending;
    render::AccountPage page;
    try {
        if (action == "start") {
            if (live) throw bad_request("two-factor authentication is on already");
            // A token alone does not turn 2FA on: whoever holds a copy could
            // lock the owner out. The account's password, when it has one.
            const auto user = storage::UserRepo{ctx.db}.find_by_id(who.user_id);
            if (user && !user->password_hash.empty()) {
                const auto password = http::find_field(fields, "password").value_or("");
                if (password.empty() ||
                    !ctx.passwords.check(ctx.db, user->name, password, req.remote_addr))
                    throw unauthorized("the password is incorrect", "");
            }
            const auto mode = http::find_field(fields, "mode").value_or("auth-and-writes");
            if (mode != "auth-only" && mode != "auth-and-writes")
                throw bad_request("the mode is auth-only or auth-and-writes");
            page.otpauth = services::start_tfa(ctx.db, who.user_id,
                                               who.name.empty() ? who.email : who.name, mode);
            page.secret = page.otpauth.substr(page.otpauth.find("secret=") + 7);
            page.secret = page.secret.substr(0, page.secret.find('&'));
            const auto qr = services::qr_code(page.otpauth);
            page.qr_size = qr.size;
            page.qr_dark = qr.dark;
        } else if (action == "confirm") {
            page.recovery_codes = services::confirm_tfa(
                ctx.db, who.user_id, http::find_field(fields, "otp").value_or(""));
            page.message = "Two-factor authentication is on.";
        } else if (action == "renew") {
            // Tokens minted on the web expire (issue 12): the page renews the
            // one in use, which then stops; the cookie follows.
            if (who.token_kind != "user" || who.token_id == 0)
                throw bad_request("only a user token is renewed here");
            services::require_strict_otp(who);
            auto spec = services::user_token(who.user_id, "web (renewed)");
            spec.expires_in_seconds = ctx.config.token_max_days * 86400;
            services::inherit_limits(spec, who);
            spec.expires_in_seconds = ctx.config.token_max_days * 86400;  // renewing is the point
            const auto minted = services::mint_token(ctx.db, spec);
            storage::TokenRepo{ctx.db}.revoke_by_id(who.user_id, who.token_id);
            page.new_token = minted.secret;
            if (!http::wants_html(req.header("accept"))) {
                render::JsonWriter j;
                j.begin_object().key("ok").boolean(true).field("token", minted.secret).end_object();
                return private_json(200, j.str());
            }
            auto r = account_html(ctx, who, {}, std::move(page));
            r.set("Set-Cookie", std::string{kCookie} + minted.secret +
                                    "; Path=/; Secure; HttpOnly; SameSite=Strict");
            return r;
        } else if (action == "disable") {
            if (!live) throw bad_request("two-factor authentication is off");
            if (!who.otp_ok) throw services::otp_required(who.otp_given);
            services::disable_tfa(ctx.db, who.user_id);
            page.message = "Two-factor authentication is off.";
        } else {
            throw bad_request("action is start, confirm or disable");
        }
    } catch (const HttpError& e) {
        if (!http::wants_html(req.header("accept"))) throw;
        page.error = e.what();
    }
    return account_html(ctx, who, cookie_token(req), std::move(page));
}

// POST /{pkg}/-/stage action=approve|reject id=… otp=…: the package page's
// staged versions (issue 12), as npm stage approve|reject.
http::Response stage_form(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    const auto fields = parse_fields(req);
    const auto who = form_principal(req, ctx, fields);
    const auto row = services::staged_for(ctx.db, who, http::find_field(fields, "id").value_or(""));
    if (row.package_name != name.str()) throw not_found("no such staged version of " + name.str());
    const auto action = http::find_field(fields, "action").value_or("");
    if (action == "approve") {
        services::require_approval(who);
        (void)services::approve_staged(
            ctx.db, ctx.tarballs, ctx.config, ctx.gates, who, row,
            parse_publish_body(name, services::staged_body(ctx.config, row)));
        return done(req, ctx, name, row.version + " approved and published");
    }
    if (action == "reject") {
        services::reject_staged(ctx.db, ctx.tarballs, who, row);
        return done(req, ctx, name, row.version + " rejected");
    }
    throw bad_request("action is approve or reject");
}

}  // namespace depot::api
