#include "services/provenance.hpp"

#include <boost/test/unit_test.hpp>

#include "crypto/crypto.hpp"
#include "error.hpp"

using depot::services::check_provenance;
using depot::services::npm_purl;

namespace {

const std::string kSha = std::string(128, 'a');

std::string bundle(const std::string& statement,
                   const std::string& media = "application/vnd.dev.sigstore.bundle.v0.3+json") {
    return R"({"mediaType":")" + media +
           R"(","verificationMaterial":{"certificate":{"rawBytes":"eA=="}},)"
           R"("dsseEnvelope":{"payload":")" +
           depot::crypto::base64_encode(statement) +
           R"(","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"eA==","keyid":""}]}})";
}

std::string statement(const std::string& purl, const std::string& sha) {
    return R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":")" + purl +
           R"(","digest":{"sha512":")" + sha +
           R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{)"
           R"("buildDefinition":{"externalParameters":{"workflow":{"path":".github/workflows/p.yml"}},)"
           R"("resolvedDependencies":[{"uri":"git+https://github.com/acme/w@refs/heads/main",)"
           R"("digest":{"gitCommit":"0123abcd"}}]},)"
           R"("runDetails":{"metadata":{"invocationId":"https://github.com/acme/w/actions/runs/1"}}}})";
}

void refused(const std::string& b, const std::string& why) {
    BOOST_CHECK_EXCEPTION((void)check_provenance(b, "@acme/w", "1.0.0", kSha), depot::HttpError,
                          [&](const depot::HttpError& e) {
                              BOOST_TEST(std::string{e.what()}.find(why) != std::string::npos,
                                         e.what());
                              return e.status() == 400;
                          });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(provenance)

BOOST_AUTO_TEST_CASE(purls_are_npms) {
    BOOST_TEST(npm_purl("@acme/w", "1.0.0") == "pkg:npm/%40acme/w@1.0.0");
    BOOST_TEST(npm_purl("left-pad", "1.0.0-beta.1") == "pkg:npm/left-pad@1.0.0-beta.1");
}

BOOST_AUTO_TEST_CASE(repositories_compare_in_every_form_npm_accepts_and_no_other) {
    using depot::services::same_repository;
    const std::string r = "https://github.com/acme/w";
    for (const char* same : {"git+https://github.com/acme/w.git", "github:acme/w", "acme/w",
                             "git@github.com:acme/w.git", "git+ssh://git@github.com/acme/w.git",
                             "https://github.com/Acme/W/", "http://github.com/acme/w#readme"})
        BOOST_TEST(same_repository(same, r), same);
    for (const char* other :
         {"https://github.com/acme/w2", "https://github.com.evil.com/acme/w",
          "https://user@github.com/acme/w", "https://github.com@evil.com/acme/w", "gitlab:acme/w",
          "", "ftp://github.com/acme/w"})
        BOOST_TEST(!same_repository(other, r), other);
    BOOST_TEST(!same_repository("", ""));
}

BOOST_AUTO_TEST_CASE(a_bundle_about_the_tarball_is_kept_with_its_summary) {
    const auto b = bundle(statement("pkg:npm/%40acme/w@1.0.0", kSha));
    const auto p = check_provenance(b, "@acme/w", "1.0.0", kSha);
    BOOST_TEST(p.predicate_type == "https://slsa.dev/provenance/v1");
    BOOST_TEST(p.source_repo == "https://github.com/acme/w");
    BOOST_TEST(p.commit == "0123abcd");
    BOOST_TEST(p.workflow == ".github/workflows/p.yml");
    BOOST_TEST(p.build_url == "https://github.com/acme/w/actions/runs/1");
    BOOST_TEST(p.document.starts_with(
        R"({"attestations":[{"predicateType":"https://slsa.dev/provenance/v1","bundle":{)"));
}

BOOST_AUTO_TEST_CASE(anything_else_is_refused) {
    refused(bundle(statement("pkg:npm/%40acme/w@1.0.1", kSha)), "subject is not");
    refused(bundle(statement("pkg:npm/%40acme/other@1.0.0", kSha)), "subject is not");
    refused(bundle(statement("pkg:npm/%40acme/w@1.0.0", std::string(128, 'b'))), "sha512");
    refused(bundle(statement("pkg:npm/%40acme/w@1.0.0", kSha), "text/plain"), "Sigstore bundle");
    refused("[]", "JSON object");
    refused(R"({"mediaType":"application/vnd.dev.sigstore.bundle+json","a":1,"a":2})", "unique");
    refused(bundle("not json"), "in-toto statement");
    refused(bundle(R"({"subject":[]})"), "exactly one subject");
    refused(std::string(depot::services::kMaxBundleBytes + 1, ' '), "1 MiB");
}

BOOST_AUTO_TEST_SUITE_END()
