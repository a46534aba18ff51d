#pragma once
// One MySQL connection (Connector/C++ 1.1) per worker thread, opened lazily
// and dropped when the server went away, so the next use reconnects. Only
// storage/ sees Connector/C++ types; the rest sees Db, Transaction and the
// free functions below.

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sql {
class Connection;
class Driver;
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace depot {
struct Config;
}

namespace depot::storage {

struct DbEndpoint {
    std::string host;
    int port = 3306;
};

struct DbSettings {
    std::string socket;  // used when host is empty
    std::string host;    // the first of hosts (mariadb-dump asks it)
    int port = 3306;
    std::vector<DbEndpoint> hosts;  // tried in turn (several nodes of a cluster)
    std::string name;
    std::string user;
    std::string password;
};

[[nodiscard]] DbSettings settings_from(const Config& config);

// get_driver_instance() is not thread-safe: main calls this once before any thread.
sql::Driver& driver();

// Connector/C++ wants threadInit()/threadEnd() around each thread's use.
class ThreadScope {
  public:
    explicit ThreadScope(sql::Driver& d);
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

  private:
    sql::Driver& driver_;
};

class Db {
  public:
    Db(sql::Driver& driver, DbSettings settings);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    sql::Connection& conn();  // connects if needed; throws on failure
    [[nodiscard]] std::unique_ptr<sql::PreparedStatement> prepare(const char* sql);
    void execute(const std::string& sql);  // trusted text only: migrations
    void reset() noexcept;                 // drop the connection; next use reconnects
    [[nodiscard]] bool connected() const noexcept { return conn_ != nullptr; }

  private:
    [[nodiscard]] std::unique_ptr<sql::Connection> open(const std::string& host_name);

    sql::Driver& driver_;
    DbSettings settings_;
    std::unique_ptr<sql::Connection> conn_;
    std::size_t preferred_ = 0;  // the node that answered last: only an optimisation
};

// Rolls back unless commit() ran.
class Transaction {
  public:
    explicit Transaction(Db& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Db& db_;
    bool done_ = false;
};

// True when the exception says the server is gone or unreachable (2002, 2003,
// 2006, 2013, …): the caller resets the connection and may retry.
[[nodiscard]] bool is_connection_lost(const std::exception_ptr& e);

// True when MySQL refused the text of a value: invalid for the column's
// character set (1366, 1300), a collation clash (1267, 1271), too long (1406).
[[nodiscard]] bool is_invalid_text(const std::exception_ptr& e);

// True when the transaction lost a race with another one: a deadlock
// (1213, the whole transaction rolled back) or a lock wait timeout (1205).
[[nodiscard]] bool is_lock_conflict(const std::exception_ptr& e);
// Only the deadlock: InnoDB rolled the whole transaction back.
[[nodiscard]] bool is_deadlock(const std::exception_ptr& e);

// True when the server refuses writes: read-only (1290, 1036, 1792), or
// its disk or a table is full (1021, 1114). Nothing was changed.
[[nodiscard]] bool is_write_refused(const std::exception_ptr& e);

// True for any exception from the database driver.
[[nodiscard]] bool is_database_error(const std::exception_ptr& e);

// A short description of a database exception for logs (code + message).
[[nodiscard]] std::string describe(const std::exception_ptr& e);

// The newest applied migration, or nullopt before the first migrate.
[[nodiscard]] std::optional<int> schema_version(Db& db);

}  // namespace depot::storage
