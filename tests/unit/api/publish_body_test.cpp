// parse_publish_body against bodies shaped like the ones npm 11 and yarn 4
// send (protocol §12.2, §23): what it keeps, what it computes itself, and a
// 400 for each way a body can be wrong. The "tarball" is ten bytes that start
// with the gzip magic; the parser checks nothing more.

#include "api/publish_body.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "error.hpp"
#include "render/json.hpp"

namespace bdata = boost::unit_test::data;
using depot::api::is_publish_body;
using depot::api::parse_publish_body;
using depot::model::PackageName;
using depot::render::parse_json;

namespace {

const std::string kTarball(
    "\x1f\x8b\x08\x00"
    "abcdef",
    10);
// sha1 and sha512 of kTarball, computed outside depot (Python's hashlib).
constexpr std::string_view kShasum = "5b128ac741f67e37d7063bd578cd1f6c2e968625";
constexpr std::string_view kIntegrity =
    "sha512-dWoiHPLwCyAbbqSQB87W5l4FdfEprkiNmSS2bPhmqM7G4GCwsXXS4J7O"
    "ma3Z5iwTjSC0TdKWeLf6VXQsJDIK3g==";

std::string text(const rapidjson::Value& v) { return depot::render::JsonWriter{}.value(v).str(); }

// The body of `npm publish` for name@version (protocol §12.2), plus the keys a
// publish from a packed tarball adds (_resolved, _from, _integrity) and server
// keys (_npmUser, maintainers) that a client must not be able to set.
class Body {
  public:
    explicit Body(const std::string& name = "proto-pkg", const std::string& version = "1.0.0",
                  const std::string& tarball = kTarball) {
        const std::string file = name + "-" + version + ".tgz";
        const std::string integrity =
            "sha512-" + depot::crypto::base64_encode(depot::crypto::sha512(tarball));
        const std::string json =
            R"({"_id":")" + name + R"(","name":")" + name +
            R"(","description":"protocol probe package","dist-tags":{"latest":")" + version +
            R"("},"versions":{")" + version + R"(":{"name":")" + name + R"(","version":")" +
            version +
            R"(","description":"protocol probe package","main":"index.js",)"
            R"("keywords":["probe","proto"],"license":"MIT",)"
            R"("author":{"name":"Alice","email":"alice@example.com"},)"
            R"("bin":{"proto-pkg":"cli.js"},"dependencies":{"left-pad":"^1.3.0"},)"
            R"("scripts":{"test":"echo ok"},"readme":"# proto-pkg readme\n",)"
            R"("readmeFilename":"README.md","_id":")" +
            name + "@" + version +
            R"(","_nodeVersion":"20.20.2","_npmVersion":"11.19.1",)"
            R"("_npmUser":{"name":"mallory","email":"mallory@example.com"},)"
            R"("maintainers":[{"name":"mallory","email":"mallory@example.com"}],)"
            R"("_resolved":"/home/alice/proto-pkg/proto-pkg.tgz","_from":"file:proto-pkg.tgz",)"
            R"("_integrity":")" +
            integrity + R"(","dist":{"integrity":")" + integrity + R"(","shasum":")" +
            depot::crypto::to_hex(depot::crypto::sha1(tarball)) +
            R"(","tarball":"http://registry.example/)" + name + "/-/" + file +
            R"("}}},"access":null,"_attachments":{")" + file +
            R"(":{"content_type":"application/octet-stream","data":")" +
            depot::crypto::base64_encode(tarball) + R"(","length":)" +
            std::to_string(tarball.size()) + "}}}";
        BOOST_TEST_REQUIRE(parse_json(doc_, json), json);
    }

    rapidjson::Value& root() { return doc_; }
    rapidjson::Value& version() { return doc_["versions"].MemberBegin()->value; }
    rapidjson::Value& dist() { return version()["dist"]; }
    rapidjson::Value& attachments() { return doc_["_attachments"]; }
    rapidjson::Value& attachment() { return attachments().MemberBegin()->value; }

    // obj[key] = the value written as JSON, replacing any old member.
    Body& set(rapidjson::Value& obj, std::string_view key, std::string_view json) {
        return remove(obj, key).add(obj, key, json);
    }
    // Appends key even when obj has it already: JSON allows repeated names.
    Body& add(rapidjson::Value& obj, std::string_view key, std::string_view json) {
        auto& a = doc_.GetAllocator();
        rapidjson::Document fragment;
        BOOST_TEST_REQUIRE(parse_json(fragment, json), json);
        obj.AddMember(rapidjson::Value{key.data(), static_cast<rapidjson::SizeType>(key.size()), a},
                      rapidjson::Value{fragment, a}, a);
        return *this;
    }
    Body& remove(rapidjson::Value& obj, std::string_view key) {
        obj.RemoveMember(rapidjson::Value{rapidjson::StringRef(key.data(), key.size())});
        return *this;
    }
    // Moves the one attachment under another file name.
    Body& rename_attachment(std::string_view file) {
        const auto att = text(attachment());
        attachments().RemoveAllMembers();
        return set(attachments(), file, att);
    }

    std::string str() const { return text(doc_); }

  private:
    rapidjson::Document doc_;
};

