// services/manifest_rules derives what npm 11 publishes from a package.json
// (issue 8, review M4); each case is a normalisation npm really performs,
// read in @npmcli/package-json 7.0.5 and checked against npm 11.19.1's wire.

#include "services/manifest_rules.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using depot::services::derive_install_fields;
using depot::services::install_mismatch;
using depot::services::secure_path;

namespace {

std::string derived_json(const std::string& pkg, const std::vector<std::string>& files = {}) {
    rapidjson::Document in;
    in.Parse(pkg.c_str());
    rapidjson::Document out;
    derive_install_fields(in, files, out);
    depot::render::JsonWriter w;
    w.value(out);
    return w.str();
}

// What npm would send for pkg, compared with what a publish sent.
std::string mismatch(const std::string& pkg, const std::string& sent,
                     const std::vector<std::string>& files = {}) {
    rapidjson::Document in;
    in.Parse(pkg.c_str());
    rapidjson::Document derived;
    derive_install_fields(in, files, derived);
    rapidjson::Document s;
    s.Parse(sent.c_str());
    return install_mismatch(s, derived);
}

// Paths as written, and as npm's secureAndUnixifyPath leaves them.
const std::vector<std::string> kRawPaths{"./cli.js", "bin/x",      "a\\b.js", "../../etc/passwd",
                                         "/abs/x",   "c:\\x",      "",        ".",
                                         "/",        "a/./b/../c", "dir/"};
const std::vector<std::string> kCleanPaths{
    "cli.js", "bin/x", "a/b.js", "etc/passwd", "abs/x", "c/x", "", "", "", "a/c", "dir/"};

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_rules)

BOOST_DATA_TEST_CASE(secure_path_cleans_like_npm, bdata::make(kRawPaths) ^ bdata::make(kCleanPaths),
                     raw, clean) {
    BOOST_TEST(secure_path(raw) == clean);
}

BOOST_AUTO_TEST_CASE(a_plain_package_json_derives_itself) {
    BOOST_TEST(derived_json(R"({"name":"a","version":"1.0.0","dependencies":{"b":"^1"}})") ==
               R"({"name":"a","version":"1.0.0","dependencies":{"b":"^1"}})");
}

BOOST_AUTO_TEST_CASE(version_is_cleaned_and_loses_build_metadata) {
    BOOST_TEST(derived_json(R"({"name":"a","version":"v1.0.0+build.5"})") ==
               R"({"name":"a","version":"1.0.0"})");
    BOOST_TEST(derived_json(R"({"name":" a ","version":" =1.2.3 "})") ==
               R"({"name":"a","version":"1.2.3"})");
}

BOOST_AUTO_TEST_CASE(dependencies_as_a_string_or_an_array_become_an_object) {
    // A string splits on spaces and commas first, so "baz >=1.2" is two items there.
    BOOST_TEST(derived_json(R"({"dependencies":"foo@^1 bar,baz"})") ==
               R"({"dependencies":{"bar":"","baz":"","foo":"^1"}})");
    BOOST_TEST(derived_json(R"({"dependencies":["baz >=1.2","@s/x@1"]})") ==
               R"({"dependencies":{"":"s/x@1","baz":">=1.2"}})");
    BOOST_TEST(derived_json(R"({"optionalDependencies":["x@2"]})") ==
               R"({"optionalDependencies":{"x":"2"}})");
}

BOOST_AUTO_TEST_CASE(bundled_names_join_dependencies_as_star) {
    BOOST_TEST(derived_json(R"({"dependencies":{"a":"1"},"bundledDependencies":["a","b"]})") ==
               R"({"bundleDependencies":["a","b"],"dependencies":{"a":"1","b":"*"}})");
    BOOST_TEST(derived_json(R"({"dependencies":{"a":"1"},"bundleDependencies":true})") ==
               R"({"bundleDependencies":["a"],"dependencies":{"a":"1"}})");
}

BOOST_AUTO_TEST_CASE(bin_as_a_string_array_or_object_is_normalised) {
    BOOST_TEST(derived_json(R"({"name":"@sc/tool","bin":"./cli.js"})") ==
               R"({"name":"@sc/tool","bin":{"tool":"cli.js"}})");
    BOOST_TEST(derived_json(R"({"bin":["./bin/one","bin/two"]})") ==
               R"({"bin":{"one":"bin/one","two":"bin/two"}})");
    BOOST_TEST(derived_json(R"({"bin":{"./x":"../../x.js","y":7,"z":"."}})") ==
               R"({"bin":{"x":"x.js"}})");
}

