#include "config.hpp"

#include <boost/test/unit_test.hpp>

using depot::Config;
using depot::ConfigError;
using depot::Environment;
using depot::parse_config;

namespace {

const char* kMinimal = "public_url = https://depot.example/\n";

bool names_key(const ConfigError& e, const std::string& key) {
    return e.key() == key && std::string{e.what()}.find(key) != std::string::npos;
}

void expect_key_error(const std::string& text, const std::string& key,
                      const Environment& env = {}) {
    BOOST_TEST_INFO(text);
    BOOST_CHECK_EXCEPTION((void)parse_config(text, env), ConfigError,
                          [&](const ConfigError& e) { return names_key(e, key); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_fill_everything_but_the_public_url) {
    const Config c = parse_config(kMinimal, {});
    BOOST_TEST(c.public_url == "https://depot.example");  // trailing slash trimmed
    BOOST_TEST(c.listen == "fd:0");
    BOOST_TEST(c.workers >= 2);
    BOOST_TEST(c.db_socket == "/run/mysqld/mysqld.sock");
    BOOST_TEST(c.max_body_bytes == 64ull << 20);
}

BOOST_AUTO_TEST_CASE(every_key_is_read_with_comments_and_spaces) {
    const Config c = parse_config(
        "# depot\n"
        "listen = /run/depot/fcgi.sock\n"
        "workers=3\n"
        "  db_host = db.internal \n"
        "db_port = 3307\n"
        "db_name = reg\n"
        "db_user = reg_rw\n"
        "public_url = https://npm.example.com:8443/registry\n"
        "tarball_dir = /srv/tarballs\n"
        "max_body_bytes = 10M\n"
        "log_level = debug\n"
        "views_dir = /srv/views\n"
        "schema_dir = /srv/schema\n"
        "password_iterations = 1000\n",
        {});
    BOOST_TEST(c.listen == "/run/depot/fcgi.sock");
    BOOST_TEST(c.workers == 3);
    BOOST_TEST(c.db_host == "db.internal");
    BOOST_TEST(c.db_port == 3307);
    BOOST_TEST(c.db_name == "reg");
    BOOST_TEST(c.public_url == "https://npm.example.com:8443/registry");
    BOOST_TEST(c.max_body_bytes == 10ull << 20);
    BOOST_TEST((c.log_level == depot::log::Level::Debug));
    BOOST_TEST(c.password_iterations == 1000);
}

BOOST_AUTO_TEST_CASE(environment_overrides_the_file) {
    const Config c =
        parse_config("public_url = https://a.example\nworkers = 4\n",
                     {{"DEPOT_WORKERS", "7"}, {"DEPOT_PUBLIC_URL", "https://b.example"}});
    BOOST_TEST(c.workers == 7);
    BOOST_TEST(c.public_url == "https://b.example");
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_key) {
    expect_key_error(std::string{kMinimal} + "workers = many\n", "workers");
    expect_key_error(std::string{kMinimal} + "workers = 100000\n", "workers");
    expect_key_error(std::string{kMinimal} + "db_port = 0\n", "db_port");
    expect_key_error(std::string{kMinimal} + "listen = relative.sock\n", "listen");
    expect_key_error(std::string{kMinimal} + "tarball_dir = tarballs\n", "tarball_dir");
    expect_key_error(std::string{kMinimal} + "max_body_bytes = 12X\n", "max_body_bytes");
    expect_key_error(std::string{kMinimal} + "max_body_bytes = 10\n", "max_body_bytes");
    expect_key_error(std::string{kMinimal} + "log_level = loud\n", "log_level");
    expect_key_error(std::string{kMinimal} + "db_name = x;drop\n", "db_name");
    expect_key_error(std::string{kMinimal} + "password_iterations = 10\n", "password_iterations");
    expect_key_error(std::string{kMinimal} + "db_password_file = /nonexistent/secret\n",
                     "db_password_file");
    expect_key_error("public_url = ftp://x.example\n", "public_url");
    expect_key_error("public_url = https://x.example/?a=b\n", "public_url");
    expect_key_error("public_url = https:///path\n", "public_url");
    expect_key_error("", "public_url");
    expect_key_error(std::string{kMinimal} + "colour = blue\n", "colour");
    expect_key_error(std::string{kMinimal} + "workers = 2\nworkers = 3\n", "workers");
    expect_key_error(kMinimal, "workers", {{"DEPOT_WORKERS", "-1"}});
}

BOOST_AUTO_TEST_CASE(abuse_limits_and_budgets_are_read_and_bounded) {
    const Config c = parse_config(std::string{kMinimal} +
                                      "auth_cache_seconds = 0\nauth_checks_per_address = 7\n"
                                      "tarball_max_inflated = 4M\nreadme_max_bytes = 32K\n",
                                  {});
    BOOST_TEST(c.auth_cache_seconds == 0);
    BOOST_TEST(c.auth_checks_per_address == 7);
    BOOST_TEST(c.auth_checks_per_name == 10);
    BOOST_TEST(c.tarball_max_inflated == 4ull << 20);
    BOOST_TEST(c.readme_max_bytes == 32ull << 10);
    BOOST_TEST(c.readme_render_ms == 1000);
    expect_key_error(std::string{kMinimal} + "auth_checks_per_name = 0\n", "auth_checks_per_name");
    expect_key_error(std::string{kMinimal} + "tarball_max_seconds = 0\n", "tarball_max_seconds");
    // nginx gives up at 120 s: a link may not take longer (review S8).
    expect_key_error(std::string{kMinimal} + "link_timeout_seconds = 101\n",
                     "link_timeout_seconds");
    expect_key_error(
        std::string{kMinimal} + "link_timeout_seconds = 90\ntarball_max_seconds = 30\n",
        "tarball_max_seconds");
}

BOOST_AUTO_TEST_CASE(a_line_without_equals_is_an_error) {
    BOOST_CHECK_THROW((void)parse_config(std::string{kMinimal} + "just words\n", {}), ConfigError);
}

BOOST_AUTO_TEST_CASE(config_path_prefers_flag_then_environment) {
    char prog[] = "depot-fcgi";
    char flag[] = "--config";
    char path[] = "/tmp/x.conf";
    char* argv[] = {prog, flag, path, nullptr};
    BOOST_TEST(depot::config_path(3, argv, {{"DEPOT_CONFIG", "/env.conf"}}) == "/tmp/x.conf");
    BOOST_TEST(depot::config_path(1, argv, {{"DEPOT_CONFIG", "/env.conf"}}) == "/env.conf");
    BOOST_TEST(depot::config_path(1, argv, {}) == "/etc/depot/depot.conf");
}

BOOST_AUTO_TEST_CASE(uplinks_and_proxy_rules_are_read) {
    const Config c = parse_config(std::string{kMinimal} +
                                      "uplink_npmjs = https://registry.npmjs.org/\n"
                                      "uplink_npmjs_timeout = 7\n"
                                      "uplink_corp2 = https://npm.corp.example\n"
                                      "uplink_corp2_ca = /etc/ssl/corp.pem\n"
                                      "uplink_corp2_token = s3cret\n"
                                      "proxy = @acme/*:none @corp/*:corp2   *:npmjs\n"
                                      "uplink_maxage = 30\n"
                                      "audit_uplink = npmjs\n",
                                  {{"DEPOT_UPLINK_CORP2_TIMEOUT", "9"}});
    BOOST_TEST(c.uplinks.size() == 2u);
    const auto* npmjs = c.find_uplink("npmjs");
    BOOST_TEST_REQUIRE(npmjs != nullptr);
    BOOST_TEST(npmjs->url == "https://registry.npmjs.org");
    BOOST_TEST(npmjs->timeout_seconds == 7);
    const auto* corp = c.find_uplink("corp2");
    BOOST_TEST_REQUIRE(corp != nullptr);
    BOOST_TEST(corp->ca == "/etc/ssl/corp.pem");
    BOOST_TEST(corp->token == "s3cret");
    BOOST_TEST(corp->timeout_seconds == 9);
    BOOST_TEST(c.uplink_maxage == 30);
    BOOST_TEST(c.audit_uplink == "npmjs");
    // First match wins; none is no uplink.
    BOOST_TEST(c.uplink_for("@acme/widget") == nullptr);
    BOOST_TEST(c.uplink_for("@corp/x") == corp);
    BOOST_TEST(c.uplink_for("express") == npmjs);
    BOOST_TEST(c.uplink_for("@other/x") == npmjs);
    // Without a proxy line nothing is proxied.
    const Config none =
        parse_config(std::string{kMinimal} + "uplink_npmjs = https://r.example\n", {});
    BOOST_TEST(none.uplink_for("express") == nullptr);
    BOOST_TEST(none.uplink_maxage == 120);
}

BOOST_AUTO_TEST_CASE(bad_uplink_lines_name_their_key) {
    const std::string m = kMinimal;
    expect_key_error(m + "proxy = *:nowhere\n", "proxy");
    expect_key_error(m + "proxy = express\n", "proxy");
    expect_key_error(m + "uplink_a = https://a.example\nproxy = EXPRESS:a\n", "proxy");
    expect_key_error(m + "uplink_a_ca = /x.pem\n", "uplink_a");
    expect_key_error(m + "uplink_a = ftp://a.example\n", "uplink_a");
    expect_key_error(m + "uplink_a = https://a.example\nuplink_a_timeout = 0\n",
                     "uplink_a_timeout");
    expect_key_error(m + "uplink_Bad = https://a.example\n", "uplink_Bad");
    expect_key_error(m + "search_uplink = a\n", "search_uplink");
    expect_key_error(m + "uplink_maxage = -1\n", "uplink_maxage");
}

BOOST_AUTO_TEST_CASE(supply_chain_keys_are_read) {
    const std::string m = kMinimal;
    const Config c = parse_config(m + "uplink_a = https://a.example\n"
                                      "uplink_a_signatures = trust\n"
                                      "oidc_issuer_ghe = https://ghe.example/_services/token\n"
                                      "oidc_issuer_ghe_jwks = /etc/depot/ghe-jwks.json\n"
                                      "oidc_issuer_github_jwks = /etc/depot/gh.json\n",
                                  {});
    BOOST_TEST(c.find_uplink("a")->signatures == "trust");
    BOOST_TEST(c.signing_kek.empty(), "no KEK: nothing signed");
    // The two CI systems npm exchanges tokens from, unless overridden.
    BOOST_TEST_REQUIRE(c.find_issuer("gitlab") != nullptr);
    BOOST_TEST(c.find_issuer("gitlab")->issuer == "https://gitlab.com");
    BOOST_TEST(c.find_issuer("github")->issuer == "https://token.actions.githubusercontent.com");
    BOOST_TEST(c.find_issuer("github")->jwks == "/etc/depot/gh.json");
    BOOST_TEST(c.find_issuer("ghe")->jwks == "/etc/depot/ghe-jwks.json");
    BOOST_TEST(c.oidc_token_minutes == 15);
    expect_key_error(m + "uplink_a = https://a.example\nuplink_a_signatures = maybe\n",
                     "uplink_a_signatures");
    expect_key_error(m + "oidc_issuer_x = https://x.example\n", "oidc_issuer_x");
    expect_key_error(m + "oidc_issuer_x = http://x.example\n", "oidc_issuer_x");
    expect_key_error(m + "oidc_token_minutes = 60\n", "oidc_token_minutes");
    expect_key_error(m + "signing_kek_file = relative\n", "signing_kek_file");
    expect_key_error(m + "signing_kek_file = /nonexistent/kek\n", "signing_kek_file");
}

BOOST_AUTO_TEST_CASE(db_host_lists_the_nodes_of_a_cluster) {
    const std::string m = kMinimal;
    const Config c = parse_config(m + "db_host = db1, db2:3307 [::1]:3308\ndb_port = 3310\n", {});
    using Hosts = std::vector<std::pair<std::string, int>>;
    BOOST_TEST((c.db_hosts == Hosts{{"db1", 3310}, {"db2", 3307}, {"::1", 3308}}));
    BOOST_TEST(parse_config(m, {}).db_hosts.empty(), "no db_host: the socket");
    expect_key_error(m + "db_host = db1:0\n", "db_host");
    expect_key_error(m + "db_host = db1:x\n", "db_host");
    expect_key_error(m + "db_host = user@db1\n", "db_host");
}

BOOST_AUTO_TEST_CASE(globs_match_whole_names) {
    using depot::glob_matches;
    BOOST_TEST(glob_matches("*", "@scope/name"));
    BOOST_TEST(glob_matches("@acme/*", "@acme/widget"));
    BOOST_TEST(!glob_matches("@acme/*", "@acme-evil/widget"));
    BOOST_TEST(!glob_matches("@acme/*", "acme"));
    BOOST_TEST(glob_matches("left-pad", "left-pad"));
    BOOST_TEST(!glob_matches("left-pad", "left-pad2"));
    BOOST_TEST(glob_matches("*-internal", "billing-internal"));
    BOOST_TEST(glob_matches("a*b*c", "axxbyyc"));
    BOOST_TEST(!glob_matches("a*b*c", "axxbyy"));
}

BOOST_AUTO_TEST_SUITE_END()
