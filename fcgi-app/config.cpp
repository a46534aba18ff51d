#include "config.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "model/cidr.hpp"

extern char** environ;

namespace depot {
namespace {

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return std::string{s.substr(b, e - b + 1)};
}

long long parse_int(const std::string& key, const std::string& v, long long lo, long long hi) {
    long long n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) {
        throw ConfigError(key, "'" + v + "' is not a whole number");
    }
    if (n < lo || n > hi) {
        throw ConfigError(
            key, v + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return n;
}

// "64M", "512K", "1G" or plain bytes.
std::uint64_t parse_size(const std::string& key, const std::string& v) {
    if (v.empty()) throw ConfigError(key, "empty size");
    std::uint64_t unit = 1;
    std::string digits = v;
    switch (v.back()) {
        case 'k':
        case 'K':
            unit = 1ull << 10;
            digits.pop_back();
            break;
        case 'm':
        case 'M':
            unit = 1ull << 20;
            digits.pop_back();
            break;
        case 'g':
        case 'G':
            unit = 1ull << 30;
            digits.pop_back();
            break;
        default:
            break;
    }
    const auto n = static_cast<std::uint64_t>(parse_int(key, digits, 0, 1ll << 40));
    const auto bytes = n * unit;
    if (bytes < (1u << 10) || bytes > (4ull << 30)) {
        throw ConfigError(key, "'" + v + "' must be between 1K and 4G");
    }
    return bytes;
}

std::string require_absolute_path(const std::string& key, const std::string& v, bool allow_empty) {
    if (v.empty() && allow_empty) return v;
    if (v.empty() || v.front() != '/')
        throw ConfigError(key, "'" + v + "' is not an absolute path");
    if (v.find('\0') != std::string::npos) throw ConfigError(key, "path contains NUL");
    return v;
}

std::string parse_public_url(const std::string& key, std::string v) {
    const bool https = v.rfind("https://", 0) == 0;
    const bool http = v.rfind("http://", 0) == 0;
    if (!https && !http) throw ConfigError(key, "'" + v + "' must start with https:// or http://");
    const auto host_start = v.find("://") + 3;
    if (v.size() <= host_start || v[host_start] == '/')
        throw ConfigError(key, "'" + v + "' has no host");
    if (v.find_first_of("?#@ \t", host_start) != std::string::npos) {
        throw ConfigError(key, "'" + v + "' must not have credentials, a query or a fragment");
    }
    while (v.size() > host_start && v.back() == '/') v.pop_back();
    return v;
}

std::string parse_identifier(const std::string& key, const std::string& v) {
    const bool ok = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
    if (!ok) throw ConfigError(key, "'" + v + "' is not a valid name (letters, digits, _-.)");
    return v;
}

log::Level parse_level(const std::string& key, const std::string& v) {
    if (v == "error") return log::Level::Error;
    if (v == "warn") return log::Level::Warn;
    if (v == "info") return log::Level::Info;
    if (v == "debug") return log::Level::Debug;
    throw ConfigError(key, "'" + v + "' is not one of error, warn, info, debug");
}

// A whole-number key stored in one int member of Config, checked against [lo, hi].
auto int_key(int Config::*member, long long lo, long long hi) {
    return [member, lo, hi](Config& c, const std::string& k, const std::string& v) {
        c.*member = static_cast<int>(parse_int(k, v, lo, hi));
    };
}

// proxy = PATTERN:TARGET … (whitespace between rules).
void parse_proxy(Config& c, const std::string& key, const std::string& v) {
    c.proxy.clear();
    std::istringstream in{v};
    std::string rule;
    while (in >> rule) {
        const auto colon = rule.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == rule.size()) {
            throw ConfigError(key, "'" + rule + "' is not PATTERN:TARGET");
        }
        const auto pattern = rule.substr(0, colon);
        const auto target = rule.substr(colon + 1);
        const bool ok = std::all_of(pattern.begin(), pattern.end(), [](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '*' || ch == '@' ||
                   ch == '/' || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        });
        if (!ok) throw ConfigError(key, "'" + pattern + "' is not a package name glob");
        c.proxy.push_back({pattern, target == "none" ? std::string{} : target});
    }
}

// uplink_NAME, uplink_NAME_ca, uplink_NAME_token, uplink_NAME_timeout.
bool is_uplink_key(const std::string& key) {
    if (!key.starts_with("uplink_") || key == "uplink_maxage" || key == "uplink_max_tarball_bytes")
        return false;
    auto name = std::string_view{key}.substr(7);
    for (const char* suffix : {"_ca", "_token", "_timeout", "_signatures"}) {
        if (name.ends_with(suffix)) name.remove_suffix(std::strlen(suffix));
    }
    return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    });
}

