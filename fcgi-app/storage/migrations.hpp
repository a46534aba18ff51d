#pragma once
// schema/NNNN_name.sql, forward-only, applied in order and recorded in
// schema_migrations. Re-running applies nothing new. A GET_LOCK keeps two
// hosts from migrating at once.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace depot::storage {

class Db;

struct Migration {
    int version;
    std::string name;  // "0001_init"
    std::string path;
};

// Sorted by version; throws std::runtime_error on a misnamed file or a duplicate number.
[[nodiscard]] std::vector<Migration> list_migrations(const std::string& dir);

// Splits a SQL file into statements at ';' outside quotes and comments.
[[nodiscard]] std::vector<std::string> split_sql(std::string_view text);

// Applies what is pending, writes one line per migration to out, returns how many ran.
int migrate(Db& db, const std::string& dir, std::ostream& out);

}  // namespace depot::storage
