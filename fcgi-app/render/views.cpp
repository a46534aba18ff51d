#include "render/views.hpp"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>
#include <stdexcept>

namespace depot::render {
namespace fs = std::filesystem;
namespace mu = kainjow::mustache;

namespace {

// kainjow treats every string as true in a {{#section}}, even an empty one:
// optional fields are set only when they have a value.
void set_if(mu::data& d, const std::string& key, std::string_view value) {
    if (!value.empty()) d.set(key, std::string{value});
}

std::string read_file(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    if (!in) throw std::runtime_error("cannot read view " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The one place unescaped output is allowed: the README, rendered by
// cmark-gfm with raw HTML disabled (STYLE.md: one marked partial slot).
constexpr const char* kUnescapedSlot = "partials/_readme";
constexpr const char* kUnescapedText = "{{{readme_html}}}";

void check(const std::string& what, const std::string& text) {
    std::string rest = text;
    if (what == kUnescapedSlot) {
        const auto at = rest.find(kUnescapedText);
        if (at != std::string::npos) rest.erase(at, std::string_view{kUnescapedText}.size());
    }
    if (rest.find("{{{") != std::string::npos || rest.find("{{&") != std::string::npos) {
        throw std::runtime_error("view " + what + " uses unescaped output ({{{ or {{&)");
    }

    mu::mustache t{text};
    if (!t.is_valid()) throw std::runtime_error("view " + what + ": " + t.error_message());
}

}  // namespace

ViewSources load_view_sources(const std::string& dir) {
    ViewSources s;
    if (!fs::is_directory(dir))
        throw std::runtime_error("views_dir: '" + dir + "' is not a directory");
    for (const auto& e : fs::directory_iterator{dir}) {
        if (e.is_regular_file() && e.path().extension() == ".mustache") {
            s.pages[e.path().stem().string()] = read_file(e.path());
        }
    }
    const auto partials = fs::path{dir} / "partials";
    if (fs::is_directory(partials)) {
        for (const auto& e : fs::directory_iterator{partials}) {
            const auto stem = e.path().stem().string();
            if (e.is_regular_file() && e.path().extension() == ".mustache" &&
                stem.starts_with("_")) {
                s.partials[stem.substr(1)] = read_file(e.path());
            }
        }
    }
    for (const auto& [name, text] : s.pages) check(name, text);
    for (const auto& [name, text] : s.partials) check("partials/_" + name, text);
    for (const char* required :
         {"error", "login", "login_done", "home", "package", "notice", "token", "confirm", "reset",
          "revert", "token_switch", "account"}) {
        if (!s.pages.contains(required))
            throw std::runtime_error(std::string{"missing view "} + required);
    }
    return s;
}

struct Views::Impl {
    std::map<std::string, mu::mustache> pages;
    std::map<std::string, std::string> partials;

    std::string render(const std::string& page, mu::data data) {
        for (const auto& [name, text] : partials) {
            data.set(name, mu::partial{[&text = text] { return text; }});
        }
        auto it = pages.find(page);
        if (it == pages.end()) throw std::logic_error("no view named " + page);
        return it->second.render(data);
    }
};

Views::Views(const ViewSources& sources) : impl_{std::make_unique<Impl>()} {
    for (const auto& [name, text] : sources.pages) impl_->pages.emplace(name, mu::mustache{text});
    impl_->partials = sources.partials;
}

Views::~Views() = default;

std::string Views::error_page(int status, std::string_view reason, std::string_view message,
                              std::string_view request_id) {
    mu::data d;
    d.set("title", std::to_string(status) + " " + std::string{reason});
    d.set("status", std::to_string(status));
    d.set("reason", std::string{reason});
    d.set("message", std::string{message});
    set_if(d, "request_id", request_id);
    return impl_->render("error", std::move(d));
}

std::string Views::login_page(bool create, const LoginRequest& request, std::string_view error,
                              std::string_view name) {
    mu::data d;
    d.set("title", create ? "Create your account" : "Log in");
    d.set("create", create ? mu::data::type::bool_true : mu::data::type::bool_false);
    d.set("client_addr", request.client_addr.empty() ? "unknown" : request.client_addr);
    d.set("user_agent", request.user_agent.empty() ? "unknown" : request.user_agent);
    d.set("started", request.started);
    set_if(d, "error", error);
    d.set("name", std::string{name});
    return impl_->render("login", std::move(d));
}

std::string Views::login_done_page(std::string_view name) {
    mu::data d;
    d.set("title", "Logged in");
    d.set("name", std::string{name});
    return impl_->render("login_done", std::move(d));
}

}  // namespace depot::render

namespace depot::render {

std::string Views::home_page(const HomePage& page) {
    mu::data d;
    d.set("title", page.query.empty() ? "Packages" : "Search: " + page.query);
    d.set("query", page.query);
    mu::data list{mu::data::type::list};
    for (const auto& p : page.packages) {
        mu::data item;
        item.set("name", p.name);
        item.set("description", p.description);
        item.set("version", p.version);
        item.set("modified", p.modified.substr(0, 10));
        list.push_back(item);
    }
    d.set("packages", list);
    d.set("empty", page.packages.empty() ? mu::data::type::bool_true : mu::data::type::bool_false);
    d.set("page", std::to_string(page.page));
    if (page.has_prev) d.set("prev", std::to_string(page.page - 1));
    if (page.has_next) d.set("next", std::to_string(page.page + 1));
    return impl_->render("home", std::move(d));
}

std::string Views::package_page(const PackagePage& page) {
    mu::data d;
    d.set("title", page.name);
    d.set("name", page.name);
    d.set("description", page.description);
    d.set("shown_version", page.shown_version);
    set_if(d, "shown_deprecated", page.shown_deprecated);
    set_if(d, "readme_html", page.readme_html);
    set_if(d, "readme_text", page.readme_text);
    set_if(d, "nightly_url", page.nightly_url);
    mu::data versions{mu::data::type::list};
    for (const auto& v : page.versions) {
        mu::data item;
        item.set("version", v.version);
        item.set("date", v.date.substr(0, 10));
        set_if(item, "deprecated", v.deprecated);
        item.set("shown", v.shown ? mu::data::type::bool_true : mu::data::type::bool_false);
        set_if(item, "signed_by", v.signed_by);
        set_if(item, "publisher", v.publisher);
        if (v.provenance) item.set("provenance", mu::data::type::bool_true);
        if (v.provenance_checked) item.set("trusted", mu::data::type::bool_true);
        set_if(item, "source_repo", v.source_repo);
        set_if(item, "commit", v.commit.substr(0, 12));
        set_if(item, "commit_full", v.commit);
        set_if(item, "workflow", v.workflow);
        set_if(item, "build_url", v.build_url);
        versions.push_back(item);
    }
    d.set("versions", versions);
    mu::data tags{mu::data::type::list};
    for (const auto& t : page.tags) {
        mu::data item;
        item.set("tag", t.tag);
        item.set("version", t.version);
        tags.push_back(item);
    }
    d.set("tags", tags);
    mu::data owners{mu::data::type::list};
    for (const auto& o : page.owners) owners.push_back(mu::data{o});
    d.set("owners", owners);
    if (page.manage) {
        mu::data manage;
        manage.set("csrf", page.csrf);
        if (page.otp) manage.set("otp", mu::data::type::bool_true);
        if (!page.staged.empty()) {
            mu::data staged{mu::data::type::list};
            for (const auto& s : page.staged) {
                mu::data item;
                item.set("id", s.id);
                item.set("version", s.version);
                item.set("tag", s.tag);
                item.set("actor", s.actor);
                item.set("created", s.created);
                staged.push_back(item);
            }
            manage.set("staged", staged);
            manage.set("has_staged", mu::data::type::bool_true);
        }
        set_if(manage, "project_token", page.project_token);
        set_if(manage, "publish_policy", page.publish_policy);
        manage.set("name", page.name);
        manage.set("user",
                   page.with_user_token ? mu::data::type::bool_true : mu::data::type::bool_false);
        d.set("manage", manage);
    }
    d.set("no_versions",
          page.versions.empty() ? mu::data::type::bool_true : mu::data::type::bool_false);
    return impl_->render("package", std::move(d));
}

}  // namespace depot::render

namespace depot::render {

std::string Views::notice_page(std::string_view title, std::string_view message,
                               std::string_view link_href, std::string_view link_text) {
    mu::data d;
    d.set("title", std::string{title});
    d.set("message", std::string{message});
    set_if(d, "link_href", link_href);
    d.set("link_text", std::string{link_text});
    return impl_->render("notice", std::move(d));
}

std::string Views::account_page(const AccountPage& page) {
    mu::data d;
    d.set("title", std::string{"Your account"});
    d.set("name", page.name.empty() ? std::string{"(no npm name)"} : page.name);
    d.set("email", page.email);
    d.set("csrf", page.csrf);
    set_if(d, "tfa_mode", page.tfa_mode);
    if (page.tfa_mode.empty() && page.otpauth.empty() && page.recovery_codes.empty())
        d.set("tfa_off", mu::data::type::bool_true);
    if (!page.otpauth.empty()) {
        mu::data enrol;
        enrol.set("secret", page.secret);
        enrol.set("otpauth", page.otpauth);
        enrol.set("box", std::to_string(page.qr_size + 8));  // a quiet zone of 4 each side
        mu::data modules{mu::data::type::list};
        for (const auto& [x, y] : page.qr_dark) {
            mu::data m;
            m.set("x", std::to_string(x));
            m.set("y", std::to_string(y));
            modules.push_back(m);
        }
        enrol.set("modules", modules);
        d.set("enrol", enrol);
    }
    if (!page.recovery_codes.empty()) {
        mu::data codes{mu::data::type::list};
        for (const auto& c : page.recovery_codes) codes.push_back(mu::data{c});
        d.set("recovery_codes", codes);
        d.set("has_codes", mu::data::type::bool_true);
    }
    set_if(d, "new_token", page.new_token);
    set_if(d, "expires", page.expires);
    set_if(d, "message", page.message);
    set_if(d, "error", page.error);
    return impl_->render("account", std::move(d));
}

std::string Views::token_page(const TokenPage& page) {
    mu::data d;
    d.set("title", page.title);
    d.set("message", page.message);
    d.set("token", page.token);
    set_if(d, "name", page.name);
    d.set("registry_host", page.registry_host);
    mu::data projects{mu::data::type::list};
    for (const auto& [name, token] : page.project_tokens) {
        mu::data item;
        item.set("package", name);
        item.set("token", token);
        projects.push_back(item);
    }
    d.set("project_tokens", projects);
    d.set("has_project_tokens",
          page.project_tokens.empty() ? mu::data::type::bool_false : mu::data::type::bool_true);
    return impl_->render("token", std::move(d));
}

std::string Views::confirm_page(std::string_view email, std::string_view secret,
                                std::string_view name, bool change) {
    mu::data d;
    d.set("title", change ? "Confirm your new email" : "Create your account");
    d.set("email", std::string{email});
    d.set("secret", std::string{secret});
    d.set("account", std::string{name});
    d.set("change", change ? mu::data::type::bool_true : mu::data::type::bool_false);
    return impl_->render("confirm", std::move(d));
}

std::string Views::revert_page(std::string_view email, std::string_view secret,
                               std::string_view name) {
    mu::data d;
    d.set("title", "Undo the email change");
    d.set("email", std::string{email});
    d.set("secret", std::string{secret});
    d.set("account", std::string{name});
    return impl_->render("revert", std::move(d));
}

std::string Views::reset_page(std::string_view email, std::string_view secret,
                              std::string_view name) {
    mu::data d;
    d.set("title", "Reset your account");
    d.set("email", std::string{email});
    d.set("secret", std::string{secret});
    set_if(d, "name", name);
    return impl_->render("reset", std::move(d));
}

std::string Views::token_switch_page(std::string_view package, std::string_view kind,
                                     std::string_view secret, bool replaces,
                                     std::string_view csrf) {
    mu::data d;
    d.set("title", "Manage " + std::string{package});
    d.set("package", std::string{package});
    d.set("kind", std::string{kind});
    d.set("secret", std::string{secret});
    d.set("csrf", std::string{csrf});
    d.set("replaces", replaces ? mu::data::type::bool_true : mu::data::type::bool_false);
    return impl_->render("token_switch", std::move(d));
}

}  // namespace depot::render