Uplink& uplink_named(Config& c, std::string_view name) {
    for (auto& u : c.uplinks) {
        if (u.name == name) return u;
    }
    Uplink u;
    u.name = std::string{name};
    c.uplinks.push_back(std::move(u));
    return c.uplinks.back();
}

void set_uplink_key(Config& c, const std::string& key, const std::string& v) {
    auto name = std::string_view{key}.substr(7);
    if (name.ends_with("_ca")) {
        uplink_named(c, name.substr(0, name.size() - 3)).ca = require_absolute_path(key, v, true);
    } else if (name.ends_with("_token")) {
        if (v.find_first_of("\r\n") != std::string::npos)
            throw ConfigError(key, "a token is one line");
        uplink_named(c, name.substr(0, name.size() - 6)).token = v;
    } else if (name.ends_with("_signatures")) {
        if (v != "verify" && v != "trust" && v != "none")
            throw ConfigError(key, "must be verify, trust or none");
        uplink_named(c, name.substr(0, name.size() - 11)).signatures = v;
    } else if (name.ends_with("_timeout")) {
        uplink_named(c, name.substr(0, name.size() - 8)).timeout_seconds =
            static_cast<int>(parse_int(key, v, 1, 100));
    } else {
        uplink_named(c, name).url = parse_public_url(key, v);
    }
}

// oidc_issuer_NAME, oidc_issuer_NAME_jwks, oidc_issuer_NAME_ca.
bool is_issuer_key(const std::string& key) {
    if (!key.starts_with("oidc_issuer_")) return false;
    auto name = std::string_view{key}.substr(12);
    for (const char* suffix : {"_jwks", "_ca"}) {
        if (name.ends_with(suffix)) name.remove_suffix(std::strlen(suffix));
    }
    return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    });
}

OidcIssuer& issuer_named(Config& c, std::string_view name) {
    for (auto& i : c.oidc_issuers) {
        if (i.name == name) return i;
    }
    c.oidc_issuers.push_back({std::string{name}, {}, {}, {}});
    return c.oidc_issuers.back();
}

void set_issuer_key(Config& c, const std::string& key, const std::string& v) {
    auto name = std::string_view{key}.substr(12);
    if (name.ends_with("_jwks")) {
        if (!v.starts_with("https://") && !v.starts_with("/"))
            throw ConfigError(key, "must be an https URL or an absolute file path");
        issuer_named(c, name.substr(0, name.size() - 5)).jwks = v;
    } else if (name.ends_with("_ca")) {
        issuer_named(c, name.substr(0, name.size() - 3)).ca = require_absolute_path(key, v, true);
    } else {
        if (!v.starts_with("https://")) throw ConfigError(key, "an issuer is an https URL");
        issuer_named(c, name).issuer = v;
    }
}

// The two CI systems npm's CLI exchanges tokens from, as their issuers publish them.
void default_issuers(Config& c) {
    const auto add = [&](const char* name, const char* iss, const char* jwks) {
        auto& i = issuer_named(c, name);
        if (i.issuer.empty()) i.issuer = iss;
        if (i.jwks.empty()) i.jwks = jwks;
    };
    add("github", "https://token.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com/.well-known/jwks");
    add("gitlab", "https://gitlab.com", "https://gitlab.com/oauth/discovery/keys");
}

// "db1, db2:3307 [::1]:3308" → the nodes, in order.
std::vector<std::pair<std::string, int>> parse_db_hosts(const std::string& text, int port) {
    std::vector<std::pair<std::string, int>> out;
    std::string one;
    const auto add = [&] {
        if (one.empty()) return;
        std::string host = one;
        int p = port;
        const auto close = host.find(']');
        const auto colon = host.rfind(':');
        if (colon != std::string::npos && (close == std::string::npos || colon > close)) {
            p = static_cast<int>(parse_int("db_host", host.substr(colon + 1), 1, 65535));
            host = host.substr(0, colon);
        }
        if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
        if (host.empty() || host.find_first_of("/@[]") != std::string::npos)
            throw ConfigError("db_host", "'" + one + "' is not a host[:port]");
        out.emplace_back(host, p);
        one.clear();
    };
    for (const char ch : text) {
        if (ch == ',' || ch == ' ' || ch == '\t') {
            add();
        } else {
            one.push_back(ch);
        }
    }
    add();
    if (out.size() > 16) throw ConfigError("db_host", "at most 16 hosts");
    return out;
}

