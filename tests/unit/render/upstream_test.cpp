#include "render/upstream.hpp"

#include <boost/test/unit_test.hpp>

#include "render/json.hpp"

namespace {

const std::string kUrl = "https://depot.example";

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    BOOST_REQUIRE(depot::render::parse_json(d, text));
    return d;
}

const char* kDoc = R"({"_id":"left","name":"left","x-field":{"a":[1,2]},
 "dist-tags":{"latest":"1.1.0","evil":"../../x"},
 "versions":{
  "1.0.0":{"name":"left","version":"1.0.0","description":"d","deprecated":"old",
           "scripts":{"postinstall":"node x"},
           "dist":{"tarball":"https://up.example/left/-/left-1.0.0.tgz","integrity":"sha512-AAA","shasum":"abc",
                   "signatures":[{"keyid":"k","sig":"s"}],
                   "attestations":{"url":"https://up.example/-/npm/v1/attestations/left@1.0.0","provenance":{"predicateType":"p"}}}},
  "1.1.0":{"name":"left","version":"1.1.0","dist":{"tarball":"https://up.example/t.tgz","integrity":"sha512-BBB"}},
  "../../x":{"name":"left","version":"../../x","dist":{"tarball":"https://evil/x.tgz"}},
  "2.0.0":{"name":"left","version":"3.0.0","dist":{"tarball":"https://up.example/y.tgz"}},
  "2.1.0":{"name":"left","version":"2.1.0"}},
 "time":{"created":"2020-01-01T00:00:00.000Z","modified":"2021-01-01T00:00:00.000Z","1.0.0":"2020-01-01T00:00:00.000Z"}})";

}  // namespace

BOOST_AUTO_TEST_SUITE(upstream)

BOOST_AUTO_TEST_CASE(tarball_urls_become_depot_and_everything_else_stays) {
    const auto docs = depot::render::upstream_documents(kDoc, "left", kUrl);
    BOOST_TEST_REQUIRE(docs.has_value());
    BOOST_TEST(docs->versions == 2u);
    const auto full = parse(docs->full);
    const auto& v = full["versions"]["1.0.0"];
    BOOST_TEST(std::string{v["dist"]["tarball"].GetString()} ==
               "https://depot.example/left/-/left-1.0.0.tgz");
    BOOST_TEST(std::string{v["dist"]["attestations"]["url"].GetString()} ==
               "https://depot.example/-/npm/v1/attestations/left@1.0.0");
    BOOST_TEST(std::string{v["dist"]["integrity"].GetString()} == "sha512-AAA");
    BOOST_TEST(std::string{v["dist"]["signatures"][0]["sig"].GetString()} == "s");
    BOOST_TEST(std::string{v["deprecated"].GetString()} == "old");
    BOOST_TEST(full["x-field"]["a"].Size() == 2u);
    BOOST_TEST(std::string{full["time"]["modified"].GetString()} == "2021-01-01T00:00:00.000Z");
    // Versions whose key is no version, that say another version, or have no dist: left out.
    BOOST_TEST(full["versions"].MemberCount() == 2u);
    BOOST_TEST(!full["versions"].HasMember("../../x"));
    BOOST_TEST(!full["dist-tags"].HasMember("evil"));
    BOOST_TEST(std::string{full["dist-tags"]["latest"].GetString()} == "1.1.0");
}

BOOST_AUTO_TEST_CASE(the_abbreviated_document_has_what_installers_read) {
    const auto docs = depot::render::upstream_documents(kDoc, "left", kUrl);
    BOOST_TEST_REQUIRE(docs.has_value());
    const auto a = parse(docs->abbreviated);
    BOOST_TEST(std::string{a["modified"].GetString()} == "2021-01-01T00:00:00.000Z");
    const auto& v = a["versions"]["1.0.0"];
    BOOST_TEST(!v.HasMember("description"));
    BOOST_TEST(!v.HasMember("scripts"));
    BOOST_TEST(v["hasInstallScript"].GetBool());
    BOOST_TEST(std::string{v["deprecated"].GetString()} == "old");
    BOOST_TEST(std::string{v["dist"]["tarball"].GetString()} ==
               "https://depot.example/left/-/left-1.0.0.tgz");
    BOOST_TEST(!a.HasMember("time"));
}

