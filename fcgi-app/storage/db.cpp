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
    return {c.db_socket, c.db_host, c.db_port, c.db_name, c.db_user, c.db_password};
}

sql::Driver& driver() { return *sql::mysql::get_mysql_driver_instance(); }

ThreadScope::ThreadScope(sql::Driver& d) : driver_{d} { driver_.threadInit(); }
ThreadScope::~ThreadScope() { driver_.threadEnd(); }

Db::Db(sql::Driver& driver, DbSettings settings)
    : driver_{driver}, settings_{std::move(settings)} {}

Db::~Db() = default;

sql::Connection& Db::conn() {
    if (conn_) return *conn_;
    sql::ConnectOptionsMap opts;
    if (settings_.host.empty()) {
        opts["hostName"] = sql::SQLString{"unix://" + settings_.socket};
    } else {
        opts["hostName"] =
            sql::SQLString{"tcp://" + settings_.host + ":" + std::to_string(settings_.port)};
    }
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
    conn_ = std::move(c);
    return *conn_;
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
