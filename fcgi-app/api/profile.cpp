// GET/POST /-/npm/v1/user: npm profile get|set|enable-2fa|disable-2fa (issue 12).

#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "model/account.hpp"
#include "render/json.hpp"
#include "services/accounts.hpp"
#include "services/auth.hpp"
#include "services/passwords.hpp"
#include "services/second_factor.hpp"
#include "services/web_accounts.hpp"
#include "storage/db.hpp"
#include "storage/user_repo.hpp"

namespace depot::api {
namespace {

services::Principal profile_owner(const http::Request& req, Context& ctx) {
    auto who = require_caller(req, ctx);
    if (who.one_package()) throw forbidden("a project token has no profile; use a user token");
    if (who.name.empty()) throw forbidden("this account has no npm user name yet");
    if (who.limits.granular) throw forbidden("a granular token cannot read or change the profile");
    return who;
}

std::string profile_json(Context& ctx, const services::Principal& who) {
    const auto user = storage::UserRepo{ctx.db}.find_by_id(who.user_id);
    if (!user) throw not_found("no such user");
    render::JsonWriter w;
    w.begin_object().field("name", user->name).field("email", user->email);
    w.key("email_verified")
        .boolean(true);  // every address here was proven by a mailed link or at signup
    if (const auto full = storage::UserRepo{ctx.db}.fullname(user->id); !full.empty())
        w.field("fullname", full);
    w.key("tfa");
    if (const auto tfa = services::tfa_status(ctx.db, user->id)) {
        w.begin_object().field("mode", tfa->mode).key("pending").boolean(tfa->pending).end_object();
    } else {
        w.boolean(false);
    }
    w.field("created", user->created).field("updated", user->updated);
    w.key("cidr_whitelist").null();
    w.end_object();
    return w.str();
}

void check_password(const http::Request& req, Context& ctx, const services::Principal& who,
                    std::string_view password) {
    if (password.empty() || !ctx.passwords.check(ctx.db, who.name, password, req.remote_addr))
        throw unauthorized("the password is incorrect", "Basic");
}

// {tfa: {password, mode}} and {tfa: [code]}: npm's enable-2fa and disable-2fa.
http::Response change_tfa(const http::Request& req, Context& ctx, const services::Principal& who,
                          const rapidjson::Value& tfa) {
    render::JsonWriter w;
    w.begin_object().key("tfa");
    if (tfa.IsArray()) {  // the first code from the app: 2FA goes live
        if (tfa.Size() != 1 || !tfa[0].IsString()) throw bad_request("tfa: [\"CODE\"]");
        const auto codes = services::confirm_tfa(ctx.db, who.user_id, tfa[0].GetString());
        w.begin_array();
        for (const auto& c : codes) w.string(c);
        w.end_array().end_object();
        return private_json(200, w.str());
    }
    if (!tfa.IsObject()) throw bad_request("tfa must be {password, mode} or [code]");
    check_password(req, ctx, who, render::string_member(tfa, "password"));
    const auto mode = std::string{render::string_member(tfa, "mode")};
    const auto now = services::tfa_status(ctx.db, who.user_id);
    const bool live = now && !now->pending;
    if (mode == "disable") {
        // The password and a code: a stolen password alone does not turn 2FA off.
        if (live && !who.otp_ok) throw services::otp_required(who.otp_given);
        services::disable_tfa(ctx.db, who.user_id);
        w.boolean(false).end_object();
        return private_json(200, w.str());
    }
    if (mode != "auth-only" && mode != "auth-and-writes")
        throw bad_request("mode must be auth-only, auth-and-writes or disable");
    if (live) {  // a change of mode, with a code
        if (!who.otp_ok) throw services::otp_required(who.otp_given);
        services::set_tfa_mode(ctx.db, who.user_id, mode);
        w.begin_object().field("mode", mode).key("pending").boolean(false).end_object();
        w.end_object();
        return private_json(200, w.str());
    }
    w.string(services::start_tfa(ctx.db, who.user_id, who.name, mode)).end_object();
    return private_json(200, w.str());
}

}  // namespace

// GET /-/npm/v1/user
http::Response show_profile(const http::Request& req, Context& ctx) {
    return private_json(200, profile_json(ctx, profile_owner(req, ctx)));
}

// POST /-/npm/v1/user: a partial profile (npm sends every writable key, null for empty).
http::Response update_profile(const http::Request& req, Context& ctx) {
    const auto who = profile_owner(req, ctx);
    rapidjson::Document doc;
    parse_json_object(req, doc);
    if (who.readonly) throw forbidden("this token is read-only");
    if (const auto tfa = doc.FindMember("tfa"); tfa != doc.MemberEnd())
        return change_tfa(req, ctx, who, tfa->value);
    services::require_write(who);
    services::require_strict_otp(who);  // a 2FA account's profile changes need a code
    const auto user = storage::UserRepo{ctx.db}.find_by_id(who.user_id);
    if (!user) throw not_found("no such user");
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
        const std::string_view key{it->name.GetString(), it->name.GetStringLength()};
        const auto& v = it->value;
        if (v.IsNull()) continue;
        if (key == "password") {
            if (!v.IsObject()) throw bad_request("password: {old, new}");
            check_password(req, ctx, who, render::string_member(v, "old"));
            const auto next = std::string{render::string_member(v, "new")};
            model::check_password(next);
            // Every other credential ends; the token that asked goes on.
            storage::Transaction tx{ctx.db};
            services::change_password(ctx.db, ctx.passwords, who.user_id, next, who.token_id);
            tx.commit();
        } else if (key == "email") {
            if (!v.IsString()) throw bad_request("email must be a string");
            const auto email = model::parse_email(v.GetString());
            // As npm profile set email on npm's registry: it counts once the mailed link is
            // followed.
            if (email != user->email)
                services::start_email_change(ctx.db, ctx.config, who.user_id, email,
                                             req.remote_addr);
        } else if (key == "fullname") {
            if (!v.IsString() || v.GetStringLength() > 254)
                throw bad_request("fullname: up to 254 characters");
            storage::UserRepo{ctx.db}.set_fullname(who.user_id, v.GetString());
        } else if (key == "name" || key == "email_verified" || key == "created" ||
                   key == "updated" || key == "cidr_whitelist" || key == "tfa") {
            continue;  // read-only fields npm may echo back
        } else {
            throw bad_request("depot keeps no \"" + std::string{key} +
                              "\" in profiles (it keeps email, fullname and password)");
        }
    }
    return private_json(200, profile_json(ctx, who));
}

}  // namespace depot::api
