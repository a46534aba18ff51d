// services/readme cuts READMEs as npm's registry does, never inside a character.

#include "services/readme.hpp"

#include <boost/test/unit_test.hpp>

#include "http/uri.hpp"

using depot::services::truncate_readme;

BOOST_AUTO_TEST_SUITE(readme)

BOOST_AUTO_TEST_CASE(a_short_readme_is_kept_whole) {
    BOOST_TEST(truncate_readme("# hi", 64) == "# hi");
}

BOOST_AUTO_TEST_CASE(a_long_readme_is_cut_at_the_limit) {
    BOOST_TEST(truncate_readme(std::string(100, 'a'), 64).size() == 64u);
}

BOOST_AUTO_TEST_CASE(the_cut_never_splits_a_utf8_character) {
    const std::string euro = "\xE2\x82\xAC";  // three bytes
    const auto cut = truncate_readme("ab" + euro + euro, 4);
    BOOST_TEST(cut == "ab");
    BOOST_TEST(depot::http::valid_utf8(truncate_readme("a" + euro + euro + euro, 6)));
}

BOOST_AUTO_TEST_SUITE_END()
