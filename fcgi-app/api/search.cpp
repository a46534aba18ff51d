// GET /-/v1/search?text=&size=&from= (protocol §18): FULLTEXT over name,
// description and keywords, the exact name first.

#include <charconv>
#include <ctime>

#include "api/routes.hpp"
#include "config.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "model/package_name.hpp"
#include "render/json.hpp"
#include "services/access.hpp"
#include "services/auth.hpp"
#include "services/uplinks.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"

namespace depot::api {
namespace {

int int_param(const http::Fields& q, std::string_view name, int fallback, int lo, int hi) {
    const auto v = http::find_field(q, name);
    if (!v || v->empty()) return fallback;
    int n = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n < lo || n > hi) {
        throw bad_request(std::string{name} + " must be a whole number from " + std::to_string(lo) +
                          " to " + std::to_string(hi));
    }
    return n;
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* key) {
    if (!v.IsObject()) return nullptr;
    const auto it = v.FindMember(key);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

void write_people(render::JsonWriter& w, std::string_view names) {
    w.begin_array();
    while (!names.empty()) {
        const auto space = names.find(' ');
        const auto name = names.substr(0, space);
        if (!name.empty()) w.begin_object().field("username", name).end_object();
        if (space == std::string_view::npos) break;
        names.remove_prefix(space + 1);
    }
    w.end_array();
}

std::string_view url_of(const rapidjson::Value* v) {
    if (!v) return {};
    if (v->IsString()) return {v->GetString(), v->GetStringLength()};
    return render::string_member(*v, "url");
}

void write_object(render::JsonWriter& w, const storage::SearchHit& hit, double score) {
    rapidjson::Document doc;
    if (!render::parse_json(doc, hit.latest_manifest) || !doc.IsObject()) doc.SetObject();
    const std::string_view latest = hit.latest;
    w.begin_object().key("package").begin_object();
    w.field("name", hit.name)
        .field("scope",
               hit.name.starts_with("@") ? hit.name.substr(1, hit.name.find('/') - 1) : "unscoped");
    w.field("version", latest).field("description", hit.description);
    w.key("keywords");
    if (const auto* k = member(doc, "keywords"); k && k->IsArray()) {
        w.value(*k);
    } else {
        w.begin_array().end_array();
    }
    w.field("date", hit.modified);
    w.key("links").begin_object();
    if (const auto h = render::string_member(doc, "homepage"); !h.empty()) w.field("homepage", h);
    if (const auto r = url_of(member(doc, "repository")); !r.empty()) w.field("repository", r);
    if (const auto b = url_of(member(doc, "bugs")); !b.empty()) w.field("bugs", b);
    w.end_object();
    if (const auto* a = member(doc, "author"); a && a->IsObject()) w.key("author").value(*a);
    if (!hit.publisher.empty()) {
        w.key("publisher").begin_object().field("username", hit.publisher).end_object();
    }
    w.key("maintainers");  // must be an array: npm maps over it (protocol §18)
    write_people(w, hit.maintainers);
    w.end_object();
    w.key("score").begin_object().key("final").number(score);
    w.key("detail").begin_object().key("quality").integer(1).key("popularity").integer(1);
    w.key("maintenance").integer(1).end_object().end_object();
    w.key("searchScore").number(score).end_object();
}

}  // namespace

http::Response search(const http::Request& req, Context& ctx) {
    const auto q = http::parse_form(req.query);
    const auto text = http::find_field(q, "text").value_or("");
    if (text.size() > 256) throw bad_request("the search text is longer than 256 characters");
    const int size = int_param(q, "size", 20, 1, 250);
    const int from = int_param(q, "from", 0, 0, 100000);
    const auto query = storage::fulltext_query(text);
    std::vector<storage::SearchHit> hits;
    int total = 0;
    if (!query.empty()) {
        storage::PackageRepo packages{ctx.db};
        // Restricted packages show up for those who may read them (services/access).
        const auto reader = services::reader_of(caller(req, ctx));
        // The exact-name match compares with an ASCII column: other text cannot match (review L7).
        const auto exact = storage::exact_name_of(text);
        hits = packages.search(exact, query, size, from, reader.user_id, reader.package_id);
        total = packages.count_search(exact, query, reader.user_id, reader.package_id);
    }
    render::JsonWriter w;
    w.begin_object().key("objects").begin_array();
    for (std::size_t i = 0; i < hits.size(); ++i) {
        write_object(w, hits[i], 1.0 / static_cast<double>(from + static_cast<int>(i) + 1));
    }
    // Then the search uplink's (issue 11): the page's remaining places,
    // without names depot has or would not read from an uplink.
    const int room = size - static_cast<int>(hits.size());
    if (const auto* uplink = ctx.config.find_uplink(ctx.config.search_uplink);
        uplink && room > 0 && !text.empty()) {
        services::Uplinks uplinks{ctx.config, ctx.db, ctx.tarballs, ctx.metrics};
        const auto path = "/-/v1/search?text=" + http::percent_encode(text) +
                          "&size=" + std::to_string(room) +
                          "&from=" + std::to_string(std::max(0, from - total));
        rapidjson::Document up;
        const auto answer = uplinks.ask(*uplink, path);
        if (!answer.empty() && render::parse_json(up, answer) && up.IsObject()) {
            const auto* objects = member(up, "objects");
            for (rapidjson::SizeType i = 0; objects && objects->IsArray() && i < objects->Size();
                 ++i) {
                const auto& o = (*objects)[i];
                const auto* package = member(o, "package");
                const auto name = package ? render::string_member(*package, "name") : "";
                if (!model::PackageName::valid(name)) continue;
                if (uplinks.proxied(model::PackageName::parse(std::string{name})) != uplink)
                    continue;
                w.value(o);
            }
            if (const auto* t = member(up, "total"); t && t->IsInt()) total += t->GetInt();
        }
    }
    w.end_array().key("total").integer(total);
    // npm prints nothing of it, but its registry sends it (protocol §18).
    char now[64];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(now, sizeof now, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)",
                  &tm);
    w.field("time", now).end_object();
    auto r = http::json(200, w.str());
    r.set("Cache-Control", "private, max-age=0, must-revalidate");
    return r;
}

}  // namespace depot::api
