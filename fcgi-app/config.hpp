#pragma once
// The worker's and depotctl's configuration: one "key = value" file
// (/etc/depot/depot.conf, or --config PATH, or $DEPOT_CONFIG), each key
// overridable by an environment variable DEPOT_<KEY>. Every key is checked at
// start; a bad value throws ConfigError naming the key, and main exits 1.

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log.hpp"

namespace depot {

inline constexpr const char* kDefaultConfigPath = "/etc/depot/depot.conf";

// An uplink (issue 11): another npm registry names that match a proxy rule
// come from. Its name is [a-z0-9]+, so uplink_NAME_ca never reads as a name.
struct Uplink {
    std::string name;
    std::string url;    // scheme://host[:port][/prefix], no trailing slash
    std::string ca;     // a CA bundle for its certificate; empty: the system's
    std::string token;  // sent as Bearer; empty: none
    int timeout_seconds = 30;
    // Its versions' dist.signatures (issue 13): "verify" (checked against
    // its /-/npm/v1/keys, then signed by depot; a version that fails is
    // not served), "trust" (signed by depot as it comes), "none" (served
    // unsigned). Empty: verify when it publishes keys, else none.
    std::string signatures;
};

// A trusted OIDC issuer (issue 13): JWTs it signs may be exchanged for a
// short publish token of a package whose trust config names its type.
struct OidcIssuer {
    std::string name;    // the trust config type: github, gitlab, or [a-z0-9]+
    std::string issuer;  // the JWT's iss, exactly
    std::string jwks;    // an https URL or an absolute file path
    std::string ca;      // for the JWKS URL; empty: the system's
};

// proxy = PATTERN:TARGET …: the first pattern matching a name decides; TARGET
// is an uplink's name or "none" (an empty target).
struct ProxyRule {
    std::string pattern;  // a glob on the package name: "@acme/*", "*", "left-pad"
    std::string target;   // an uplink name; empty for none
};

// True when the glob (only * is special; it matches any run, "/" too) matches name.
[[nodiscard]] bool glob_matches(std::string_view pattern, std::string_view name) noexcept;

struct Config {
    // The uplink the first matching proxy rule names; nullptr for "none" or no match.
    [[nodiscard]] const Uplink* uplink_for(std::string_view package_name) const;
    [[nodiscard]] const Uplink* find_uplink(std::string_view name) const;

    // Each worker process runs this many threads.
    [[nodiscard]] int threads_per_process() const {
        return (workers + processes - 1) / std::max(1, processes);
    }

    // The largest body of a route that takes a whole document (publish, and
    // the packument npm deprecate and unpublish PUT back).
    [[nodiscard]] std::uint64_t document_body_bytes() const {
        return std::max<std::uint64_t>(max_body_bytes, max_document_bytes + (1ull << 20));
    }

    std::string listen = "fd:0";  // "fd:0" (systemd, spawn-fcgi) or a unix socket path
    int workers = 0;              // resolved: 0 in the file means 2 per core
    int processes = 2;            // worker processes sharing them (at most workers)
    // Who may read GET /-/metrics (client addresses as nginx sees them).
    std::vector<std::string> metrics_allow{"127.0.0.1/32", "::1/128"};
    std::string db_socket = "/run/mysqld/mysqld.sock";
    std::string db_host;  // when set, TCP to db_host:db_port instead of the socket
    // db_host as a list "h1[:port], h2[:port] …" (the nodes of a cluster,
    // tried in turn); a node without a port has db_port.
    std::vector<std::pair<std::string, int>> db_hosts;
    int db_port = 3306;
    std::string db_name = "depot";
    std::string db_user = "depot";
    std::string db_password_file;
    std::string db_password;  // read from db_password_file at load
    std::string public_url;   // scheme://host[:port][/prefix], no trailing slash
    std::string tarball_dir = "/var/lib/depot/tarballs";
    std::uint64_t max_body_bytes = 64ull << 20;
    // Packument files nginx sends (issue 9): on the tarball store's file system.
    std::string document_dir = "/var/lib/depot/documents";
    std::uint64_t max_document_bytes = 100ull << 20;  // npm's registry refuses larger ones
    log::Level log_level = log::Level::Info;
    std::string views_dir = "/usr/share/depot/views";
    std::string schema_dir = "/usr/share/depot/schema";
    int password_iterations = 600000;                   // PBKDF2-HMAC-SHA256, OWASP 2023
    std::string sendmail = "/usr/sbin/sendmail -t -i";  // gets the message on stdin
    std::string mail_from = "depot@localhost";
    std::uint64_t link_max_bytes = 64ull << 20;  // versions by link (SPEC §3)
    int link_timeout_seconds = 30;
    bool link_allow_private = false;  // loopback and private addresses; tests only
    bool link_keep_copy = true;       // keep a copy of linked tarballs; false: redirect to the link
    int unpublish_window_hours = 0;   // 0: owners may always unpublish; N: only within N hours

