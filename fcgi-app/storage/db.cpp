#include "storage/db.hpp"

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "config.hpp"

namespace depot::storage {

DbSettings settings_from(const Config& c) {
    DbSettings s;
    s.socket = c.db_socket;
    for (const auto& [host, port] : c.db_hosts) s.hosts.push_back({host, port});
    if (!s.hosts.empty()) {
        s.host = s.hosts.front().host;
        s.port = s.hosts.front().port;
    }
    s.name = c.db_name;
    s.user = c.db_user;
    s.password = c.db_password;
    return s;
}

sql::Driver& driver() { return *sql::mysql::get_mysql_driver_instance(); }

ThreadScope::ThreadScope(sql::Driver& d) : driver_{d} { driver_.threadInit(); }
ThreadScope::~ThreadScope() { driver_.threadEnd(); }

Db::Db(sql::Driver& driver, DbSettings settings)
    : driver_{driver}, settings_{std::move(settings)} {}

Db::~Db() = default;

namespace {

std::string one_value(sql::Connection& c, const char* query, int column) {
    const std::unique_ptr<sql::Statement> st{c.createStatement()};
    const std::unique_ptr<sql::ResultSet> rs{st->executeQuery(query)};
    if (!rs->next()) return {};
    return rs->getString(column).asStdString();
}

// A Galera node takes queries only while it is in the primary component
// (wsrep_ready): a node that lost quorum is passed over, so no write lands
// there. Reads wait for the writes the cluster has committed
// (wsrep_sync_wait), so a publish through one host is read at once
// through another.
void require_ready_node(sql::Connection& c) {
    if (one_value(c, "SELECT @@wsrep_on", 1) != "1") return;  // not a cluster
    if (one_value(c, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'", 2) != "ON")
        throw sql::SQLException("this Galera node is not in the primary component", "08S01", 2003);
    const std::unique_ptr<sql::Statement> st{c.createStatement()};
    st->execute("SET SESSION wsrep_sync_wait = 1");
}

}  // namespace

sql::Connection& Db::conn() {
    if (conn_) return *conn_;
    if (settings_.hosts.empty()) {
        conn_ = open("unix://" + settings_.socket);
        return *conn_;
    }
    // Each node in turn, from the one that answered last; the last error
    // when none does (a connection error: the request is answered 503).
    std::exception_ptr last;
    for (std::size_t i = 0; i < settings_.hosts.size(); ++i) {
        const auto at = (preferred_ + i) % settings_.hosts.size();
        const auto& h = settings_.hosts[at];
        try {
            auto c = open("tcp://" + h.host + ":" + std::to_string(h.port));
            require_ready_node(*c);
            preferred_ = at;
            conn_ = std::move(c);
            return *conn_;
        } catch (const sql::SQLException&) {
            last = std::current_exception();
        }
    }
    std::rethrow_exception(last);
}

std::unique_ptr<sql::Connection> Db::open(const std::string& host_name) {
    sql::ConnectOptionsMap opts;
    opts["hostName"] = sql::SQLString{host_name};
    opts["userName"] = sql::SQLString{settings_.user};
    opts["password"] = sql::SQLString{settings_.password};
    opts["schema"] = sql::SQLString{settings_.name};
    opts["OPT_RECONNECT"] = false;  // we reconnect ourselves, between requests
    opts["OPT_CONNECT_TIMEOUT"] = 5;
    opts["OPT_READ_TIMEOUT"] = 60;
    opts["OPT_WRITE_TIMEOUT"] = 60;
    opts["OPT_CHARSET_NAME"] = sql::SQLString{"utf8mb4"};
    opts["characterSetResults"] = sql::SQLString{"utf8mb4"};
    std::unique_ptr<sql::Connection> c{driver_.connect(opts)};
    {
        const std::unique_ptr<sql::Statement> st{c->createStatement()};
        st->execute(
            "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'");
        st->execute("SET SESSION time_zone = '+00:00'");
        st->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }
    c->setAutoCommit(true);
    return c;
}

std::unique_ptr<sql::PreparedStatement> Db::prepare(const char* sql) {
    return std::unique_ptr<sql::PreparedStatement>{conn().prepareStatement(sql)};
}

void Db::execute(const std::string& sql) {
    const std::unique_ptr<sql::Statement> st{conn().createStatement()};
    st->execute(sql);
}

void Db::reset() noexcept {
    try {
        if (conn_) conn_->close();
    } catch (...) {
        // The server is gone; closing is best effort and the handle is freed below.
    }
    conn_.reset();
}

Transaction::Transaction(Db& db) : db_{db} { db_.conn().setAutoCommit(false); }

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.conn().rollback();
        db_.conn().setAutoCommit(true);
    } catch (...) {
        db_.reset();  // a connection in an unknown transaction state is not reused
    }
}

void Transaction::commit() {
    db_.conn().commit();
    db_.conn().setAutoCommit(true);
    done_ = true;
}

bool is_connection_lost(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        switch (ex.getErrorCode()) {
            case 2002:  // can't connect through socket
            case 2003:  // can't connect to server
            case 2006:  // server has gone away
            case 2013:  // lost connection during query
            case 2055:  // lost connection, system error
            case 1927:  // MariaDB: connection was killed
            case 4031:  // MariaDB: disconnected for inactivity
            case 1047:  // Galera: the node left the primary component (WSREP not ready)
                return true;
            default:
                return false;
        }
    } catch (...) {
        return false;
    }
}

bool is_invalid_text(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        const int code = ex.getErrorCode();
        return code == 1366 || code == 1300 || code == 1267 || code == 1271 || code == 1406;
    } catch (...) {
        return false;
    }
}

bool is_write_refused(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        const int code = ex.getErrorCode();
        return code == 1290 || code == 1036 || code == 1792 || code == 1021 || code == 1114;
    } catch (...) {
        return false;
    }
}

bool is_deadlock(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        return ex.getErrorCode() == 1213;
    } catch (...) {
        return false;
    }
}

bool is_database_error(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException&) {
        return true;
    } catch (...) {
        return false;
    }
}

bool is_lock_conflict(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        return ex.getErrorCode() == 1213 || ex.getErrorCode() == 1205;
    } catch (...) {
        return false;
    }
}

std::string describe(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const sql::SQLException& ex) {
        return "mysql error " + std::to_string(ex.getErrorCode()) + " (" + ex.getSQLStateCStr() +
               "): " + ex.what();
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "unknown exception";
    }
}

std::optional<int> schema_version(Db& db) {
    try {
        const auto st = db.prepare("SELECT MAX(version) FROM schema_migrations");
        const std::unique_ptr<sql::ResultSet> rs{st->executeQuery()};
        if (!rs->next() || rs->isNull(1)) return std::nullopt;
        return rs->getInt(1);
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1146) return std::nullopt;  // no such table: never migrated
        throw;
    }
}

}  // namespace depot::storage
