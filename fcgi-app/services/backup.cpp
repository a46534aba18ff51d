#include "services/backup.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "config.hpp"
#include "render/json.hpp"
#include "services/documents.hpp"
#include "storage/db.hpp"
#include "storage/migrations.hpp"
#include "storage/tarball_store.hpp"
#include "storage/upload_repo.hpp"

extern char** environ;

namespace depot::services {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// A value for a MySQL option file, quoted.
std::string option_value(const std::string& v) {
    std::string out = "\"";
    for (const char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

// The connection settings as a private option file for mariadb-dump and
// mariadb (never on their command line, where ps would show the password).
class ClientOptions {
  public:
    explicit ClientOptions(const Config& config) {
        path_ = (fs::temp_directory_path() / "depot-client-XXXXXX").string();
        const int fd = ::mkstemp(path_.data());
        if (fd < 0) fail("cannot make a private option file: " + std::string{std::strerror(errno)});
        ::fchmod(fd, 0600);
        const auto s = storage::settings_from(config);
        std::string text = "[client]\nuser=" + option_value(s.user) + "\n";
        if (!s.password.empty()) text += "password=" + option_value(s.password) + "\n";
        if (s.host.empty()) {
            text += "socket=" + option_value(s.socket) + "\n";
        } else {
            text += "host=" + option_value(s.host) + "\nport=" + std::to_string(s.port) + "\n";
        }
        const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        if (!ok) fail("cannot write a private option file");
    }
    ~ClientOptions() { ::unlink(path_.c_str()); }
    ClientOptions(const ClientOptions&) = delete;
    ClientOptions& operator=(const ClientOptions&) = delete;
    [[nodiscard]] std::string flag() const { return "--defaults-extra-file=" + path_; }

  private:
    std::string path_;
};

// Runs argv (found on PATH) with stdin and stdout from/to files; its stderr
// goes to ours. Throws unless it exits 0.
void run_tool(const std::vector<std::string>& argv, const std::string& in_path,
              const std::string& out_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!in_path.empty())
        posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
    if (!out_path.empty()) {
        posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL,
                                         0600);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) fail("cannot run " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail(argv[0] + " failed (see above)");
}

std::uint64_t copy_into(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    return fs::file_size(to);
}

// As the store accepts keys: relative, no empty, "." or ".." segment.
bool store_key(std::string_view key) {
    if (key.empty() || key.front() == '/') return false;
    std::size_t start = 0;
    while (true) {
        const auto slash = key.find('/', start);
        const auto seg = key.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        if (slash == std::string_view::npos) return true;
        start = slash + 1;
    }
}

std::string read_all(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

BackupSummary backup(const Config& config, storage::Db& db, const std::string& dir) {
    const fs::path out{dir};
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) fail(dir + " exists and is not empty");
    fs::create_directories(out);
    fs::permissions(out, fs::perms::owner_all);

    BackupSummary summary;
    const auto version = storage::schema_version(db);
    summary.schema_version = version ? std::to_string(*version) : "none";
    // No file leaves the store from here to the end of the copy: this
    // backup's own marker, touched as it copies (storage/tarball_store).
    const fs::path markers = fs::path{config.tarball_dir} / storage::LocalDiskStore::kBackupMarkers;
    fs::create_directories(markers);
    const fs::path marker =
        markers / (std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)));
    {
        std::ofstream m{marker};
        m << "depotctl backup into " << dir << "\n";
        if (!m) fail("cannot write " + marker.string());
    }
    struct Unmark {
        const fs::path& p;
        ~Unmark() { ::unlink(p.c_str()); }
    } unmark{marker};

    const ClientOptions options{config};
    run_tool(
        {"mariadb-dump", options.flag(), "--single-transaction", "--no-tablespaces", "--routines",
         "--triggers", "--hex-blob", "--default-character-set=utf8mb4", config.db_name},
        "", (out / "database.sql").string());

    const fs::path store{config.tarball_dir};
    for (auto it = fs::recursive_directory_iterator{store};
         it != fs::recursive_directory_iterator{}; ++it) {
        const auto rel = fs::relative(it->path(), store);
        if (it->is_directory() &&
            (rel == ".tmp" || rel == storage::LocalDiskStore::kBackupMarkers)) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file()) continue;
        summary.bytes += copy_into(it->path(), out / "tarballs" / rel);
        if (++summary.tarballs % 256 == 0) ::utime(marker.c_str(), nullptr);  // still alive
    }

    render::JsonWriter w;
    w.begin_object().key("format").integer(1);
    w.key("created").integer(static_cast<long long>(std::time(nullptr)));
    w.field("schema_version", summary.schema_version).field("public_url", config.public_url);
    w.key("tarballs").integer(static_cast<long long>(summary.tarballs));
    w.key("bytes").integer(static_cast<long long>(summary.bytes)).end_object();
    std::ofstream manifest{out / "manifest.json"};
    manifest << w.str() << "\n";
    if (!manifest) fail("cannot write the manifest");
    return summary;
}

BackupSummary restore(const Config& config, storage::Db& db, const std::string& dir) {
    const fs::path in{dir};
    if (!fs::exists(in / "manifest.json") || !fs::exists(in / "database.sql"))
        fail(dir + " is not a depot backup (no manifest.json or database.sql)");
    rapidjson::Document manifest;
    if (!render::parse_json(manifest, read_all(in / "manifest.json")) || !manifest.IsObject())
        fail(dir + "/manifest.json is not JSON");

    // Only into a registry nobody uses yet: no account, no package.
    if (!storage::UploadRepo{db}.registry_empty())
        fail("the target registry has accounts or packages; restore only into an empty one");
    const ClientOptions options{config};
    run_tool({"mariadb", options.flag(), "--default-character-set=utf8mb4", config.db_name},
             (in / "database.sql").string(), "");
    db.reset();  // the tables were replaced under this connection
    std::ostringstream migrated;
    (void)storage::migrate(db, config.schema_dir, migrated);

    BackupSummary summary;
    const auto version = storage::schema_version(db);
    summary.schema_version = version ? std::to_string(*version) : "none";
    std::uint64_t missing = 0;
    for (const auto& key : storage::UploadRepo{db}.tarball_keys()) {
        const auto from = in / "tarballs" / key;
        // Keys are relative paths inside the store (storage/tarball_store);
        // anything else in a backup's rows, or a link in its files, is not
        // followed anywhere.
        std::error_code ec;
        if (!store_key(key) || !fs::is_regular_file(fs::symlink_status(from, ec))) {
            ++missing;
            continue;
        }
        summary.bytes += copy_into(from, fs::path{config.tarball_dir} / key);
        ++summary.tarballs;
    }
    // Every document is built again from the restored rows on its next read.
    Documents{config}.drop_all();
    if (missing > 0)
        fail(std::to_string(missing) + " tarballs named by the database are not in the backup");
    return summary;
}

}  // namespace depot::services