BOOST_AUTO_TEST_CASE(directories_bin_lists_files_and_folders_below_it) {
    BOOST_TEST(derived_json(R"({"directories":{"bin":"./bin"}})",
                            {"bin/one", "bin/sub/two", "bin/.dot", "lib/x.js"}) ==
               R"({"bin":{"one":"bin/one","sub":"bin/sub","two":"bin/sub/two"}})");
    BOOST_TEST(derived_json(R"({"bin":{"a":"a.js"},"directories":{"bin":"bin"}})", {"bin/one"}) ==
               R"({"bin":{"a":"a.js"}})");
}

BOOST_AUTO_TEST_CASE(a_gyp_file_at_the_root_adds_node_gyp_rebuild) {
    BOOST_TEST(derived_json(R"({})", {"binding.gyp", "src/x.cc"}) ==
               R"({"scripts":{"install":"node-gyp rebuild"}})");
    BOOST_TEST(derived_json(R"({"scripts":{"preinstall":"x"}})", {"binding.gyp"}) ==
               R"({"scripts":{"preinstall":"x"}})");
    BOOST_TEST(derived_json(R"({"gypfile":false})", {"binding.gyp"}) == R"({})");
    BOOST_TEST(derived_json(R"({})", {"deps/binding.gyp"}) == R"({})");
}

BOOST_AUTO_TEST_CASE(install_scripts_lose_a_node_modules_bin_prefix) {
    BOOST_TEST(derived_json(R"({"scripts":{"install":"./node_modules/.bin/x y","test":"t"}})") ==
               R"({"scripts":{"install":"x y"}})");
}

BOOST_AUTO_TEST_CASE(a_lying_manifest_names_the_field_that_differs) {
    const std::string pkg =
        R"({"name":"a","version":"1.0.0","scripts":{"postinstall":"evil"},"dependencies":{"x":"1"}})";
    BOOST_TEST(mismatch(pkg, R"({"name":"a","version":"1.0.0","dependencies":{"x":"1"}})") ==
               "scripts.postinstall differs from package.json in the tarball");
    BOOST_TEST(
        mismatch(pkg, R"({"name":"a","version":"1.0.0","scripts":{"postinstall":"evil"}})") ==
        "dependencies differ from package.json in the tarball");
    BOOST_TEST(mismatch(pkg, R"({"name":"b","version":"1.0.0"})") ==
               "name differs from package.json in the tarball");
    BOOST_TEST(mismatch(R"({"name":"a","version":"1.0.0","os":["linux"]})",
                        R"({"name":"a","version":"1.0.0"})") ==
               "os differs from package.json in the tarball");
    BOOST_TEST(
        mismatch(pkg,
                 R"({"name":"a","version":"1.0.0","scripts":{"postinstall":"evil","build":"x"},)"
                 R"("dependencies":{"x":"1"}})") == "");
}

BOOST_AUTO_TEST_CASE(git_dependencies_match_in_any_form_npm_writes) {
    const std::string pkg = R"({"dependencies":{"g":"user/repo#v1"}})";
    BOOST_TEST(mismatch(pkg, R"({"dependencies":{"g":"github:user/repo#v1"}})") == "");
    BOOST_TEST(
        mismatch(pkg, R"({"dependencies":{"g":"git+ssh://git@github.com/user/repo.git#v1"}})") ==
        "");
    BOOST_TEST(mismatch(pkg, R"({"dependencies":{"g":"github:evil/repo#v1"}})") != "");
    BOOST_TEST(mismatch(pkg, R"({"dependencies":{"g":"github:user/repo#v2"}})") != "");
}

BOOST_AUTO_TEST_CASE(empty_and_absent_are_the_same) {
    BOOST_TEST(mismatch(R"({"name":"a","dependencies":{}})", R"({"name":"a"})") == "");
    BOOST_TEST(mismatch(R"({"name":"a"})", R"({"name":"a","bin":{},"os":[]})") == "");
}

BOOST_AUTO_TEST_SUITE_END()
