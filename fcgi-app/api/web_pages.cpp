// The HTML pages for people (SPEC §3): the package list with search, a
// package's versions, tags, owners and README, and an older version's page.

#include <algorithm>
#include <charconv>

#include "api/routes.hpp"
#include "error.hpp"
#include "http/uri.hpp"
#include "model/package_name.hpp"
#include "model/semver.hpp"
#include "render/views.hpp"
#include "services/auth.hpp"
#include "storage/db.hpp"
#include "storage/package_repo.hpp"
#include "storage/version_repo.hpp"

namespace depot::api {
namespace {

constexpr int kPerPage = 20;

http::Response page(std::string body) {
    auto r = http::html(200, std::move(body));
    r.set("Cache-Control", "no-cache");
    return r;
}

int page_number(const http::Fields& q) {
    const auto v = http::find_field(q, "page").value_or("1");
    int n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < 1 || n > 100000) {
        throw bad_request("page must be a whole number from 1");
    }
    return n;
}

}  // namespace

// GET / — the newest packages, or search results for ?q=.
http::Response home(const http::Request& req, Context& ctx) {
    const auto q = http::parse_form(req.query);
    render::HomePage home;
    home.page = page_number(q);
    home.query = http::find_field(q, "q").value_or("");
    if (home.query.size() > 256) throw bad_request("the search text is longer than 256 characters");
    storage::PackageRepo packages{ctx.db};
    const int offset = (home.page - 1) * kPerPage;
    if (home.query.empty()) {
        for (const auto& p : packages.list_recent(kPerPage + 1, offset)) {
            home.packages.push_back({p.name, p.description, p.latest, p.modified});
        }
    } else if (const auto words = storage::fulltext_query(home.query); !words.empty()) {
        for (const auto& h : packages.search(storage::exact_name_of(home.query), words,
                                             kPerPage + 1, offset, 0, 0)) {
            home.packages.push_back({h.name, h.description, "", h.modified});
        }
    }
    home.has_next = home.packages.size() > kPerPage;
    if (home.has_next) home.packages.pop_back();
    home.has_prev = home.page > 1;
    return page(ctx.views.home_page(home));
}

// The page of one package at one version (the latest when version is empty).
http::Response package_page(const http::Request& req, Context& ctx, const model::PackageName& name,
                            const std::string& version) {
    storage::PackageRepo packages{ctx.db};
    const auto pkg = packages.find(name.str());
    if (!pkg || !pkg->unpublished.empty())
        throw not_found("package \"" + name.str() + "\" not found");
    require_read_access(req, ctx, pkg->id, pkg->access, name.str());
    auto versions = storage::VersionRepo{ctx.db}.list(pkg->id);
    std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
        return model::Semver::parse(a.version) > model::Semver::parse(b.version);
    });
    const auto tags = storage::TagRepo{ctx.db}.list(pkg->id);
    std::string shown = version;
    if (shown.empty()) {
        for (const auto& t : tags) {
            if (t.tag == "latest") shown = t.version;
        }
        if (shown.empty() && !versions.empty()) shown = versions.front().version;
    }
    const auto it = std::find_if(versions.begin(), versions.end(),
                                 [&](const auto& v) { return v.version == shown; });
    if (it == versions.end() && !version.empty())
        throw not_found("version " + shown + " of \"" + name.str() + "\" not found");

    render::PackagePage p;
    p.name = name.str();
    p.description = pkg->description;
    p.nightly_url = pkg->nightly_url;
    if (it != versions.end()) {
        p.shown_version = shown;
        p.shown_deprecated = it->deprecated;
        // Rendered once at publish under a CPU budget (services/readme); a page
        // view never renders Markdown (review H3). Older rows: escaped text.
        p.readme_html = it->readme_html;
        if (p.readme_html.empty()) p.readme_text = !it->readme.empty() ? it->readme : pkg->readme;
    }
    add_management(req, ctx, pkg->id, p);
    for (const auto& v : versions) {
        render::VersionItem item;
        item.version = v.version;
        item.date = v.published_at;
        item.deprecated = v.deprecated;
        item.shown = v.version == shown;
        item.signed_by = v.sig_keyid;
        item.trusted_publisher = !v.trusted_publisher.empty();
        item.publisher = item.trusted_publisher ? v.trusted_publisher + " (trusted publisher)"
                                                : v.publisher_name;
        item.provenance = !v.provenance.predicate_type.empty();
        // Publishes through github and gitlab configs must name the trusted
        // repository (services/publish); other issuers' are not checked.
        item.provenance_checked =
            item.provenance && (v.trusted_publisher == "github" || v.trusted_publisher == "gitlab");
        item.source_repo = v.provenance.source_repo;
        if (!item.source_repo.empty()) item.commit = v.provenance.commit;
        item.workflow = v.provenance.workflow;
        item.build_url = v.provenance.build_url;
        p.versions.push_back(std::move(item));
    }
    for (const auto& t : tags) p.tags.push_back({t.tag, t.version});
    // Names only: an email is shown to its own account alone (review L2, I1).
    for (const auto& o : packages.list_owners(pkg->id)) {
        p.owners.push_back(o.name.empty() ? "(an account without an npm name)" : o.name);
    }
    auto r = http::html(200, ctx.views.package_page(p));
    r.set("Cache-Control", p.manage                      ? "no-store"  // forms for this token
                           : pkg->access == "restricted" ? "private, no-cache"
                                                         : "no-cache");
    r.set("Vary", "Accept");  // the same URL answers npm with JSON (review S11)
    return r;
}

// GET /{pkg}/v/{version}
http::Response show_version_page(const http::Request& req, Context& ctx) {
    const auto name = model::PackageName::parse(req.param("pkg"));
    return package_page(req, ctx, name, model::Semver::parse(req.param("version")).str());
}

}  // namespace depot::api
