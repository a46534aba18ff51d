#pragma once
// Small helpers for the *_repo.cpp files: the only code that includes cppconn/.

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace depot::storage {

using Result = std::unique_ptr<sql::ResultSet>;

inline Result query(sql::PreparedStatement& st) { return Result{st.executeQuery()}; }

inline std::string str(sql::ResultSet& rs, int col) {
    return rs.isNull(col) ? std::string{} : rs.getString(col).asStdString();
}

inline std::uint64_t u64(sql::ResultSet& rs, int col) {
    return rs.isNull(col) ? 0 : rs.getUInt64(col);
}

// Binds a string, or NULL when it is empty.
inline void set_nullable(sql::PreparedStatement& st, int idx, std::string_view v) {
    if (v.empty()) {
        st.setNull(idx, 0);
    } else {
        st.setString(idx, sql::SQLString{std::string{v}});
    }
}

inline void set_id(sql::PreparedStatement& st, int idx, std::uint64_t id) {
    if (id == 0) {
        st.setNull(idx, 0);
    } else {
        st.setUInt64(idx, id);
    }
}

// MySQL "2026-11-22 14:04:56.446" → npm's "2026-11-22T14:04:56.446Z".
inline std::string iso_time(std::string t) {
    if (t.empty()) return t;
    if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
    const auto dot = t.find('.');
    if (dot == std::string::npos) {
        t += ".000";
    } else {
        t = (t + "000").substr(0, dot + 4);  // milliseconds, as npm writes them
    }
    return t + "Z";
}

inline bool is_duplicate_key(const sql::SQLException& e) { return e.getErrorCode() == 1062; }

// Runs an INSERT; false when a unique key says the row exists already.
[[nodiscard]] inline bool insert_unique(sql::PreparedStatement& st) {
    try {
        st.executeUpdate();
        return true;
    } catch (const sql::SQLException& e) {
        if (is_duplicate_key(e)) return false;
        throw;
    }
}

inline std::uint64_t last_insert_id(sql::Connection& c) {
    const std::unique_ptr<sql::PreparedStatement> st{c.prepareStatement("SELECT LAST_INSERT_ID()")};
    const Result rs{st->executeQuery()};
    rs->next();
    return rs->getUInt64(1);
}

}  // namespace depot::storage