std::string parse_kek(const std::string& text) {
    if (text.size() != 64 || text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        throw ConfigError("signing_kek_file", "must hold 64 hex digits (openssl rand -hex 32)");
    std::string out;
    for (std::size_t i = 0; i < 64; i += 2)
        out.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
    return out;
}

struct Key {
    const char* name;
    std::function<void(Config&, const std::string& key, const std::string& value)> set;
};

// One line per key, like Redis's static_configs[]: the name and how it is checked.
const std::vector<Key>& keys() {
    static const std::vector<Key> kKeys{
        {"listen",
         [](Config& c, const std::string& k, const std::string& v) {
             c.listen = v == "fd:0" ? v : require_absolute_path(k, v, false);
         }},
        {"metrics_allow",
         [](Config& c, const std::string& k, const std::string& v) {
             c.metrics_allow.clear();
             std::string item;
             for (const char ch : v + ",") {
                 if (ch != ',' && ch != ' ') {
                     item.push_back(ch);
                     continue;
                 }
                 if (item.empty()) continue;
                 try {
                     c.metrics_allow.push_back(model::parse_cidr(item));
                 } catch (const std::exception&) {
                     throw ConfigError(k, "'" + item + "' is not an address or ADDRESS/BITS");
                 }
                 item.clear();
             }
         }},
        {"processes",
         [](Config& c, const std::string& k, const std::string& v) {
             c.processes = static_cast<int>(parse_int(k, v, 1, 64));
         }},
        {"workers",
         [](Config& c, const std::string& k, const std::string& v) {
             c.workers = static_cast<int>(parse_int(k, v, 0, 512));
         }},
        {"db_socket",
         [](Config& c, const std::string& k, const std::string& v) {
             c.db_socket = require_absolute_path(k, v, true);
         }},
        {"db_host", [](Config& c, const std::string&, const std::string& v) { c.db_host = v; }},
        {"db_port",
         [](Config& c, const std::string& k, const std::string& v) {
             c.db_port = static_cast<int>(parse_int(k, v, 1, 65535));
         }},
        {"db_name", [](Config& c, const std::string& k,
                       const std::string& v) { c.db_name = parse_identifier(k, v); }},
        {"db_user", [](Config& c, const std::string& k,
                       const std::string& v) { c.db_user = parse_identifier(k, v); }},
        {"db_password_file",
         [](Config& c, const std::string& k, const std::string& v) {
             c.db_password_file = require_absolute_path(k, v, true);
         }},
        {"public_url", [](Config& c, const std::string& k,
                          const std::string& v) { c.public_url = parse_public_url(k, v); }},
        {"tarball_dir",
         [](Config& c, const std::string& k, const std::string& v) {
             c.tarball_dir = require_absolute_path(k, v, false);
         }},
        {"document_dir",
         [](Config& c, const std::string& k, const std::string& v) {
             c.document_dir = require_absolute_path(k, v, false);
         }},
        {"max_document_bytes",
         [](Config& c, const std::string& k, const std::string& v) {
             c.max_document_bytes = parse_size(k, v);
         }},
        {"max_body_bytes", [](Config& c, const std::string& k,
                              const std::string& v) { c.max_body_bytes = parse_size(k, v); }},
        {"log_level", [](Config& c, const std::string& k,
                         const std::string& v) { c.log_level = parse_level(k, v); }},
        {"views_dir",
         [](Config& c, const std::string& k, const std::string& v) {
             c.views_dir = require_absolute_path(k, v, false);
         }},
        {"schema_dir",
         [](Config& c, const std::string& k, const std::string& v) {
             c.schema_dir = require_absolute_path(k, v, false);
         }},
        {"sendmail",
         [](Config& c, const std::string& k, const std::string& v) {
             if (v.empty() || v.front() != '/')
                 throw ConfigError(k, "'" + v + "' must start with an absolute path");
             c.sendmail = v;
         }},
        {"mail_from",
         [](Config& c, const std::string& k, const std::string& v) {
             if (v.find('@') == std::string::npos || v.find_first_of("\r\n") != std::string::npos) {
                 throw ConfigError(k, "'" + v + "' is not an email address");
             }
             c.mail_from = v;
         }},
        {"link_max_bytes", [](Config& c, const std::string& k,
                              const std::string& v) { c.link_max_bytes = parse_size(k, v); }},
        {"link_timeout_seconds",
         [](Config& c, const std::string& k, const std::string& v) {
             // below nginx's fastcgi_read_timeout (120 s), so the client is answered
             c.link_timeout_seconds = static_cast<int>(parse_int(k, v, 1, 100));
         }},
        {"link_allow_private",
         [](Config& c, const std::string& k, const std::string& v) {
             if (v != "true" && v != "false")
                 throw ConfigError(k, "'" + v + "' is not true or false");
             c.link_allow_private = v == "true";
         }},
        {"link_keep_copy",
         [](Config& c, const std::string& k, const std::string& v) {
             if (v != "true" && v != "false")
                 throw ConfigError(k, "'" + v + "' is not true or false");
             c.link_keep_copy = v == "true";
         }},
        {"unpublish_window_hours",
         [](Config& c, const std::string& k, const std::string& v) {
             c.unpublish_window_hours = static_cast<int>(parse_int(k, v, 0, 24 * 365 * 10));
         }},
        {"auth_cache_seconds", int_key(&Config::auth_cache_seconds, 0, 3600)},
        {"auth_checks_per_address", int_key(&Config::auth_checks_per_address, 1, 100000)},
        {"auth_checks_per_name", int_key(&Config::auth_checks_per_name, 1, 100000)},
        {"auth_concurrency", int_key(&Config::auth_concurrency, 0, 512)},
        {"mails_per_address", int_key(&Config::mails_per_address, 1, 100000)},
        {"mails_per_email", int_key(&Config::mails_per_email, 1, 100000)},
        {"signups_per_address", int_key(&Config::signups_per_address, 1, 100000)},
        {"web_logins_per_address", int_key(&Config::web_logins_per_address, 1, 100000)},
        {"links_per_user", int_key(&Config::links_per_user, 1, 100000)},
        {"tarball_max_entries",
         [](Config& c, const std::string& k, const std::string& v) {
             c.tarball_max_entries = static_cast<std::uint64_t>(parse_int(k, v, 1, 10000000));
         }},
        {"tarball_max_inflated",
         [](Config& c, const std::string& k, const std::string& v) {
             c.tarball_max_inflated = parse_size(k, v);
         }},
        {"tarball_max_seconds", int_key(&Config::tarball_max_seconds, 1, 100)},
        {"readme_max_bytes", [](Config& c, const std::string& k,
                                const std::string& v) { c.readme_max_bytes = parse_size(k, v); }},
        {"readme_render_ms", int_key(&Config::readme_render_ms, 10, 60000)},
        {"uplink_maxage", int_key(&Config::uplink_maxage, 0, 365 * 24 * 3600)},
        {"token_max_days", int_key(&Config::token_max_days, 1, 3650)},
        {"oidc_token_minutes", int_key(&Config::oidc_token_minutes, 1, 15)},
        {"signing_kek_file",
         [](Config& c, const std::string& k, const std::string& v) {
             c.signing_kek_file = require_absolute_path(k, v, true);
         }},
        {"uplink_max_tarball_bytes",
         [](Config& c, const std::string& k, const std::string& v) {
             c.uplink_max_tarball_bytes = parse_size(k, v);
         }},
        {"audit_uplink",
         [](Config& c, const std::string&, const std::string& v) { c.audit_uplink = v; }},
        {"search_uplink",
         [](Config& c, const std::string&, const std::string& v) { c.search_uplink = v; }},
        {"proxy",
         [](Config& c, const std::string& k, const std::string& v) { parse_proxy(c, k, v); }},
        {"password_iterations",
         [](Config& c, const std::string& k, const std::string& v) {
             c.password_iterations = static_cast<int>(parse_int(k, v, 1000, 10000000));
         }},
    };
    return kKeys;
}

const Key& find_key(const std::string& name) {
    for (const auto& k : keys()) {
        if (name == k.name) return k;
    }
    if (is_uplink_key(name)) {
        static const Key kUplink{"uplink_*", set_uplink_key};
        return kUplink;
    }
    if (is_issuer_key(name)) {
        static const Key kIssuer{"oidc_issuer_*", set_issuer_key};
        return kIssuer;
    }
    throw ConfigError(name, "unknown key");
}

std::string env_name(const char* key) {
    std::string n = "DEPOT_";
    for (const char* p = key; *p; ++p)
        n += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
    return n;
}

std::string read_secret_file(const std::string& key, const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) throw ConfigError(key, "cannot read '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

bool glob_matches(std::string_view pattern, std::string_view name) noexcept {
    // Iterative glob with one backtrack point (the last *): linear enough for names.
    std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (p < pattern.size() && pattern[p] == name[n]) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

const Uplink* Config::find_uplink(std::string_view name) const {
    for (const auto& u : uplinks) {
        if (u.name == name) return &u;
    }
    return nullptr;
}

const OidcIssuer* Config::find_issuer(std::string_view name) const {
    for (const auto& i : oidc_issuers) {
        if (i.name == name) return &i;
    }
    return nullptr;
}

const Uplink* Config::uplink_for(std::string_view package_name) const {
    for (const auto& r : proxy) {
        if (glob_matches(r.pattern, package_name))
            return r.target.empty() ? nullptr : find_uplink(r.target);
    }
    return nullptr;
}

Config parse_config(std::string_view text, const Environment& env) {
    Config c;
    std::map<std::string, std::string> values;
    std::istringstream in{std::string{text}};
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        const auto t = trim(line);
        if (t.empty() || t.front() == '#') continue;
        const auto eq = t.find('=');
        if (eq == std::string::npos) {
            throw ConfigError("", "line " + std::to_string(lineno) + ": expected key = value");
        }
        const auto key = trim(std::string_view{t}.substr(0, eq));
        (void)find_key(key);
        if (values.contains(key)) throw ConfigError(key, "set twice");
        values[key] = trim(std::string_view{t}.substr(eq + 1));
    }
    for (const auto& k : keys()) {
        if (const auto it = env.find(env_name(k.name)); it != env.end())
            values[k.name] = it->second;
    }
    for (const auto& [name, value] : env) {  // DEPOT_UPLINK_NPMJS=…, DEPOT_UPLINK_NPMJS_CA=…
        if (!name.starts_with("DEPOT_UPLINK_")) continue;
        std::string key = name.substr(6);
        for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (is_uplink_key(key)) values[key] = value;
    }
    for (const auto& [key, value] : values) find_key(key).set(c, key, value);
    default_issuers(c);
    for (const auto& i : c.oidc_issuers) {
        if (i.issuer.empty() || i.jwks.empty())
            throw ConfigError("oidc_issuer_" + i.name, "needs both the issuer URL and _jwks");
    }
    for (const auto& u : c.uplinks) {
        if (u.url.empty()) throw ConfigError("uplink_" + u.name, "is required (the uplink's URL)");
    }
    for (const auto& r : c.proxy) {
        if (!r.target.empty() && !c.find_uplink(r.target))
            throw ConfigError(
                "proxy", "'" + r.target + "' is not an uplink (no uplink_" + r.target + " line)");
    }
    for (const auto& [key, name] : {std::pair{"audit_uplink", &c.audit_uplink},
                                    std::pair{"search_uplink", &c.search_uplink}}) {
        if (!name->empty() && !c.find_uplink(*name))
            throw ConfigError(key, "'" + *name + "' is not an uplink");
    }

    if (c.public_url.empty()) throw ConfigError("public_url", "is required");
    c.db_hosts = parse_db_hosts(c.db_host, c.db_port);
    if (c.db_host.empty() && c.db_socket.empty()) {
        throw ConfigError("db_socket", "set db_socket or db_host");
    }
    if (!c.db_password_file.empty()) {
        c.db_password = read_secret_file("db_password_file", c.db_password_file);
    }
    if (!c.signing_kek_file.empty())
        c.signing_kek = parse_kek(read_secret_file("signing_kek_file", c.signing_kek_file));
    if (c.tarball_max_seconds + c.link_timeout_seconds > 110) {
        throw ConfigError("tarball_max_seconds",
                          "with link_timeout_seconds it must stay under nginx's 120 s");
    }
    if (c.workers == 0) {
        const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
        c.workers = static_cast<int>(2 * cores);
    }
    c.processes = std::min(c.processes, c.workers);
    return c;
}

Config load_config(const std::string& path, const Environment& env) {
    std::ifstream in{path, std::ios::binary};
    if (!in) throw ConfigError("", "cannot read config file '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), env);
}

Environment process_environment() {
    Environment env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view kv{*e};
        const auto eq = kv.find('=');
        if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return env;
}

std::string config_path(int argc, char** argv, const Environment& env) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string_view{argv[i]} == "--config") return argv[i + 1];
    }
    for (int i = 1; i < argc; ++i) {
        const std::string_view a{argv[i]};
        if (a.rfind("--config=", 0) == 0) return std::string{a.substr(9)};
    }
    if (const auto it = env.find("DEPOT_CONFIG"); it != env.end() && !it->second.empty()) {
        return it->second;
    }
    return kDefaultConfigPath;
}

}  // namespace depot
