#include "storage/migrations.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

using depot::storage::list_migrations;
using depot::storage::split_sql;

BOOST_AUTO_TEST_SUITE(migrations)

BOOST_AUTO_TEST_CASE(split_sql_ignores_semicolons_in_quotes_and_comments) {
    const auto stmts = split_sql(
        "-- a comment; with a semicolon\n"
        "CREATE TABLE a (x VARCHAR(3) DEFAULT ';');\n"
        "INSERT INTO a VALUES ('it\\'s;');\n"
        "  \n;\n"
        "SELECT `odd;name` FROM a");
    BOOST_TEST(stmts.size() == 3u);
    BOOST_TEST(stmts[0].find("DEFAULT ';'") != std::string::npos);
    BOOST_TEST(stmts[1].find("it\\'s;") != std::string::npos);
    BOOST_TEST(stmts[2].find("`odd;name`") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(split_sql_refuses_an_unterminated_quote) {
    BOOST_CHECK_THROW((void)split_sql("SELECT 'open"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(the_shipped_schema_lists_in_order_starting_at_one) {
    const char* src = std::getenv("DEPOT_SOURCE_DIR");
    BOOST_REQUIRE(src != nullptr);
    const auto ms = list_migrations(std::string{src} + "/schema");
    BOOST_REQUIRE(!ms.empty());
    BOOST_TEST(ms.front().version == 1);
    BOOST_TEST(ms.front().name == "0001_init");
    for (std::size_t i = 1; i < ms.size(); ++i) BOOST_TEST(ms[i].version > ms[i - 1].version);
}

BOOST_AUTO_TEST_SUITE_END()
