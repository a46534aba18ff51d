// The full and abbreviated packuments (protocol §9) built from hand-made rows:
// both parse as JSON, carry depot's own tarball URLs, and keep to their keys.

#include "render/packument.hpp"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <string_view>

#include "render/json.hpp"

using depot::render::build_packument;
using depot::render::package_rev;
using depot::render::PackumentInput;
using depot::render::parse_json;
using depot::render::string_member;

namespace {

constexpr std::string_view kPublicUrl = "https://depot.example";

depot::storage::VersionRow version_row(const std::string& version, const std::string& manifest,
                                       const std::string& published_at) {
    depot::storage::VersionRow v;
    v.version = version;
    v.manifest = manifest;
    v.shasum = "sha1-of-" + version;
    v.integrity = "sha512-of-" + version;
    v.published_at = published_at;
    v.publisher_name = "alice";
    v.publisher_email = "alice@example.com";
    return v;
}

// proto-pkg with 1.0.0 (latest) and 2.0.0-beta.1 (beta, deprecated), owned by alice.
PackumentInput two_versions(const std::string& name = "proto-pkg") {
    PackumentInput in;
    in.package.id = 7;
    in.package.name = name;
    in.package.access = "public";
    in.package.rev = 3;
    in.package.readme = "# proto-pkg\n";
    in.package.created = "2026-01-01T00:00:00.000Z";
    in.package.modified = "2026-01-02T00:00:00.000Z";
    in.versions.push_back(
        version_row("1.0.0",
                    R"({"name":")" + name +
                        R"(","version":"1.0.0","description":"first","license":"MIT",)"
                        R"("scripts":{"test":"echo ok"},"dependencies":{"left-pad":"^1.3.0"},)"
                        R"("bin":{"proto-pkg":"cli.js"},"engines":{"node":">=18"}})",
                    "2026-01-01T00:00:00.000Z"));
    auto beta = version_row("2.0.0-beta.1",
                            R"({"name":")" + name +
                                R"(","version":"2.0.0-beta.1","description":"second",)"
                                R"("scripts":{"postinstall":"node setup.js"},)"
                                R"("dependencies":{"left-pad":"^2.0.0"},"hasInstallScript":true})",
                            "2026-01-02T00:00:00.000Z");
    beta.deprecated = "use 1.0.0";
    in.versions.push_back(beta);
    in.tags.push_back({"latest", "1.0.0"});
    in.tags.push_back({"beta", "2.0.0-beta.1"});
    depot::storage::OwnerRow alice;
    alice.user_id = 1;
    alice.name = "alice";
    alice.email = "alice@example.com";
    in.owners.push_back(alice);
    in.starred_by.push_back("bob");
    in.public_url = std::string{kPublicUrl};
    return in;
}

rapidjson::Document parsed(const std::string& json) {
    rapidjson::Document d;
    BOOST_TEST_REQUIRE(parse_json(d, json), json);
    BOOST_TEST_REQUIRE(d.IsObject());
    return d;
}

std::set<std::string> keys_of(const rapidjson::Value& obj) {
    std::set<std::string> out;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
        out.emplace(it->name.GetString());
    return out;
}

std::size_t count_key(const rapidjson::Value& obj, std::string_view key) {
    std::size_t n = 0;
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        if (std::string_view{it->name.GetString(), it->name.GetStringLength()} == key) ++n;
    }
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(packument)

BOOST_AUTO_TEST_CASE(the_full_document_has_id_rev_name_tags_and_both_versions) {
    const auto d = parsed(build_packument(two_versions()).full);
    BOOST_TEST(string_member(d, "_id") == "proto-pkg");
    BOOST_TEST(string_member(d, "name") == "proto-pkg");
    BOOST_TEST(string_member(d, "_rev") == package_rev("proto-pkg", 3));
    BOOST_TEST(string_member(d["dist-tags"], "latest") == "1.0.0");
    BOOST_TEST(string_member(d["dist-tags"], "beta") == "2.0.0-beta.1");
    BOOST_TEST((keys_of(d["versions"]) == std::set<std::string>{"1.0.0", "2.0.0-beta.1"}));
    // Verdaccio's empty "_attachments" comes back in deprecate PUTs (protocol §9.3).
    BOOST_TEST(!d.HasMember("_attachments"));
}