depot::services::PublishInput parse(const Body& body, std::string_view url = "proto-pkg") {
    return parse_publish_body(PackageName::parse(url), body.str());
}

// A 400 whose message names the rule under test, so that a body refused for
// some other reason does not pass.
void check_400(const std::string& body, std::string_view why, std::string_view url = "proto-pkg") {
    BOOST_CHECK_EXCEPTION((void)parse_publish_body(PackageName::parse(url), body), depot::HttpError,
                          [why](const depot::HttpError& e) {
                              BOOST_TEST(
                                  std::string_view{e.what()}.find(why) != std::string_view::npos,
                                  "\"" << e.what() << "\" does not say \"" << why << "\"");
                              return e.status() == 400;
                          });
}
void check_400(const Body& body, std::string_view why, std::string_view url = "proto-pkg") {
    check_400(body.str(), why, url);
}

rapidjson::Document manifest_of(const depot::services::PublishInput& in) {
    rapidjson::Document m;
    BOOST_TEST_REQUIRE(parse_json(m, in.manifest), in.manifest);
    BOOST_TEST_REQUIRE(m.IsObject());
    return m;
}

const std::vector<std::string> kInstallScripts{"preinstall", "install", "postinstall"};

}  // namespace

BOOST_AUTO_TEST_SUITE(publish_body)

// --- what a good body yields ---

BOOST_AUTO_TEST_CASE(an_npm_publish_body_yields_the_version_and_tarball) {
    const auto in = parse(Body{});
    BOOST_TEST(in.name.str() == "proto-pkg");
    BOOST_TEST(in.version == "1.0.0");
    BOOST_TEST((in.tarball == kTarball));
    BOOST_TEST(in.tag == "latest");
    BOOST_TEST(in.access == "");
    BOOST_TEST(in.description == "protocol probe package");
    BOOST_TEST(in.keywords == "probe proto");
}

BOOST_AUTO_TEST_CASE(shasum_and_integrity_are_computed_from_the_attachment_bytes) {
    const auto in = parse(Body{});
    BOOST_TEST(in.shasum == kShasum);
    BOOST_TEST(in.integrity == kIntegrity);
}

BOOST_AUTO_TEST_CASE(a_body_without_dist_still_gets_computed_hashes) {
    Body b;
    b.remove(b.version(), "dist");
    const auto in = parse(b);
    BOOST_TEST(in.shasum == kShasum);
    BOOST_TEST(in.integrity == kIntegrity);
}

BOOST_AUTO_TEST_CASE(the_tag_is_latest_when_the_body_names_none) {
    Body b;
    b.remove(b.root(), "dist-tags");
    BOOST_TEST(parse(b).tag == "latest");
    b.set(b.root(), "dist-tags", "{}");
    BOOST_TEST(parse(b).tag == "latest");
}

BOOST_AUTO_TEST_CASE(the_tag_is_the_one_the_body_names) {
    // npm publish --tag beta sends no latest key (protocol §12.2).
    Body b;
    b.set(b.root(), "dist-tags", R"({"beta":"1.0.0"})");
    BOOST_TEST(parse(b).tag == "beta");
}

BOOST_AUTO_TEST_CASE(access_is_kept_when_given) {
    Body b;
    b.set(b.root(), "access", R"("public")");
    BOOST_TEST(parse(b).access == "public");
    b.remove(b.root(), "access");
    BOOST_TEST(parse(b).access == "");
}

BOOST_AUTO_TEST_CASE(readme_is_taken_from_the_version) {
    BOOST_TEST(parse(Body{}).readme == "# proto-pkg readme\n");
}