    // Abuse limits (issue 8). Counters live in MySQL, shared by every worker and host.
    int auth_cache_seconds = 300;      // a right Basic password is re-checked after this; 0: always
    int auth_checks_per_address = 30;  // password hashes per client address per minute
    int auth_checks_per_name = 10;     // password hashes per account name per minute
    int auth_concurrency = 0;          // password hashes at once per process; 0: half the workers
    int mails_per_address = 10;        // registration and reset mails per client address per hour
    int mails_per_email = 3;           // the same, per email address per hour
    int signups_per_address = 20;      // accounts created per client address per hour
    int web_logins_per_address = 60;   // npm web logins started per client address per hour
    int links_per_user = 60;           // versions registered by link per account per hour

    // What a published tarball may cost to read (issue 8: every tarball is read before storing).
    std::uint64_t tarball_max_entries = 100000;
    std::uint64_t tarball_max_inflated = 1ull << 30;
    int tarball_max_seconds = 30;

    // READMEs: truncated as npm does, rendered once at publish under a CPU budget.
    std::uint64_t readme_max_bytes = 64ull << 10;
    int readme_render_ms = 1000;

    // Granular tokens (issue 12) live at most this many days (npm's registry: 90).
    int token_max_days = 90;

    // Uplinks (issue 11). Nothing is proxied without a proxy line.
    std::vector<Uplink> uplinks;
    std::vector<ProxyRule> proxy;
    int uplink_maxage = 120;  // seconds a cached upstream document is fresh
    std::uint64_t uplink_max_tarball_bytes = 256ull << 20;
    std::string audit_uplink;   // npm audit also asks this uplink (local names removed)
    std::string search_uplink;  // npm search also lists this uplink's results

    // Signing (issue 13): the key-encryption key that seals the registry's
    // private keys in the database (64 hex digits in the file). Without it
    // nothing is signed and /-/npm/v1/keys is 404.
    std::string signing_kek_file;
    std::string signing_kek;  // 32 bytes, read from signing_kek_file at load
    // Trusted publishing: GitHub Actions and GitLab.com unless overridden
    // (oidc_issuer_NAME, oidc_issuer_NAME_jwks, oidc_issuer_NAME_ca).
    std::vector<OidcIssuer> oidc_issuers;
    [[nodiscard]] const OidcIssuer* find_issuer(std::string_view name) const;
    int oidc_token_minutes = 15;  // lifetime of an exchanged publish token
};

class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string key, const std::string& message)
        : std::runtime_error(key.empty() ? message : key + ": " + message), key_(std::move(key)) {}
    const std::string& key() const noexcept { return key_; }

  private:
    std::string key_;
};

using Environment = std::map<std::string, std::string, std::less<>>;

// Parses the file text, then applies DEPOT_<KEY> overrides from env.
[[nodiscard]] Config parse_config(std::string_view text, const Environment& env);
// Reads the file at path (missing file: error), then parse_config().
[[nodiscard]] Config load_config(const std::string& path, const Environment& env);
// The process environment as an Environment.
[[nodiscard]] Environment process_environment();
// --config PATH beats $DEPOT_CONFIG beats kDefaultConfigPath.
[[nodiscard]] std::string config_path(int argc, char** argv, const Environment& env);

}  // namespace depot
