// User names, email addresses and passwords as depot accepts them at sign-up.

#include "model/account.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "error.hpp"

namespace bdata = boost::unit_test::data;
using depot::model::check_password;
using depot::model::parse_email;
using depot::model::parse_user_name;

namespace {

bool is400(const depot::HttpError& e) { return e.status() == 400; }

const std::vector<std::string> kGoodUsers{"a",   "alice", "bob-smith", "j.doe",
                                          "x_1", "9",     "a-",        std::string(214, 'u')};

const std::vector<std::string> kBadUsers{"",      std::string(215, 'u'),
                                         "Alice", ".a",
                                         "-a",    "_a",
                                         "a b",   "a@b",
                                         "a/b",   "a:b",
                                         "é",     "a\n",
                                         "a%20",  "@acme"};

const std::vector<std::string> kGoodEmails{
    "a@b.c",
    "alice@example.com",
    "first.last+tag@sub.example.co.uk",
    "ALICE@EXAMPLE.COM",
    std::string(64, 'l') + "@example.com",
    std::string(64, 'l') + "@" + std::string(185, 'd') + ".com"};

const std::vector<std::string> kBadEmails{
    "",
    "alice",
    "@example.com",
    "alice@",
    "alice@example",
    "alice@.example.com",
    "alice@example.com.",
    "alice@example..com",
    "a@b@example.com",
    "al ice@example.com",
    "alice@exa mple.com",
    " alice@example.com",
    "alice@example.com\n",
    "alice\t@example.com",
    "<alice@example.com>",
    "\"alice\"@example.com",
    "a,b@example.com",
    "a;b@example.com",
    "a\\b@example.com",
    std::string("a\0b@example.com", 15),
    "a\x7f@example.com",
    std::string(65, 'l') + "@example.com",
    std::string(64, 'l') + "@" + std::string(186, 'd') + ".com"};

}  // namespace

BOOST_AUTO_TEST_SUITE(account)

BOOST_DATA_TEST_CASE(registry_style_user_names_are_accepted, bdata::make(kGoodUsers), good) {
    BOOST_TEST(parse_user_name(good) == good);
}

BOOST_DATA_TEST_CASE(user_names_outside_the_rules_are_refused, bdata::make(kBadUsers), bad) {
    BOOST_CHECK_EXCEPTION((void)parse_user_name(bad), depot::HttpError, is400);
}

BOOST_DATA_TEST_CASE(ordinary_email_addresses_are_accepted, bdata::make(kGoodEmails), good) {
    BOOST_TEST(parse_email(good) == good);
}

BOOST_DATA_TEST_CASE(malformed_email_addresses_are_refused, bdata::make(kBadEmails), bad) {
    BOOST_CHECK_EXCEPTION((void)parse_email(bad), depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(email_length_limits_are_254_overall_and_64_for_the_local_part) {
    const std::string longest = std::string(64, 'l') + "@" + std::string(185, 'd') + ".com";
    BOOST_TEST(longest.size() == 254u);
    BOOST_TEST(parse_email(longest) == longest);
    BOOST_CHECK_EXCEPTION((void)parse_email(longest + "m"), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION((void)parse_email(std::string(65, 'l') + "@example.com"),
                          depot::HttpError, is400);
}

BOOST_AUTO_TEST_CASE(passwords_need_8_to_1024_characters) {
    BOOST_CHECK_NO_THROW(check_password(std::string(8, 'p')));
    BOOST_CHECK_NO_THROW(check_password(std::string(1024, 'p')));
    BOOST_CHECK_NO_THROW(check_password("correct horse battery staple"));
    BOOST_CHECK_EXCEPTION(check_password(""), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION(check_password(std::string(7, 'p')), depot::HttpError, is400);
    BOOST_CHECK_EXCEPTION(check_password(std::string(1025, 'p')), depot::HttpError, is400);
}

BOOST_AUTO_TEST_SUITE_END()
