// The tarball store on local disk: put is all or nothing and never replaces
// a file; removals pause while a backup's marker is fresh (depotctl backup).

#include "storage/tarball_store.hpp"

#include <sys/stat.h>
#include <utime.h>

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using depot::storage::LocalDiskStore;

namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/depot-store-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    fs::path path;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tarball_store)

BOOST_AUTO_TEST_CASE(put_never_replaces_and_refuses_keys_outside_the_root) {
    TempDir d;
    LocalDiskStore store{d.path.string()};
    BOOST_TEST(store.put("p/p-1.0.0-aa.tgz", "first"));
    BOOST_TEST(!store.put("p/p-1.0.0-aa.tgz", "second"));
    BOOST_TEST(store.exists("p/p-1.0.0-aa.tgz"));
    std::ifstream in{d.path / "p/p-1.0.0-aa.tgz"};
    std::string text;
    in >> text;
    BOOST_TEST(text == "first");
    BOOST_CHECK_THROW((void)store.put("../escape.tgz", "x"), std::invalid_argument);
    BOOST_TEST(!store.exists("../escape.tgz"));
}

BOOST_AUTO_TEST_CASE(removals_pause_while_a_backup_marker_is_fresh) {
    TempDir d;
    LocalDiskStore store{d.path.string()};
    BOOST_REQUIRE(store.put("p/p-1.0.0-aa.tgz", "bytes"));
    BOOST_REQUIRE(store.put("p/p-1.0.1-bb.tgz", "bytes"));
    fs::create_directories(d.path / LocalDiskStore::kBackupMarkers);
    const auto marker = d.path / LocalDiskStore::kBackupMarkers / "123-1";
    std::ofstream{marker} << "a backup\n";
    BOOST_TEST(store.removals_paused());
    BOOST_TEST(!store.remove("p/p-1.0.0-aa.tgz"));
    BOOST_TEST(store.exists("p/p-1.0.0-aa.tgz"));
    // A marker untouched for seven hours is a dead backup's: it pauses nothing.
    const struct utimbuf old { std::time(nullptr) - 7 * 3600, std::time(nullptr) - 7 * 3600 };
    ::utime(marker.c_str(), &old);
    BOOST_TEST(!store.removals_paused());
    BOOST_TEST(store.remove("p/p-1.0.1-bb.tgz"));
    BOOST_TEST(!store.exists("p/p-1.0.1-bb.tgz"));
}

BOOST_AUTO_TEST_SUITE_END()
