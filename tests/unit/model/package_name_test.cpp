// PackageName::parse follows validate-npm-package-name's rules for new
// packages; scope(), bare() and tarball_file() split what it accepted.

#include "model/package_name.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using depot::model::PackageName;

namespace {

bool is400(const depot::HttpError& e) { return e.status() == 400; }

const std::vector<std::string> kBadNames{"",
                                         "UPPER",
                                         "..",
                                         ".hidden",
                                         "_x",
                                         "-x",
                                         "a/b/c",
                                         "a b",
                                         std::string(215, 'a'),
                                         "node_modules",
                                         "favicon.ico",
                                         "http",
                                         "@scope",
                                         "@/x",
                                         "@s/",
                                         "@S/x",
                                         "a~b",
                                         "a(b)",
                                         "fs",
                                         "child_process",
                                         "@s/X",
                                         "@s/a/b",
                                         "Mixed",
                                         "a\tb",
                                         "a%2fb",
                                         "a!b",
                                         "a*b",
                                         "a'b",
                                         "@s/a b",
                                         "@s//x",
                                         "@",
                                         "/x",
                                         "a\nb"};

const std::vector<std::string> kGoodNames{"a",
                                          "left-pad",
                                          "lodash.merge",
                                          "under_score",
                                          "a1",
                                          "9lives",
                                          "x-",
                                          "@acme/widget",
                                          "@a/b",
                                          "@acme/http",
                                          "@acme/node_modules",
                                          "https-proxy",
                                          "fs-extra",
                                          std::string(214, 'a')};

}  // namespace

BOOST_AUTO_TEST_SUITE(package_name)

BOOST_DATA_TEST_CASE(rejects_names_npm_would_reject, bdata::make(kBadNames), bad) {
    // (void): parse() is [[nodiscard]]
    BOOST_CHECK_EXCEPTION((void)PackageName::parse(bad), depot::HttpError, is400);
}

BOOST_DATA_TEST_CASE(accepts_names_npm_would_accept, bdata::make(kGoodNames), good) {
    BOOST_TEST(PackageName::parse(good).str() == good);
}

BOOST_AUTO_TEST_CASE(both_parts_of_a_scoped_name_follow_the_unscoped_rules) {
    // Stricter than validate-npm-package-name, which only URL-checks the parts;
    // the header promises the same rules for scope and name.
    for (const char* bad : {"@s/.x", "@s/_x", "@s/-x", "@.s/x", "@_s/x", "@-s/x", "@s~/x"}) {
        BOOST_CHECK_EXCEPTION((void)PackageName::parse(bad), depot::HttpError, is400);
    }
}

BOOST_AUTO_TEST_CASE(a_scoped_name_of_214_characters_is_accepted_and_215_refused) {
    const std::string ok = "@acme/" + std::string(208, 'w');
    BOOST_TEST(ok.size() == 214u);
    BOOST_TEST(PackageName::parse(ok).bare().size() == 208u);
    BOOST_CHECK_EXCEPTION((void)PackageName::parse(ok + "w"), depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(scoped_name_splits_into_scope_and_bare_name) {
    const auto n = PackageName::parse("@acme/left-pad");
    BOOST_TEST(n.scoped());
    BOOST_TEST(n.scope() == "acme");
    BOOST_TEST(n.bare() == "left-pad");
    BOOST_TEST(n.str() == "@acme/left-pad");
}

BOOST_AUTO_TEST_CASE(unscoped_name_has_an_empty_scope_and_is_its_own_bare_name) {
    const auto n = PackageName::parse("left-pad");
    BOOST_TEST(!n.scoped());
    BOOST_TEST(n.scope().empty());
    BOOST_TEST(n.bare() == "left-pad");
}

BOOST_AUTO_TEST_CASE(tarball_file_uses_the_bare_name) {
    BOOST_TEST(PackageName::parse("left-pad").tarball_file("1.0.0") == "left-pad-1.0.0.tgz");
    BOOST_TEST(PackageName::parse("@acme/widget").tarball_file("2.0.0-rc.1") ==
               "widget-2.0.0-rc.1.tgz");
}

BOOST_AUTO_TEST_CASE(equal_names_compare_equal) {
    BOOST_TEST((PackageName::parse("@acme/w") == PackageName::parse("@acme/w")));
    BOOST_TEST(!(PackageName::parse("@acme/w") == PackageName::parse("@acme/x")));
}

BOOST_AUTO_TEST_SUITE_END()