BOOST_AUTO_TEST_CASE(readme_is_taken_from_the_top_level_for_yarn_bodies) {
    // yarn 4 puts the readme at the top level, none inside the version (§23).
    Body b;
    b.remove(b.version(), "readme");
    b.set(b.root(), "readme", R"("# from yarn")");
    BOOST_TEST(parse(b).readme == "# from yarn");
}

BOOST_AUTO_TEST_CASE(npm_s_placeholder_for_a_missing_readme_is_ignored) {
    Body b;
    b.set(b.version(), "readme", R"("ERROR: No README data found!")");
    BOOST_TEST(parse(b).readme == "");
    b.set(b.root(), "readme", R"("# top level")");
    BOOST_TEST(parse(b).readme == "# top level");
}

BOOST_AUTO_TEST_CASE(server_keys_are_absent_from_the_stored_manifest) {
    const auto in = parse(Body{});
    const auto m = manifest_of(in);
    for (const char* key : {"_npmUser", "dist", "readme", "_resolved", "_from", "_integrity",
                            "maintainers", "_id", "_attachments", "deprecated"}) {
        BOOST_TEST(!m.HasMember(key), key << " kept in " << in.manifest);
    }
}

BOOST_AUTO_TEST_CASE(the_stored_manifest_keeps_what_the_package_json_said) {
    const auto m = manifest_of(parse(Body{}));
    BOOST_TEST(depot::render::string_member(m, "name") == "proto-pkg");
    BOOST_TEST(depot::render::string_member(m, "version") == "1.0.0");
    BOOST_TEST(depot::render::string_member(m, "main") == "index.js");
    BOOST_TEST(depot::render::string_member(m, "readmeFilename") == "README.md");
    BOOST_TEST(depot::render::string_member(m["dependencies"], "left-pad") == "^1.3.0");
    BOOST_TEST(depot::render::string_member(m["bin"], "proto-pkg") == "cli.js");
    BOOST_TEST(m["keywords"].IsArray());
    BOOST_TEST(!m.HasMember("hasInstallScript"));
}

BOOST_AUTO_TEST_CASE(deprecated_and_has_install_script_from_the_client_are_dropped) {
    Body b;
    b.set(b.version(), "deprecated", R"("self-deprecated")");
    b.set(b.version(), "hasInstallScript", "true");
    const auto m = manifest_of(parse(b));
    BOOST_TEST(!m.HasMember("deprecated"));
    BOOST_TEST(!m.HasMember("hasInstallScript"));
}

BOOST_DATA_TEST_CASE(install_scripts_set_has_install_script, bdata::make(kInstallScripts), script) {
    Body b;
    b.set(b.version(), "scripts", R"({")" + script + R"(":"node-gyp rebuild"})");
    const auto m = manifest_of(parse(b));
    BOOST_TEST_REQUIRE(m.HasMember("hasInstallScript"));
    BOOST_TEST(m["hasInstallScript"].IsTrue());
}

BOOST_AUTO_TEST_CASE(keywords_given_as_a_string_are_kept_as_is) {
    Body b;
    b.set(b.version(), "keywords", R"("one two")");
    BOOST_TEST(parse(b).keywords == "one two");
}

BOOST_AUTO_TEST_CASE(a_scoped_publish_accepts_npm_s_attachment_name_and_the_bare_one) {
    // npm names the attachment "@acme/widget-0.1.0.tgz" (protocol §12.2).
    Body b{"@acme/widget", "0.1.0"};
    b.set(b.root(), "access", R"("public")");
    const auto in = parse(b, "@acme/widget");
    BOOST_TEST(in.name.str() == "@acme/widget");
    BOOST_TEST(in.access == "public");
    b.rename_attachment("widget-0.1.0.tgz");
    BOOST_TEST(parse(b, "@acme/widget").version == "0.1.0");
}

BOOST_AUTO_TEST_CASE(a_scoped_package_may_be_restricted) {
    Body b{"@acme/widget", "0.1.0"};
    b.set(b.root(), "access", R"("restricted")");
    BOOST_TEST(parse(b, "@acme/widget").access == "restricted");
}

BOOST_AUTO_TEST_CASE(a_prerelease_published_under_its_tag) {
    Body b{"proto-pkg", "2.0.0-beta.1"};
    b.set(b.root(), "dist-tags", R"({"beta":"2.0.0-beta.1"})");
    const auto in = parse(b);
    BOOST_TEST(in.version == "2.0.0-beta.1");
    BOOST_TEST(in.tag == "beta");
}

// --- is_publish_body ---

BOOST_AUTO_TEST_CASE(is_publish_body_tells_a_publish_from_a_deprecate_or_star) {
    BOOST_TEST(is_publish_body(Body{}.str()));
    // npm deprecate and npm star PUT the packument back without attachments (§26).
    BOOST_TEST(!is_publish_body(
        R"({"_id":"proto-pkg","_rev":"3-abc","versions":{"1.0.0":{"deprecated":"no"}}})"));
    BOOST_TEST(!is_publish_body(R"({"_id":"proto-pkg","_rev":"3-abc","users":{"alice":true}})"));
    BOOST_TEST(!is_publish_body(R"({"_id":"proto-pkg","_attachments":{}})"));
    BOOST_TEST(!is_publish_body(R"({"_id":"proto-pkg","_attachments":null})"));
}

BOOST_AUTO_TEST_CASE(is_publish_body_lets_the_parser_refuse_malformed_bodies) {
    BOOST_TEST(is_publish_body("{"));
    BOOST_TEST(is_publish_body("[]"));
    BOOST_TEST(is_publish_body(""));
}

// --- one 400 per way a body is wrong ---

BOOST_AUTO_TEST_CASE(malformed_json_is_400) {
    check_400("", "not valid JSON");
    check_400("{", "not valid JSON");
    check_400(R"({"name":"proto-pkg",})", "not valid JSON");
    check_400(Body{}.str() + "x", "not valid JSON");
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_an_object_is_400) {
    check_400("[]", "must be a JSON object");
    check_400("null", "must be a JSON object");
    check_400(R"("proto-pkg")", "must be a JSON object");
}

BOOST_AUTO_TEST_CASE(a_name_other_than_the_url_s_is_400) {
    Body b;
    b.set(b.root(), "name", R"("other-pkg")");
    check_400(b, "name does not match");
    check_400(Body{}, "name does not match", "other-pkg");
    b.set(b.root(), "name", "42");
    check_400(b, "name does not match");
}

BOOST_AUTO_TEST_CASE(an_id_other_than_the_url_s_is_400) {
    Body b;
    b.set(b.root(), "_id", R"("other-pkg")");
    check_400(b, "_id does not match");
}

BOOST_AUTO_TEST_CASE(zero_versions_is_400) {
    Body b;
    b.set(b.root(), "versions", "{}");
    check_400(b, "exactly one version");
    b.remove(b.root(), "versions");
    check_400(b, "exactly one version");
    b.set(b.root(), "versions", "[]");
    check_400(b, "exactly one version");
}

BOOST_AUTO_TEST_CASE(two_versions_is_400) {
    Body b;
    b.set(b.root()["versions"], "1.0.1", text(b.version()));
    b.set(b.root()["versions"]["1.0.1"], "version", R"("1.0.1")");
    check_400(b, "exactly one version");
}

BOOST_AUTO_TEST_CASE(a_version_that_is_not_strict_semver_is_400) {
    check_400(Body{"proto-pkg", "1.0"}, "invalid version");
    check_400(Body{"proto-pkg", "v1.0.0"}, "invalid version");
    check_400(Body{"proto-pkg", "01.0.0"}, "invalid version");
}

BOOST_AUTO_TEST_CASE(a_manifest_that_is_not_an_object_is_400) {
    Body b;
    b.set(b.root()["versions"], "1.0.0", R"("1.0.0")");
    check_400(b, "must be an object");
}

BOOST_AUTO_TEST_CASE(a_manifest_naming_another_package_is_400) {
    Body b;
    b.set(b.version(), "name", R"("other-pkg")");
    check_400(b, "another package");
    b.remove(b.version(), "name");
    check_400(b, "another package");
}

BOOST_AUTO_TEST_CASE(a_manifest_naming_another_version_is_400) {
    Body b;
    b.set(b.version(), "version", R"("1.0.1")");
    check_400(b, "another version");
    b.remove(b.version(), "version");
    check_400(b, "another version");
}

BOOST_AUTO_TEST_CASE(two_dist_tags_is_400) {
    Body b;
    b.set(b.root(), "dist-tags", R"({"latest":"1.0.0","beta":"1.0.0"})");
    check_400(b, "one tag");
}

BOOST_AUTO_TEST_CASE(a_tag_pointing_at_another_version_is_400) {
    Body b;
    b.set(b.root(), "dist-tags", R"({"latest":"0.9.0"})");
    check_400(b, "must point at");
    b.set(b.root(), "dist-tags", R"({"latest":1})");
    check_400(b, "must point at");
}

BOOST_AUTO_TEST_CASE(a_tag_that_is_a_version_is_400) {
    Body b;
    b.set(b.root(), "dist-tags", R"({"1.0.0":"1.0.0"})");
    check_400(b, "look like a version");
}

BOOST_AUTO_TEST_CASE(an_unknown_access_value_is_400) {
    Body b;
    b.set(b.root(), "access", R"("private")");
    check_400(b, "access must be");
    b.set(b.root(), "access", "true");
    check_400(b, "access must be");
}

BOOST_AUTO_TEST_CASE(restricted_access_on_an_unscoped_name_is_400) {
    Body b;
    b.set(b.root(), "access", R"("restricted")");
    check_400(b, "only scoped");
}

BOOST_AUTO_TEST_CASE(a_body_without_attachments_is_400) {
    Body b;
    b.set(b.root(), "_attachments", "{}");
    check_400(b, "no tarball attachment");
    b.remove(b.root(), "_attachments");
    check_400(b, "no tarball attachment");
}

BOOST_AUTO_TEST_CASE(a_provenance_bundle_that_is_not_one_is_400) {
    // npm publish --provenance adds a sigstore bundle (protocol §12.2);
    // services/provenance checks it (the integration tests send real ones).
    Body b;
    b.set(b.attachments(), "proto-pkg-1.0.0.sigstore",
          R"({"content_type":"application/vnd.dev.sigstore.bundle+json;version=0.2",)"
          R"("data":"{}"})");
    check_400(b, "not a Sigstore bundle");
}

BOOST_AUTO_TEST_CASE(an_attachment_beside_the_tarball_that_is_no_bundle_is_400) {
    Body b;
    b.set(b.attachments(), "proto-pkg-1.0.0.txt", R"({"data":"x"})");
    check_400(b, "unexpected attachment");
}

BOOST_AUTO_TEST_CASE(an_attachment_with_another_file_name_is_400) {
    Body b;
    b.rename_attachment("proto-pkg-1.0.1.tgz");
    check_400(b, "should be named");
    b.rename_attachment("other-pkg-1.0.0.tgz");
    check_400(b, "should be named");
    b.rename_attachment("../proto-pkg-1.0.0.tgz");
    check_400(b, "should be named");
}

BOOST_AUTO_TEST_CASE(attachment_data_that_is_not_base64_is_400) {
    Body b;
    b.set(b.attachment(), "data", R"("H4sI AGFiY2RlZg==")");
    check_400(b, "not valid base64");
    b.set(b.attachment(), "data", R"("H4sIAGFiY2RlZg")");
    check_400(b, "not valid base64");
    b.remove(b.attachment(), "data");
    check_400(b, "no base64 data");
}

BOOST_AUTO_TEST_CASE(a_length_other_than_the_decoded_size_is_400) {
    Body b;
    b.set(b.attachment(), "length", "11");
    check_400(b, "length does not match");
    b.set(b.attachment(), "length", "-10");
    check_400(b, "length does not match");
}

BOOST_AUTO_TEST_CASE(an_attachment_that_is_not_gzip_is_400) {
    // The dist hashes match these bytes, so only the gzip magic is wrong.
    check_400(Body{"proto-pkg", "1.0.0", "PK\x03\x04zipfile"}, "not a gzip");
    check_400(Body{"proto-pkg", "1.0.0", "\x1f"}, "not a gzip");
    check_400(Body{"proto-pkg", "1.0.0", ""}, "not a gzip");
}

BOOST_AUTO_TEST_CASE(a_dist_shasum_other_than_the_tarball_s_is_400) {
    Body b;
    b.set(b.dist(), "shasum", R"("da39a3ee5e6b4b0d3255bfef95601890afd80709")");
    check_400(b, "dist.shasum");
}

BOOST_AUTO_TEST_CASE(a_dist_integrity_other_than_the_tarball_s_is_400) {
    Body b;
    const std::string other = "sha512-" + depot::crypto::base64_encode(depot::crypto::sha512("x"));
    b.set(b.dist(), "integrity", '"' + other + '"');
    check_400(b, "dist.integrity");
}

// RapidJSON keeps repeated keys and JSON.parse keeps the last: a repeated
// "name" or "version" could pass the check with one value and install as another.
BOOST_AUTO_TEST_CASE(a_manifest_that_repeats_name_or_version_is_400) {
    Body b;
    b.add(b.version(), "name", R"("evil-pkg")");
    check_400(b, "");
    Body c;
    c.add(c.version(), "version", R"("6.6.6")");
    check_400(c, "");
}

BOOST_AUTO_TEST_SUITE_END()
