// Semver is strict SemVer 2.0.0 ordered by precedence (semver.org §11);
// parse_dist_tag refuses tags that npm would read as a version or range.

#include "model/semver.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using depot::model::parse_dist_tag;
using depot::model::Semver;

namespace {

bool is400(const depot::HttpError& e) { return e.status() == 400; }

const std::vector<std::string> kGoodVersions{"0.0.0",
                                             "1.2.3",
                                             "10.20.30",
                                             "1.0.0-alpha",
                                             "1.0.0-alpha.1",
                                             "1.0.0-0.3.7",
                                             "1.0.0-x.7.z.92",
                                             "1.0.0-x-y-z.--",
                                             "1.0.0-0a",
                                             "1.0.0-alpha+001",
                                             "1.0.0+20130313144700",
                                             "1.0.0-beta+exp.sha.5114f85",
                                             "1.0.0+21AF26D3----117B344092BD",
                                             "1.0.0-rc.1+build.1",
                                             "2.0.0-BETA.1"};

const std::vector<std::string> kBadVersions{"",
                                            "1",
                                            "1.2",
                                            "1.2.3.4",
                                            "v1.2.3",
                                            "=1.2.3",
                                            " 1.2.3",
                                            "1.2.3 ",
                                            "01.2.3",
                                            "1.02.3",
                                            "1.2.03",
                                            "1.2.3-01",
                                            "1.2.3-alpha.01",
                                            "1.2.3-",
                                            "1.2.3+",
                                            "1.2.3-a..b",
                                            "1.2.3-a.",
                                            "1.2.3+a..b",
                                            "1.2.3+a+b",
                                            "1.2.3-a_b",
                                            "1.2.3-a b",
                                            "1.2.3-\xc3\xa9",
                                            "1..3",
                                            ".1.2",
                                            "1.2.",
                                            "a.b.c",
                                            "-1.2.3",
                                            "1.2.-3",
                                            "^1.2.3",
                                            "1.2.x",
                                            "1.2.3-" + std::string(251, 'a')};

const std::vector<std::string> kBadTags{"",    "1.0.0", "1",  "v1", "x",  "X",  "a b", "a/b",
                                        "1.2", "V2",    "=1", "*",  "^1", "~1", "a@b", "a%b"};

const std::vector<std::string> kGoodTags{"latest", "beta", "next-1", "v",  "version",
                                         "next",   "rc.1", "Canary", "_x", "latest-5"};

Semver v(const char* s) { return Semver::parse(s); }

}  // namespace

BOOST_AUTO_TEST_SUITE(semver)

BOOST_DATA_TEST_CASE(strict_semver_versions_parse_and_keep_their_text, bdata::make(kGoodVersions),
                     good) {
    BOOST_TEST(Semver::valid(good));
    BOOST_TEST(Semver::parse(good).str() == good);
}

BOOST_DATA_TEST_CASE(versions_outside_strict_semver_are_refused, bdata::make(kBadVersions), bad) {
    BOOST_TEST(!Semver::valid(bad));
    BOOST_CHECK_EXCEPTION((void)Semver::parse(bad), depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(a_version_of_256_characters_is_accepted_and_257_refused) {
    const std::string at_limit = "1.2.3-" + std::string(250, 'a');
    BOOST_TEST(at_limit.size() == 256u);
    BOOST_TEST(Semver::valid(at_limit));
    BOOST_TEST(!Semver::valid(at_limit + "a"));
}

BOOST_AUTO_TEST_CASE(prerelease_is_reported) {
    BOOST_TEST(v("1.0.0-rc.1").prerelease());
    BOOST_TEST(!v("1.0.0").prerelease());
    BOOST_TEST(!v("1.0.0+build.1").prerelease());
}

BOOST_AUTO_TEST_CASE(precedence_follows_the_semver_org_example) {
    // semver.org §11.4.
    const std::vector<Semver> chain{v("1.0.0-alpha"), v("1.0.0-alpha.1"), v("1.0.0-alpha.beta"),
                                    v("1.0.0-beta"),  v("1.0.0-beta.2"),  v("1.0.0-beta.11"),
                                    v("1.0.0-rc.1"),  v("1.0.0")};
    for (std::size_t i = 0; i < chain.size(); ++i) {
        for (std::size_t j = 0; j < chain.size(); ++j) {
            BOOST_TEST_CONTEXT(chain[i].str() << " vs " << chain[j].str()) {
                BOOST_TEST((chain[i] < chain[j]) == (i < j));
                BOOST_TEST((chain[i] == chain[j]) == (i == j));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(major_minor_patch_compare_numerically) {
    // semver.org §11.2: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1.
    BOOST_TEST((v("1.0.0") < v("2.0.0")));
    BOOST_TEST((v("2.0.0") < v("2.1.0")));
    BOOST_TEST((v("2.1.0") < v("2.1.1")));
    BOOST_TEST((v("1.9.0") < v("1.10.0")));
    BOOST_TEST((v("1.0.9") < v("1.0.10")));
    BOOST_TEST((v("9.0.0") < v("10.0.0")));
}

BOOST_AUTO_TEST_CASE(numeric_identifiers_rank_below_alphanumeric_ones) {
    BOOST_TEST((v("1.0.0-1") < v("1.0.0-a")));
    BOOST_TEST((v("1.0.0-999") < v("1.0.0-0a")));
    BOOST_TEST((v("1.0.0-2") < v("1.0.0-10")));
    BOOST_TEST((v("1.0.0-a.2") < v("1.0.0-a.10")));
    // Alphanumeric identifiers compare in ASCII order: upper case first.
    BOOST_TEST((v("1.0.0-Z") < v("1.0.0-a")));
}

BOOST_AUTO_TEST_CASE(build_metadata_is_ignored_for_ordering) {
    BOOST_TEST((v("1.0.0+a") == v("1.0.0+b")));
    BOOST_TEST((v("1.0.0+a") == v("1.0.0")));
    BOOST_TEST((v("1.0.0-rc.1+x") == v("1.0.0-rc.1")));
    BOOST_TEST((v("1.0.0-rc.1+zzz") < v("1.0.0+aaa")));
    // Equal in precedence, but each keeps its own text.
    BOOST_TEST(v("1.0.0+a").str() == "1.0.0+a");
}

BOOST_DATA_TEST_CASE(dist_tags_that_look_like_versions_or_ranges_are_refused, bdata::make(kBadTags),
                     bad) {
    BOOST_CHECK_EXCEPTION((void)parse_dist_tag(bad), depot::HttpError, is400);
}

BOOST_DATA_TEST_CASE(ordinary_dist_tags_are_accepted, bdata::make(kGoodTags), good) {
    BOOST_TEST(parse_dist_tag(good) == good);
}

BOOST_AUTO_TEST_CASE(a_dist_tag_of_214_characters_is_accepted_and_215_refused) {
    BOOST_TEST(parse_dist_tag(std::string(214, 't')).size() == 214u);
    BOOST_CHECK_EXCEPTION((void)parse_dist_tag(std::string(215, 't')), depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(publish_versions_refuse_build_metadata) {
    BOOST_TEST(depot::model::parse_publish_version("1.0.0-rc.1").str() == "1.0.0-rc.1");
    BOOST_CHECK_EXCEPTION((void)depot::model::parse_publish_version("1.0.0+rebuilt"),
                          depot::HttpError, is400);
}

BOOST_AUTO_TEST_SUITE_END()
