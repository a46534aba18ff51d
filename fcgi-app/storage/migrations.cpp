#include "storage/migrations.hpp"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "storage/db.hpp"

namespace depot::storage {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL,"
    " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
constexpr const char* kLock = "SELECT GET_LOCK('depot_migrate', 60)";
constexpr const char* kUnlock = "SELECT RELEASE_LOCK('depot_migrate')";
constexpr const char* kApplied = "SELECT version FROM schema_migrations";
constexpr const char* kRecord = "INSERT INTO schema_migrations (version, name) VALUES (?, ?)";

std::string read_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_blank_sql(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
}

// "NNNN_name.sql" with a lower-case name: the version, or -1.
int parse_migration_name(const std::string& file) {
    constexpr std::string_view kExt = ".sql";
    if (file.size() < 4 + 1 + 1 + kExt.size() || !file.ends_with(kExt) || file[4] != '_') return -1;
    int version = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (file[i] < '0' || file[i] > '9') return -1;
        version = version * 10 + (file[i] - '0');
    }
    for (std::size_t i = 5; i < file.size() - kExt.size(); ++i) {
        const char c = file[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return -1;
    }
    return version;
}

}  // namespace

std::vector<Migration> list_migrations(const std::string& dir) {
    std::vector<Migration> out;
    if (!fs::is_directory(dir))
        throw std::runtime_error("schema_dir: '" + dir + "' is not a directory");
    for (const auto& e : fs::directory_iterator{dir}) {
        const auto file = e.path().filename().string();
        if (!e.is_regular_file() || e.path().extension() != ".sql") continue;
        const int version = parse_migration_name(file);
        if (version < 0) {
            throw std::runtime_error("migration file '" + file + "' is not named NNNN_name.sql");
        }
        out.push_back({version, e.path().stem().string(), e.path().string()});
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].version == out[i - 1].version) {
            throw std::runtime_error("two migrations numbered " + std::to_string(out[i].version));
        }
    }
    return out;
}

std::vector<std::string> split_sql(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            cur.push_back(c);
            if (c == '\\' && i + 1 < text.size()) {
                cur.push_back(text[++i]);
            } else if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {  // comment to end of line
            while (i < text.size() && text[i] != '\n') ++i;
            cur.push_back('\n');
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') quote = c;
        if (c == ';') {
            if (!is_blank_sql(cur)) out.push_back(cur);
            cur.clear();
            continue;
        }
        cur.push_back(c);
    }
    if (quote) throw std::runtime_error("unterminated quote in SQL");
    if (!is_blank_sql(cur)) out.push_back(cur);
    return out;
}

int migrate(Db& db, const std::string& dir, std::ostream& out) {
    const auto migrations = list_migrations(dir);
    db.execute(kCreateTable);
    {
        const auto lock = db.prepare(kLock);
        const std::unique_ptr<sql::ResultSet> rs{lock->executeQuery()};
        if (!rs->next() || rs->getInt(1) != 1)
            throw std::runtime_error("another migrate holds the lock");
    }
    std::set<int> applied;
    {
        const auto st = db.prepare(kApplied);
        const std::unique_ptr<sql::ResultSet> rs{st->executeQuery()};
        while (rs->next()) applied.insert(rs->getInt(1));
    }
    int ran = 0;
    try {
        for (const auto& m : migrations) {
            if (applied.contains(m.version)) continue;
            for (const auto& stmt : split_sql(read_file(m.path))) db.execute(stmt);
            const auto rec = db.prepare(kRecord);
            rec->setInt(1, m.version);
            rec->setString(2, m.name);
            rec->executeUpdate();
            out << "applied " << m.name << "\n";
            ++ran;
        }
    } catch (...) {
        db.prepare(kUnlock)->execute();
        throw;
    }
    db.prepare(kUnlock)->execute();
    return ran;
}

}  // namespace depot::storage