BOOST_AUTO_TEST_CASE(full_versions_carry_depot_s_dist_and_server_fields) {
    const auto d = parsed(build_packument(two_versions()).full);
    for (const char* v : {"1.0.0", "2.0.0-beta.1"}) {
        BOOST_TEST_CONTEXT(v) {
            const auto& m = d["versions"][v];
            BOOST_TEST(string_member(m, "_id") == std::string{"proto-pkg@"} + v);
            BOOST_TEST(string_member(m, "version") == v);
            BOOST_TEST(string_member(m["dist"], "tarball") ==
                       std::string{kPublicUrl} + "/proto-pkg/-/proto-pkg-" + v + ".tgz");
            BOOST_TEST(string_member(m["dist"], "shasum") == std::string{"sha1-of-"} + v);
            BOOST_TEST(string_member(m["dist"], "integrity") == std::string{"sha512-of-"} + v);
            BOOST_TEST(string_member(m["_npmUser"], "name") == "alice");
            BOOST_TEST_REQUIRE(m["maintainers"].IsArray());
            BOOST_TEST(m["maintainers"].Size() == 1u);
        }
    }
    // The full document keeps the whole manifest.
    BOOST_TEST(string_member(d["versions"]["1.0.0"], "description") == "first");
    BOOST_TEST(d["versions"]["1.0.0"].HasMember("scripts"));
}