BOOST_AUTO_TEST_CASE(documents_of_another_name_or_with_repeated_keys_are_refused) {
    BOOST_TEST(!depot::render::upstream_documents(kDoc, "right", kUrl).has_value());
    BOOST_TEST(!depot::render::upstream_documents("[]", "left", kUrl).has_value());
    BOOST_TEST(!depot::render::upstream_documents("{\"name\":\"left\"", "left", kUrl).has_value());
    // npm reads the last "dist", depot the first: such a document means two things.
    BOOST_TEST(
        !depot::render::upstream_documents(
             R"({"name":"left","versions":{"1.0.0":{"dist":{"tarball":"a"},"dist":{"tarball":"b"}}}})",
             "left", kUrl)
             .has_value());
}

BOOST_AUTO_TEST_CASE(dist_of_a_version_is_read_from_the_uplinks_document) {
    const auto d = depot::render::upstream_dist(kDoc, "1.0.0");
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->tarball == "https://up.example/left/-/left-1.0.0.tgz");
    BOOST_TEST(d->integrity == "sha512-AAA");
    BOOST_TEST(d->shasum == "abc");
    BOOST_TEST(d->attestations == "https://up.example/-/npm/v1/attestations/left@1.0.0");
    BOOST_TEST(!depot::render::upstream_dist(kDoc, "../../x").has_value());
    BOOST_TEST(!depot::render::upstream_dist(kDoc, "9.9.9").has_value());
    BOOST_TEST(depot::render::upstream_tag(kDoc, "latest") == "1.1.0");
}

// The uplink's signatures policy decides each version (issue 13): refused
// versions go (their tags too), signed ones carry depot's signature only.
BOOST_AUTO_TEST_CASE(the_signature_policy_refuses_or_re_signs_each_version) {
    std::vector<std::string> asked;
    const depot::render::SignVersion sign =
        [&](const std::string& version, std::string_view integrity, std::string_view published,
            const rapidjson::Value* sigs) {
            asked.push_back(version + " " + std::string{integrity} + " " + std::string{published} +
                            " " + (sigs ? "signed" : "unsigned"));
            if (version == "1.1.0") return depot::render::VersionSignature{true, {}, {}};
            return depot::render::VersionSignature{false, "depot-key", "depot-sig"};
        };
    const auto docs = depot::render::upstream_documents(kDoc, "left", kUrl, sign);
    BOOST_TEST_REQUIRE(docs.has_value());
    BOOST_TEST(
        asked == (std::vector<std::string>{"1.0.0 sha512-AAA 2020-01-01T00:00:00.000Z signed",
                                           "1.1.0 sha512-BBB  unsigned"}),
        boost::test_tools::per_element());
    BOOST_TEST(docs->versions == 1u);
    BOOST_TEST(docs->refused == 1u);
    for (const auto& text : {docs->full, docs->abbreviated}) {
        const auto d = parse(text);
        BOOST_TEST(!d["versions"].HasMember("1.1.0"));
        BOOST_TEST(!d["dist-tags"].HasMember("latest"), "latest named the refused version");
        const auto& sigs = d["versions"]["1.0.0"]["dist"]["signatures"];
        BOOST_TEST_REQUIRE(sigs.Size() == 1u);
        BOOST_TEST(sigs[0]["keyid"].GetString() == std::string{"depot-key"});
        BOOST_TEST(sigs[0]["sig"].GetString() == std::string{"depot-sig"});
    }
    // Unsigned: no signatures at all (not the uplink's).
    const depot::render::SignVersion none = [](const std::string&, std::string_view,
                                               std::string_view, const rapidjson::Value*) {
        return depot::render::VersionSignature{};
    };
    const auto plain = parse(depot::render::upstream_documents(kDoc, "left", kUrl, none)->full);
    BOOST_TEST(!plain["versions"]["1.0.0"]["dist"].HasMember("signatures"));
    const auto dist = depot::render::upstream_dist(kDoc, "1.0.0");
    BOOST_TEST_REQUIRE(dist.has_value());
    BOOST_TEST(dist->signatures.size() == 1u);
    BOOST_TEST(dist->signatures[0].first == "k");
    BOOST_TEST(dist->published == "2020-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_SUITE_END()
