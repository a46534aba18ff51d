#pragma once
// A request as the handlers see it: plain data, filled by fcgi/ from the
// FastCGI params nginx sends. No I/O here.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/method.hpp"

namespace depot::http {

enum class BodyState { Complete, TooLarge, Incomplete };

struct Request {
    Method method = Method::Get;
    std::string method_text;  // as sent, for 405 messages and logs
    std::string raw_path;     // REQUEST_URI before '?', still percent-encoded
    std::string query;        // after '?', still encoded
    std::map<std::string, std::string, std::less<>> headers;  // lower-case names
    std::string body;
    BodyState body_state = BodyState::Complete;  // set by fcgi/, turned into 413/400 by api/
    bool https = false;                          // nginx's HTTPS param only; never a client header
    std::string remote_addr;                     // nginx's $remote_addr
    std::string request_id;
    std::vector<std::pair<std::string, std::string>> params;  // filled by the router

    [[nodiscard]] std::string_view header(std::string_view lower_name) const {
        const auto it = headers.find(lower_name);
        return it == headers.end() ? std::string_view{} : std::string_view{it->second};
    }
    [[nodiscard]] const std::string& param(std::string_view name) const;
    // True for methods that change nothing (and that may be retried after a lost connection).
    [[nodiscard]] bool is_safe() const { return method == Method::Get || method == Method::Head; }
};

}  // namespace depot::http