BOOST_AUTO_TEST_CASE(time_has_created_modified_and_an_entry_per_version) {
    const auto d = parsed(build_packument(two_versions()).full);
    const auto& t = d["time"];
    BOOST_TEST(string_member(t, "created") == "2026-01-01T00:00:00.000Z");
    BOOST_TEST(string_member(t, "modified") == "2026-01-02T00:00:00.000Z");
    BOOST_TEST(string_member(t, "1.0.0") == "2026-01-01T00:00:00.000Z");
    BOOST_TEST(string_member(t, "2.0.0-beta.1") == "2026-01-02T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(maintainers_users_and_readme_are_at_the_top_level) {
    const auto d = parsed(build_packument(two_versions()).full);
    BOOST_TEST_REQUIRE(d["maintainers"].IsArray());
    BOOST_TEST_REQUIRE(d["maintainers"].Size() == 1u);
    BOOST_TEST(string_member(d["maintainers"][0], "name") == "alice");
    // Names only: an email is shown to its own account alone (issue 8).
    BOOST_TEST(string_member(d["maintainers"][0], "email") == "");
    BOOST_TEST(std::string{build_packument(two_versions()).full}.find("alice@example.com") ==
               std::string::npos);
    BOOST_TEST(d["users"]["bob"].IsTrue());
    BOOST_TEST(string_member(d, "readme") == "# proto-pkg\n");
}

BOOST_AUTO_TEST_CASE(fields_are_hoisted_from_the_latest_tag_not_the_newest_version) {
    const auto d = parsed(build_packument(two_versions()).full);
    BOOST_TEST(string_member(d, "description") == "first");
    BOOST_TEST(string_member(d, "license") == "MIT");
}

BOOST_AUTO_TEST_CASE(server_keys_in_a_stored_manifest_are_replaced_not_repeated) {
    auto in = two_versions();
    in.versions[0].manifest =
        R"({"name":"proto-pkg","version":"1.0.0","readme":"stale","_id":"x@0",)"
        R"("dist":{"tarball":"http://evil.example/x.tgz"},"_npmUser":{"name":"mallory"},)"
        R"("maintainers":[],"deprecated":"stale"})";
    const auto d = parsed(build_packument(in).full);
    const auto& m = d["versions"]["1.0.0"];
    BOOST_TEST(!m.HasMember("readme"));
    BOOST_TEST(!m.HasMember("deprecated"));
    for (const char* key : {"dist", "_id", "_npmUser", "maintainers"}) {
        BOOST_TEST(count_key(m, key) == 1u, key);
    }
    BOOST_TEST(string_member(m["dist"], "tarball") ==
               std::string{kPublicUrl} + "/proto-pkg/-/proto-pkg-1.0.0.tgz");
    BOOST_TEST(string_member(m["_npmUser"], "name") == "alice");
}

BOOST_AUTO_TEST_CASE(a_scoped_tarball_url_has_the_scope_in_the_path_only) {
    const auto d = parsed(build_packument(two_versions("@acme/w")).full);
    BOOST_TEST(string_member(d["versions"]["1.0.0"]["dist"], "tarball") ==
               std::string{kPublicUrl} + "/@acme/w/-/w-1.0.0.tgz");
    const auto a = parsed(build_packument(two_versions("@acme/w")).abbreviated);
    BOOST_TEST(string_member(a["versions"]["1.0.0"]["dist"], "tarball") ==
               std::string{kPublicUrl} + "/@acme/w/-/w-1.0.0.tgz");
    BOOST_TEST(depot::render::tarball_url("https://r.example", "@acme/w", "2.0.0") ==
               "https://r.example/@acme/w/-/w-2.0.0.tgz");
}

// A version registered by link is still fetched from the registry's own URL
// (npm 12 refuses other origins by default), which redirects to the link.
BOOST_AUTO_TEST_CASE(a_linked_version_gets_the_registry_url) {
    auto in = two_versions();
    in.versions[0].tarball_url = "https://cdn.example/proto-pkg-1.0.0.tgz";
    const auto d = parsed(build_packument(in).full);
    BOOST_TEST(string_member(d["versions"]["1.0.0"]["dist"], "tarball") ==
               std::string{kPublicUrl} + "/proto-pkg/-/proto-pkg-1.0.0.tgz");
}

BOOST_AUTO_TEST_CASE(the_abbreviated_document_has_only_name_modified_tags_and_versions) {
    const auto a = parsed(build_packument(two_versions()).abbreviated);
    BOOST_TEST((keys_of(a) == std::set<std::string>{"name", "modified", "dist-tags", "versions"}));
    BOOST_TEST(string_member(a, "name") == "proto-pkg");
    BOOST_TEST(string_member(a, "modified") == "2026-01-02T00:00:00.000Z");
    BOOST_TEST(string_member(a["dist-tags"], "latest") == "1.0.0");
    BOOST_TEST(string_member(a["dist-tags"], "beta") == "2.0.0-beta.1");
    BOOST_TEST((keys_of(a["versions"]) == std::set<std::string>{"1.0.0", "2.0.0-beta.1"}));
}

BOOST_AUTO_TEST_CASE(abbreviated_versions_keep_what_installers_read_only) {
    const auto a = parsed(build_packument(two_versions()).abbreviated);
    const auto& v1 = a["versions"]["1.0.0"];
    BOOST_TEST((keys_of(v1) == std::set<std::string>{"name", "version", "dependencies", "bin",
                                                     "engines", "dist"}));
    BOOST_TEST(string_member(v1["dependencies"], "left-pad") == "^1.3.0");
    BOOST_TEST(string_member(v1["dist"], "tarball") ==
               std::string{kPublicUrl} + "/proto-pkg/-/proto-pkg-1.0.0.tgz");
    BOOST_TEST(string_member(v1["dist"], "shasum") == "sha1-of-1.0.0");
    BOOST_TEST(string_member(v1["dist"], "integrity") == "sha512-of-1.0.0");
    const auto& v2 = a["versions"]["2.0.0-beta.1"];
    BOOST_TEST(!v2.HasMember("description"));
    BOOST_TEST(!v2.HasMember("scripts"));
    BOOST_TEST(v2["hasInstallScript"].IsTrue());
}

BOOST_AUTO_TEST_CASE(a_deprecated_version_says_so_in_both_documents) {
    const auto p = build_packument(two_versions());
    const auto full = parsed(p.full);
    const auto abbrev = parsed(p.abbreviated);
    BOOST_TEST(string_member(full["versions"]["2.0.0-beta.1"], "deprecated") == "use 1.0.0");
    BOOST_TEST(string_member(abbrev["versions"]["2.0.0-beta.1"], "deprecated") == "use 1.0.0");
    BOOST_TEST(!full["versions"]["1.0.0"].HasMember("deprecated"));
    BOOST_TEST(!abbrev["versions"]["1.0.0"].HasMember("deprecated"));
}

BOOST_AUTO_TEST_CASE(the_two_etags_are_quoted_distinct_and_stable) {
    const auto p = build_packument(two_versions());
    BOOST_TEST(p.full_etag != p.abbreviated_etag);
    BOOST_TEST(p.full_etag.front() == '"');
    BOOST_TEST(p.full_etag.back() == '"');
    BOOST_TEST(p.abbreviated_etag.front() == '"');
    BOOST_TEST(p.abbreviated_etag.back() == '"');
    const auto again = build_packument(two_versions());
    BOOST_TEST(again.full == p.full);
    BOOST_TEST(again.full_etag == p.full_etag);
    BOOST_TEST(again.abbreviated_etag == p.abbreviated_etag);
}

BOOST_AUTO_TEST_CASE(a_change_changes_the_etags) {
    const auto before = build_packument(two_versions());
    auto in = two_versions();
    in.versions[0].deprecated = "now deprecated";
    const auto after = build_packument(in);
    BOOST_TEST(after.full_etag != before.full_etag);
    BOOST_TEST(after.abbreviated_etag != before.abbreviated_etag);
}

BOOST_AUTO_TEST_CASE(package_rev_changes_with_rev_and_name) {
    BOOST_TEST(package_rev("proto-pkg", 3) == package_rev("proto-pkg", 3));
    BOOST_TEST(package_rev("proto-pkg", 3) != package_rev("proto-pkg", 4));
    BOOST_TEST(package_rev("proto-pkg", 3) != package_rev("other-pkg", 3));
    // CouchDB shape: COUNTER-HEX.
    BOOST_TEST(package_rev("proto-pkg", 3).starts_with("3-"));
    BOOST_TEST(package_rev("proto-pkg", 14).starts_with("14-"));
    auto in = two_versions();
    in.package.rev = 4;
    const auto d = parsed(build_packument(in).full);
    BOOST_TEST(string_member(d, "_rev") == package_rev("proto-pkg", 4));
    BOOST_TEST(build_packument(in).full_etag != build_packument(two_versions()).full_etag);
}

BOOST_AUTO_TEST_CASE(a_package_with_no_versions_still_renders_valid_json) {
    auto in = two_versions();
    in.versions.clear();
    in.tags.clear();
    const auto p = build_packument(in);
    const auto d = parsed(p.full);
    BOOST_TEST(d["versions"].ObjectEmpty());
    BOOST_TEST(parsed(p.abbreviated)["versions"].ObjectEmpty());
}

// Without a latest tag the newest version is hoisted (protocol §12.3).
BOOST_AUTO_TEST_CASE(without_a_latest_tag_fields_are_hoisted_from_the_newest_version) {
    auto in = two_versions();
    in.tags = {{"beta", "2.0.0-beta.1"}};
    const auto d = parsed(build_packument(in).full);
    BOOST_TEST(string_member(d, "description") == "second");
}

BOOST_AUTO_TEST_CASE(a_latest_tag_naming_no_live_version_hoists_from_the_newest) {
    auto in = two_versions();
    in.tags = {{"latest", "0.9.0"}};
    const auto d = parsed(build_packument(in).full);
    BOOST_TEST(string_member(d, "description") == "second");
}

BOOST_AUTO_TEST_SUITE_END()
