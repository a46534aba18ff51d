#include "fcgi/fcgi_request.hpp"

#include <cctype>
#include <charconv>
#include <string>

namespace depot::fcgi {

FcgiRequest::FcgiRequest(int listen_fd) { FCGX_InitRequest(&req_, listen_fd, 0); }

FcgiRequest::~FcgiRequest() {
    finish();
    FCGX_Free(&req_, 1);
}

bool FcgiRequest::accept() {
    const bool ok = FCGX_Accept_r(&req_) == 0;
    active_ = ok;
    return ok;
}

void FcgiRequest::finish() {
    if (!active_) return;
    FCGX_Finish_r(&req_);
    active_ = false;
}

http::Request FcgiRequest::read_head() {
    http::Request r;
    const auto param = [this](const char* name) -> std::string {
        const char* v = FCGX_GetParam(name, req_.envp);
        return v ? std::string{v} : std::string{};
    };
    r.method_text = param("REQUEST_METHOD");
    r.method = http::parse_method(r.method_text);
    const auto uri = param("REQUEST_URI");
    const auto q = uri.find('?');
    r.raw_path = uri.substr(0, q);
    if (q != std::string::npos) r.query = uri.substr(q + 1);
    r.https = param("HTTPS") == "on";
    r.remote_addr = param("REMOTE_ADDR");
    r.request_id = param("REQUEST_ID");
    for (char** e = req_.envp; e && *e; ++e) {
        const std::string_view kv{*e};
        if (!kv.starts_with("HTTP_")) continue;
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        std::string name;
        for (const char c : kv.substr(5, eq - 5)) {
            name.push_back(
                c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
        r.headers.emplace(std::move(name), std::string{kv.substr(eq + 1)});
    }
    if (const auto ct = param("CONTENT_TYPE"); !ct.empty()) r.headers.emplace("content-type", ct);
    return r;
}

void FcgiRequest::read_body(http::Request& req, std::uint64_t max_bytes) {
    const char* cl = FCGX_GetParam("CONTENT_LENGTH", req_.envp);
    if (!cl || !*cl) return;
    std::uint64_t length = 0;
    const std::string_view s{cl};
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), length);
    if (ec != std::errc{} || p != s.data() + s.size()) {
        req.body_state = http::BodyState::Incomplete;
        return;
    }
    if (length > max_bytes) {
        req.body_state = http::BodyState::TooLarge;
        return;
    }
    req.body.resize(static_cast<std::size_t>(length));
    std::size_t got = 0;
    while (got < req.body.size()) {
        const int n =
            FCGX_GetStr(req.body.data() + got, static_cast<int>(req.body.size() - got), req_.in);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got != req.body.size()) {
        req.body.resize(got);
        req.body_state = http::BodyState::Incomplete;
    }
}

void FcgiRequest::write(const http::Request& req, const http::Response& resp) {
    std::string head = "Status: " + std::to_string(resp.status) + " " +
                       std::string{http::reason_phrase(resp.status)} + "\r\n";
    for (const auto& [k, v] : resp.headers) {
        // Defence in depth (review S9): no value can end the header or start another.
        if (k.find_first_of("\r\n:") != std::string::npos ||
            v.find_first_of("\r\n") != std::string::npos) {
            continue;
        }
        head.append(k).append(": ").append(v).append("\r\n");
    }
    const bool no_content = resp.status == 304 || resp.status == 204;
    const bool has_body = req.method != http::Method::Head && !no_content;
    // HEAD gets the length GET would have; nginx sends the file's own for X-Accel-Redirect.
    if (!no_content && resp.header("Content-Length").empty() &&
        resp.header("X-Accel-Redirect").empty()) {
        head.append("Content-Length: ").append(std::to_string(resp.body.size())).append("\r\n");
    }
    head.append("\r\n");
    FCGX_PutStr(head.data(), static_cast<int>(head.size()), req_.out);
    if (has_body && !resp.body.empty()) {
        FCGX_PutStr(resp.body.data(), static_cast<int>(resp.body.size()), req_.out);
    }
}

}  // namespace depot::fcgi
