#include "api/request_body.hpp"

#include "error.hpp"

namespace depot::api {

void parse_json_object(const http::Request& req, rapidjson::Document& doc) {
    if (req.body.empty()) throw bad_request("a JSON body is required");
    if (!render::parse_json(doc, req.body)) throw bad_request("the body is not valid JSON");
    if (!doc.IsObject()) throw bad_request("the body must be a JSON object");
}

http::Fields parse_fields(const http::Request& req) {
    const auto type = req.header("content-type");
    if (type.starts_with("application/json")) {
        rapidjson::Document doc;
        parse_json_object(req, doc);
        http::Fields fields;
        for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
            if (it->value.IsString()) {
                fields.emplace_back(
                    std::string{it->name.GetString(), it->name.GetStringLength()},
                    std::string{it->value.GetString(), it->value.GetStringLength()});
            }
        }
        return fields;
    }
    return http::parse_form(req.body);
}

std::string couch_user_name(std::string_view couch_id) {
    constexpr std::string_view kPrefix = "org.couchdb.user:";
    if (!couch_id.starts_with(kPrefix) || couch_id.size() == kPrefix.size()) {
        throw bad_request("expected /-/user/org.couchdb.user:NAME");
    }
    return std::string{couch_id.substr(kPrefix.size())};
}

bool etag_matches(std::string_view header, std::string_view etag) {
    const auto strip = [](std::string_view t) {
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (t.starts_with("W/")) t.remove_prefix(2);
        return t;
    };
    const auto want = strip(etag);
    while (!header.empty()) {
        const auto comma = header.find(',');
        const auto one = strip(header.substr(0, comma));
        if (one == "*" || one == want) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

http::Response private_json(int status, std::string body) {
    auto r = http::json(status, std::move(body));
    r.set("Cache-Control", "no-store");
    return r;
}

}  // namespace depot::api
